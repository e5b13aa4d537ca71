"""Real servers (`python -m server`, SQLite tracker store) for the attacker and privacy tests.

- open_server: the default configuration with the rate limit off (the fuzz tests send hundreds of
  messages from one address), used for fuzzing, typed Rasa syntax, headers, routes and logs;
- limited_server: small rate limits (see LIMITED_ENV), one allowed CORS origin, one trusted proxy, and a tracker store
  that already holds an old and a recent conversation when it starts (the retention job's first run).

Fuzz cases are counted per test and printed at the end of the run.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, settings

from bench.client import WEBHOOK, Visitor
from server.local import LocalServer, local_server
from tests.conftest import ensure_model
from tests.security.tracker_db import write_conversation

FUZZ = settings(
    deadline=None,  # each case is a real HTTP round trip through the model
    database=None,  # nothing written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CASES: Counter = Counter()

ALLOWED_ORIGIN = "https://clinic.example"
LIMITED_ENV = {
    "RATE_LIMIT_PER_MINUTE": "6",
    "RATE_LIMIT_BURST": "3",
    "RATE_LIMIT_PER_IP_PER_MINUTE": "2",
    "RATE_LIMIT_IP_BURST": "8",
    "TRUSTED_PROXIES": "1",
    "ALLOWED_ORIGINS": ALLOWED_ORIGIN,
}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if CASES:
        terminalreporter.section("security fuzz cases tried")
        for name, count in sorted(CASES.items()):
            terminalreporter.write_line(f"{name}: {count}")
        terminalreporter.write_line(f"total: {sum(CASES.values())}")


@pytest.fixture(scope="session")
def open_server(tmp_path_factory) -> LocalServer:
    with local_server(tmp_path_factory.mktemp("open_server"), ensure_model(), env={"RATE_LIMIT_PER_MINUTE": "0"}) as s:
        yield s


@pytest.fixture(scope="session")
def limited_server(tmp_path_factory) -> LocalServer:
    workdir = tmp_path_factory.mktemp("limited_server")
    write_conversation(workdir / "conversations.db", "retention-old", age_days=45)
    write_conversation(workdir / "conversations.db", "retention-recent", age_days=2)
    with local_server(workdir, ensure_model(), env=LIMITED_ENV) as s:
        yield s


def request(
    server: LocalServer, method: str, path: str, body: bytes = b"", headers: Dict[str, str] | None = None
) -> Tuple[int, Dict[str, str], Any]:
    """One request on a fresh connection: (status, lower-cased headers, parsed JSON body or raw bytes)."""
    visitor = Visitor(server.port)
    try:
        status, raw = visitor.request(method, path, body, headers)
        headers_seen = dict(visitor.last_headers)
    finally:
        visitor.close()
    try:
        parsed: Any = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw
    return status, headers_seen, parsed


def post_json(server: LocalServer, payload: Any, headers: Dict[str, str] | None = None):
    return request(server, "POST", WEBHOOK, json.dumps(payload).encode(), headers)


def events(db: Path, sender: str) -> List[Tuple[str, Dict[str, Any]]]:
    """The stored events of one conversation: (type_name, data)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select type_name, data from events where sender_id = ? order by id", (sender,))
        return [(kind, json.loads(data)) for kind, data in rows.fetchall()]
