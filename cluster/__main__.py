"""`python -m cluster` (make run-cluster): start the loopback cluster, print its URL, stop it on Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from cluster.launcher import DEFAULT_MODEL, DEFAULT_STATE, Cluster


def _stop(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    parser = argparse.ArgumentParser(description="PostgreSQL + Redis + N assistant replicas behind nginx, on loopback.")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get("REPLICAS", "2")))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5005")), help="nginx's port")
    parser.add_argument("--host", default="127.0.0.1", help="nginx's address (0.0.0.0 to serve other machines)")
    parser.add_argument("--state-dir", type=Path, default=DEFAULT_STATE, help="data, logs and generated configs")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    # Ctrl-C, `kill` and a closed terminal all stop the cluster in order (SIGINT is set explicitly: a
    # background job starts with it ignored).
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _stop)
    cluster = Cluster(args.replicas, args.port, args.host, args.state_dir, args.model)
    try:
        print(f"Starting PostgreSQL, Redis, {args.replicas} replica(s) and nginx (logs: {cluster.logs})", flush=True)
        cluster.start()
        print(
            f"Ready in {cluster.start_seconds:.1f} s: {cluster.url}/  (web chat; REST at {cluster.url}/webhooks/rest/webhook)"
        )
        print(f"Replicas: {', '.join(cluster.replica_addresses)}; endpoints: {cluster.endpoints_file}")
        print(f"PostgreSQL data: {cluster.postgres.data}. Ctrl-C stops it all.", flush=True)
        while True:
            cluster.check()  # one process gone: stop everything rather than serve half a cluster
            time.sleep(1)
    except KeyboardInterrupt:
        print("Stopping ...", flush=True)
        return 0
    except (RuntimeError, TimeoutError, FileNotFoundError) as error:
        print(f"Cluster failed: {error}", file=sys.stderr)
        return 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # one clean stop, even if the signal comes twice
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
