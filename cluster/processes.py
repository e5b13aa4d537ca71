"""Child processes of the loopback cluster: start one, check it is alive, stop it.

Children run in their own session, so a Ctrl-C in the terminal reaches only the launcher, which then
stops them in order (proxy, replicas, Redis, PostgreSQL). If the launcher itself dies, Linux sends
each child SIGTERM (PR_SET_PDEATHSIG), so nothing is left holding ports.
"""

from __future__ import annotations

import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

from server.local import ROOT

_PR_SET_PDEATHSIG = 1
INSTALL_HINT = "run `make cluster-deps` (bash scripts/install_cluster_deps.sh: apt-get install postgresql redis-server nginx-light)"


def _die_with_parent() -> None:
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def find_binary(name: str) -> str:
    """A server binary from PATH, /usr/sbin or Debian's versioned PostgreSQL directory (newest first)."""
    pg_dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(Path(d).parent.name), reverse=True)
    for directory in [*os.environ.get("PATH", "").split(os.pathsep), "/usr/sbin", "/sbin", *pg_dirs]:
        candidate = Path(directory) / name
        if directory and candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise FileNotFoundError(f"{name} was not found: {INSTALL_HINT}")


def unprivileged_user() -> pwd.struct_passwd | None:
    """PostgreSQL refuses to run as root: as root, its servers run as the `postgres` user Debian creates."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise RuntimeError(
            f"running as root, and there is no `postgres` user to run PostgreSQL as: {INSTALL_HINT}"
        ) from None


def run_as(user: pwd.struct_passwd | None) -> Dict:
    """Popen arguments that drop to `user` (None: stay who we are)."""
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


@dataclass
class Child:
    name: str
    proc: subprocess.Popen
    log: Path
    stop_signal: int = signal.SIGTERM

    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def check(self) -> None:
        if not self.alive():
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); end of {self.log}:\n{self.log_tail()}")

    def signal(self) -> None:
        if self.alive():
            self.proc.send_signal(self.stop_signal)

    def wait(self, timeout: float = 30) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def stop(self, timeout: float = 30) -> None:
        self.signal()
        self.wait(timeout)


def spawn(
    name: str,
    argv: List[str],
    log: Path,
    env: Dict[str, str] | None = None,
    user: pwd.struct_passwd | None = None,
    stop_signal: int = signal.SIGTERM,
) -> Child:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            **run_as(user),
        )
    return Child(name, proc, log, stop_signal)


def wait_until(ready: Callable[[], bool], children: List[Child], what: str, seconds: float) -> None:
    """Poll `ready` until it is true; fail early, with the log, if a child exits meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for child in children:
            child.check()
        try:
            if ready():
                return
        except Exception:  # not up yet: connection refused, server starting
            pass
        time.sleep(0.2)
    tails = "\n".join(f"--- {c.name} ({c.log}):\n{c.log_tail()}" for c in children)
    raise TimeoutError(f"{what} not ready after {seconds:.0f} s\n{tails}")


def give_to(path: Path, user: pwd.struct_passwd | None) -> None:
    if user is not None:
        shutil.chown(path, user.pw_uid, user.pw_gid)


def reachable(path: Path, user: pwd.struct_passwd | None) -> bool:
    """Can `user` get into `path`? (every parent directory must let it through)"""
    return user is None or subprocess.run(["test", "-x", str(path)], **run_as(user)).returncode == 0
