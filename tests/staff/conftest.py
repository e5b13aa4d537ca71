"""The staff tests' server: `python -m server` (which mounts the staff routes), with STAFF_TOKEN and a temp SQLite store."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from server.local import local_server
from tests.conftest import ROOT, ensure_model

TOKEN = "test-staff-token-0123456789abcdef"


def http(method: str, url: str, body=None, token: str | None = None):
    """(status, parsed JSON or text, headers) for one request."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as res:
            status, raw, headers = res.status, res.read(), res.headers
    except urllib.error.HTTPError as error:
        status, raw, headers = error.code, error.read(), error.headers
    try:
        return status, json.loads(raw), headers
    except ValueError:
        return status, raw.decode("utf-8", "replace"), headers


@pytest.fixture(scope="session")
def staff_server(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("staff_server")
    saved = workdir / "test_stories_saved.yml"
    env = {"STAFF_TOKEN": TOKEN, "STAFF_SAVED_STORIES": str(saved)}
    with local_server(workdir, ensure_model(), env=env) as running:
        yield {"url": running.url, "log": running.log, "saved": saved, "root": ROOT}
