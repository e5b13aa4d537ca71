"""Start the real server (`python -m server`) on a loopback port, for tests and benchmarks.

One place that knows how: a temporary SQLite tracker store, Rasa kept quiet, and a wait until the
REST channel answers. Used by tests/test_server.py, tests/webchat/, tests/staff/ and bench/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, List

import yaml

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def quiet_env(extra: Dict[str, str] | None = None) -> Dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
    return {**env, **(extra or {})}


def wait_for(url: str, proc: subprocess.Popen, log: Path, seconds: float = 180) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{log.read_text()}") from None
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"server did not answer {url} in {seconds} s:\n{log.read_text()}")


def sqlite_endpoints(db: Path, source: Path = ROOT / "endpoints.yml") -> str:
    """`source` (the repo's endpoints.yml: same tracker store class and settings) with its SQLite file at `db`."""
    config = yaml.safe_load(source.read_text())
    config["tracker_store"]["db"] = str(db)
    return yaml.safe_dump(config, sort_keys=False)


@dataclass
class LocalServer:
    url: str
    port: int
    db: Path
    log: Path
    proc: subprocess.Popen


@contextmanager
def local_server(
    workdir: Path,
    model: Path,
    env: Dict[str, str] | None = None,
    command: List[str] | None = None,
    credentials: Path | None = None,
    endpoints_yaml: str | None = None,
) -> Iterator[LocalServer]:
    """`command` replaces `python -m server` (e.g. a test launcher, or `rasa run` for a plain bot);
    it gets the same arguments. `endpoints_yaml` replaces the SQLite endpoints written by default."""
    workdir.mkdir(parents=True, exist_ok=True)
    db, log_path, endpoints = workdir / "conversations.db", workdir / "server.log", workdir / "endpoints.yml"
    endpoints.write_text(sqlite_endpoints(db) if endpoints_yaml is None else endpoints_yaml)
    port = free_port()
    args = ["--model", str(model), "--port", str(port), "--interface", "127.0.0.1"]
    args += ["--credentials", str(credentials or ROOT / "credentials.yml"), "--endpoints", str(endpoints)]
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            (command or [sys.executable, "-m", "server"]) + args,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=quiet_env(env),
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(url + "/webhooks/rest/", proc, log_path)
            yield LocalServer(url, port, db, log_path, proc)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
