"""`rasa test` on the end-to-end stories in tests/test_stories.yml, failing on any prediction error."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, ensure_model

STORY_FILES = sorted(p.name for p in (ROOT / "tests").glob("test_stories*.yml"))


@pytest.mark.parametrize("stories", STORY_FILES)
def test_end_to_end_stories_pass_rasa_test(tmp_path, stories):
    """tests/test_stories.yml and the staff console's saved regression stories (test_stories_saved.yml)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(ensure_model()),
            "--stories",
            f"tests/{stories}",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + detail
