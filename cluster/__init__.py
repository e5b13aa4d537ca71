"""Scale past one machine: assistant replicas behind nginx, sharing PostgreSQL and Redis (docs/runbook.md)."""

from cluster.launcher import Cluster

__all__ = ["Cluster"]
