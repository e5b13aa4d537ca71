"""The staff tests' server: `python -m server` (which mounts the staff console) on a temporary SQLite store,
writing into a scratch checkout (STAFF_CHECKOUT: a copy of the bank under git, never the repository), with an
admin, a reviewer and a viewer account. Its set-up page is fetched before any account exists."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa

from server.local import local_server
from staff import accounts, db
from tests.conftest import ROOT, ensure_model
from tests.test_maintainer_path import scratch_copy
from tests.webchat.conftest import axe_source, screenshots  # noqa: F401  (the web chat's fixtures, shared)

ACCOUNTS = {
    "ana": ("admin", "Ana Admin", ""),
    "rita": ("reviewer", "Dr Rita Reviewer", "PhD, clinical psychologist"),
    "vic": ("viewer", "Vic Viewer", ""),
}


def http(method: str, url: str, body=None, token: str | None = None, raw: bytes | None = None):
    """(status, parsed JSON or text, headers) for one request."""
    data = json.dumps(body).encode() if body is not None else raw
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as res:
            status, payload, headers = res.status, res.read(), res.headers
    except urllib.error.HTTPError as error:
        status, payload, headers = error.code, error.read(), error.headers
    try:
        return status, json.loads(payload), headers
    except ValueError:
        return status, payload.decode("utf-8", "replace"), headers


def checkout(root: Path) -> Path:
    """A scratch copy of the bank under git, for the console to sign into and save stories in."""
    copy = scratch_copy(root)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    subprocess.run(git + ["add", "-A"], cwd=copy, check=True)
    subprocess.run(git + ["commit", "-qm", "scratch"], cwd=copy, check=True)
    return copy


def make_accounts(database: Path) -> dict:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        db.create_tables(engine)
        return {
            n: accounts.create(engine, n, role, full, cred, actor="test") for n, (role, full, cred) in ACCOUNTS.items()
        }
    finally:
        engine.dispose()


def login(url: str, name: str, secret: str) -> str:
    status, data, _ = http("POST", url + "/staff/api/login", {"name": name, "secret": secret})
    assert status == 200, data
    return data["token"]


@pytest.fixture(scope="session")
def staff_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("staff_server")
    copy = checkout(workdir / "checkout")
    env = {"STAFF_CHECKOUT": str(copy)}
    with local_server(workdir / "server", ensure_model(), env=env) as running:
        setup = http("GET", running.url + "/staff")
        secrets = make_accounts(running.db)
        tokens = {name: login(running.url, name, secret) for name, secret in secrets.items()}
        yield {
            "url": running.url,
            "log": running.log,
            "db": running.db,
            "checkout": copy,
            "workdir": workdir,
            "setup": setup,
            "secrets": secrets,
            "tokens": tokens,
            "root": ROOT,
            "env": env,
        }
