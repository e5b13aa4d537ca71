"""docs/privacy.md matches the code: its settings table is server/settings.py's, and every environment
variable the server reads is declared there."""

from __future__ import annotations

import re

from server import settings
from tests.conftest import ROOT

SERVER_CODE = ["server", "channels", "webchat", "staff", "guardrails", "bank", "dialogue", "understanding"]
ENV_READ = re.compile(r"""os\.(?:environ\.get|environ\[|getenv)\(?\s*["']([A-Z0-9_]+)["']""")


def test_the_settings_table_in_privacy_md_is_current():
    assert settings.main(["--check"]) == 0, "run `python -m server.settings --write`"
    doc = settings.PRIVACY_DOC.read_text(encoding="utf-8")
    for setting in settings.SETTINGS:
        assert f"`{setting.name}`" in doc


def test_every_environment_variable_the_server_reads_is_declared():
    declared = {s.name for s in settings.SETTINGS} | set(settings.READ_ELSEWHERE)
    read = {}
    for folder in SERVER_CODE:
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "local.py" and folder == "server":
                continue  # the test launcher, not the server
            for name in ENV_READ.findall(path.read_text(encoding="utf-8")):
                read.setdefault(name, str(path.relative_to(ROOT)))
    assert "STAFF_CHECKOUT" in read, "the scan finds environment reads"
    undeclared = {name: where for name, where in read.items() if name not in declared}
    assert not undeclared, f"declare these in server/settings.py (SETTINGS or READ_ELSEWHERE): {undeclared}"
    for name, (where, _) in settings.READ_ELSEWHERE.items():
        assert read.get(name) == where, f"{name} is read by {read.get(name)}, not {where}"
