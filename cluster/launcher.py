"""Several assistant replicas behind one nginx address, sharing PostgreSQL (conversations) and Redis (locks).

    with Cluster(replicas=2) as cluster:   # or: python -m cluster / make run-cluster
        print(cluster.url)

Everything runs on loopback, on free ports, with its files under `state_dir` (var/cluster/ by default):
the rendered endpoints file, nginx's configuration and every process's log in logs/.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List

from cluster.processes import Child, find_binary, spawn, wait_until
from cluster.stores import Postgres, Redis
from cluster.templates import render_endpoints, render_loopback_nginx, render_site
from server.local import ROOT, free_port, quiet_env

DEFAULT_STATE = ROOT / "var" / "cluster"
DEFAULT_MODEL = ROOT / "models" / "current.tar.gz"
HEALTH = "/webhooks/rest/"  # the REST channel answers once the replica has loaded its model
# Replicas sit behind exactly one proxy, so the client's address is the last one nginx adds to
# X-Forwarded-For (server/settings.py: TRUSTED_PROXIES). Anything in `env` (or the caller's environment,
# e.g. RATE_LIMIT_PER_MINUTE) overrides these.
REPLICA_ENV = {"TRUSTED_PROXIES": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def _answers(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as reply:
        return reply.status == 200


class Cluster:
    def __init__(
        self,
        replicas: int = 2,
        port: int | None = None,
        host: str = "127.0.0.1",
        state_dir: Path = DEFAULT_STATE,
        model: Path = DEFAULT_MODEL,
        keep_data: bool = True,
        env: Dict[str, str] | None = None,
        replica_seconds: float = 300,
    ) -> None:
        if replicas < 1:
            raise ValueError("a cluster needs at least one replica")
        self.replicas, self.host, self.model = replicas, host, Path(model)
        self.port = port or free_port()
        self.state_dir = Path(state_dir).resolve()
        self.keep_data, self.replica_seconds = keep_data, replica_seconds
        self.replica_env = {**REPLICA_ENV, **{k: v for k, v in os.environ.items() if k in REPLICA_ENV}, **(env or {})}
        self.logs = self.state_dir / "logs"
        self.endpoints_file = self.state_dir / "endpoints.yml"
        self.postgres: Postgres | None = None
        self.redis = Redis(self.state_dir / "redis")
        self.replica_ports: List[int] = []
        self.tiers: List[List[Child]] = []  # stores, replicas, proxy: stopped in reverse, each tier at once
        self.start_seconds = 0.0

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{shown}:{self.port}"

    @property
    def replica_addresses(self) -> List[str]:
        """What nginx's X-Upstream header names for each replica."""
        return [f"127.0.0.1:{port}" for port in self.replica_ports]

    def start(self) -> Cluster:
        began = time.monotonic()
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def _start(self) -> None:
        if not self.model.exists():
            raise FileNotFoundError(f"no model at {self.model}: run `make train` first")
        nginx = find_binary("nginx")  # fail before starting anything when a package is missing
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres = Postgres(self.state_dir / "postgres")
        self.postgres.init()
        stores = [
            self.postgres.start(free_port(), self.logs / "postgresql.log"),
            self.redis.start(free_port(), self.logs / "redis.log"),
        ]
        self.tiers.append(stores)
        wait_until(self.postgres.ready, stores, "PostgreSQL", 60)
        wait_until(self.redis.ready, stores, "Redis", 30)
        self.postgres.create_database()

        self.endpoints_file.write_text(render_endpoints({**self.postgres.settings(), **self.redis.settings()}))
        self.endpoints_file.chmod(0o600)  # it holds both passwords
        replicas = [self._start_replica(i) for i in range(1, self.replicas + 1)]
        self.tiers.append(replicas)
        for port in self.replica_ports:
            wait_until(
                lambda p=port: _answers(f"http://127.0.0.1:{p}{HEALTH}"), replicas, "replicas", self.replica_seconds
            )

        nginx_dir = self.state_dir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (nginx_dir / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        (nginx_dir / "assistant.conf").write_text(render_site(self.replica_addresses, f"{self.host}:{self.port}"))
        (nginx_dir / "nginx.conf").write_text(render_loopback_nginx(nginx_dir))
        argv = [nginx, "-p", str(nginx_dir), "-c", str(nginx_dir / "nginx.conf"), "-e", "stderr"]
        proxy = spawn("nginx", argv + ["-g", "daemon off;"], self.logs / "nginx.log")
        self.tiers.append([proxy])
        wait_until(lambda: _answers(self.url + HEALTH), [proxy], "nginx", 30)

    def _start_replica(self, number: int) -> Child:
        port = free_port()
        self.replica_ports.append(port)
        argv = [sys.executable, "-m", "server", "--model", str(self.model), "--port", str(port)]
        argv += ["--interface", "127.0.0.1", "--credentials", str(ROOT / "credentials.yml")]
        argv += ["--endpoints", str(self.endpoints_file)]
        return spawn(f"replica-{number}", argv, self.logs / f"replica-{number}.log", env=quiet_env(self.replica_env))

    def stop_replica(self, number: int) -> None:
        """Stop replica `number` (1-based) and leave the rest running: nginx then skips it."""
        next(c for c in self.tiers[1] if c.name == f"replica-{number}").stop()

    def check(self) -> None:
        """Raise if any process of the cluster has exited."""
        for tier in self.tiers:
            for child in tier:
                child.check()

    def stop(self) -> None:
        for tier in reversed(self.tiers):  # the proxy first, PostgreSQL last
            for child in tier:
                child.signal()
            for child in tier:
                child.wait()
        self.tiers = []
        if not self.keep_data:
            if self.postgres is not None:
                self.postgres.remove()
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
