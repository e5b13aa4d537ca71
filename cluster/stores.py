"""The shared stores of a loopback cluster: a PostgreSQL server (tracker store) and a Redis server (lock store).

Both are our own instances on free loopback ports, never the system's services. PostgreSQL keeps its
data between runs (initdb once); Redis only holds short-lived conversation locks, so it keeps nothing.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Dict

from cluster.processes import Child, find_binary, give_to, reachable, run_as, spawn, unprivileged_user

DB_USER = "rasa"
DB_NAME = "rasa"


def _secret(path: Path) -> str:
    """A password kept next to the data it protects (created once, readable by its owner only)."""
    if not path.exists():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


class Postgres:
    def __init__(self, root: Path) -> None:
        self.user = unprivileged_user()
        self.borrowed = not reachable(root.parent, self.user)
        if self.borrowed:
            # e.g. a checkout or pytest temp dir under /root: use a directory of the postgres user's home
            digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
            root = Path(self.user.pw_dir) / "ptsd-assistant" / digest
        self.root, self.data = root, root / "data"
        self.port = 0
        self.password = ""

    def init(self) -> None:
        """Create the data directory and the `rasa` role with a password, once."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.password = _secret(self.root / "password")
        if (self.data / "PG_VERSION").exists():
            return
        self.data.mkdir(mode=0o700, exist_ok=True)
        give_to(self.data, self.user)
        with tempfile.NamedTemporaryFile("w", prefix="pgpass-") as pwfile:
            pwfile.write(self.password)
            pwfile.flush()
            give_to(Path(pwfile.name), self.user)
            argv = [find_binary("initdb"), "-D", str(self.data), "-U", DB_USER, f"--pwfile={pwfile.name}"]
            argv += ["--auth=scram-sha-256", "--encoding=UTF8", "--locale=C"]
            log = self.root / "initdb.log"
            with log.open("wb") as out:
                done = subprocess.run(argv, stdout=out, stderr=out, **run_as(self.user))
            if done.returncode:
                raise RuntimeError(f"initdb failed; see {log}:\n{log.read_text(errors='replace')}")

    def remove(self) -> None:
        """Delete the data (a test cluster's); also the borrowed directory's parent once it is empty."""
        shutil.rmtree(self.root, ignore_errors=True)
        if self.borrowed and self.root.parent.exists() and not any(self.root.parent.iterdir()):
            self.root.parent.rmdir()

    def start(self, port: int, log: Path) -> Child:
        self.port = port
        argv = [find_binary("postgres"), "-D", str(self.data), "-p", str(port)]
        argv += ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "max_connections=200"]
        # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, then stop.
        return spawn("postgresql", argv, log, env=_server_env(self.user), user=self.user, stop_signal=signal.SIGINT)

    def connect(self, dbname: str = DB_NAME) -> Any:
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1", port=self.port, user=DB_USER, password=self.password, dbname=dbname, connect_timeout=3
        )

    def ready(self) -> bool:
        self.connect("postgres").close()
        return True

    def create_database(self) -> None:
        connection = self.connect("postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{DB_NAME}"')
        finally:
            connection.close()

    def settings(self) -> Dict[str, Any]:
        return {
            "DB_HOST": "127.0.0.1",
            "DB_PORT": self.port,
            "DB_NAME": DB_NAME,
            "DB_USER": DB_USER,
            "DB_PASSWORD": self.password,
        }


class Redis:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = 0
        self.password = ""

    def start(self, port: int, log: Path) -> Child:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port, self.password = port, _secret(self.root / "password")
        conf = self.root / "redis.conf"  # the password goes in a 0600 file, not on the command line
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\nprotected-mode yes\nrequirepass {self.password}\n"
            f'save ""\nappendonly no\ndir "{self.root}"\ndaemonize no\n'
        )
        conf.chmod(0o600)
        return spawn("redis", [find_binary("redis-server"), str(conf)], log)

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, socket_timeout=5)

    def ready(self) -> bool:
        return bool(self.client().ping())

    def settings(self) -> Dict[str, Any]:
        return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": self.port, "REDIS_PASSWORD": self.password}


def _server_env(user: Any) -> Dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
    if user is not None:
        env["HOME"] = user.pw_dir
    return env
