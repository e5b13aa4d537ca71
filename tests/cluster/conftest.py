"""One loopback cluster for the module: PostgreSQL, Redis, two replicas and nginx (cluster/), stopped after."""

from __future__ import annotations

import pytest

from cluster import Cluster
from tests.conftest import ensure_model

# The whole suite's load comes from one address (127.0.0.1): the per-visitor limits are server/security.py's tests.
NO_RATE_LIMIT = {"RATE_LIMIT_PER_MINUTE": "0"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    state = tmp_path_factory.mktemp("cluster")
    with Cluster(replicas=2, state_dir=state, model=ensure_model(), keep_data=False, env=NO_RATE_LIMIT) as running:
        print(f"cluster started in {running.start_seconds:.1f} s")
        yield running
