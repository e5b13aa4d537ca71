"""`rasa test` on the end-to-end stories in tests/test_stories.yml, failing on any prediction error."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT, ensure_model


def test_end_to_end_stories_pass_rasa_test(tmp_path):
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
            "tests/test_stories.yml",
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
