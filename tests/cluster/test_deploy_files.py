"""deploy/ agrees with the code: the templates' placeholders are all provided, names match, types follow endpoints.yml."""

from __future__ import annotations

import pytest
import yaml

from cluster.launcher import REPLICA_ENV
from cluster.stores import DB_NAME, DB_USER
from cluster.templates import (
    DEPLOY,
    ENDPOINTS_TEMPLATE,
    ROOT,
    SITE_TEMPLATE,
    placeholders,
    render_endpoints,
    render_loopback_nginx,
    render_site,
    substitute,
    tracker_store_type,
)

COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def test_the_cluster_uses_the_tracker_store_type_of_endpoints_yml():
    rendered = yaml.safe_load(render_endpoints())
    assert rendered["tracker_store"]["type"] == tracker_store_type()
    assert rendered["tracker_store"]["dialect"] == "postgresql"
    # only the type is filled in at build time; every other line of the template is kept as it is
    changed = set(ENDPOINTS_TEMPLATE.read_text().splitlines()) ^ set(render_endpoints().splitlines())
    assert changed == {"  type: ${TRACKER_STORE_TYPE}", f'  type: "{tracker_store_type()}"'}


def test_compose_gives_the_replicas_every_setting_the_endpoints_file_reads():
    needed = placeholders(render_endpoints())
    assert needed, "the image's endpoints file reads its connection settings from the environment"
    assert needed <= set(COMPOSE["assistant"]["environment"]), needed - set(COMPOSE["assistant"]["environment"])


def test_compose_names_the_database_and_user_the_launcher_uses():
    assistant, postgres = COMPOSE["assistant"]["environment"], COMPOSE["postgres"]["environment"]
    assert assistant["DB_USER"] == postgres["POSTGRES_USER"] == DB_USER
    assert assistant["DB_NAME"] == postgres["POSTGRES_DB"] == DB_NAME


def test_compose_renders_the_same_nginx_site_as_the_launcher():
    nginx = COMPOSE["nginx"]
    assert any(v.startswith(f"./nginx/{SITE_TEMPLATE.name}:") for v in nginx["volumes"])
    assert placeholders(SITE_TEMPLATE.read_text()) <= set(nginx["environment"])


def test_rendered_configs_have_no_placeholder_left(tmp_path):
    values = {"DB_HOST": "127.0.0.1", "DB_PORT": 5432, "DB_NAME": "rasa", "DB_USER": "rasa", "DB_PASSWORD": "p"}
    values.update({"REDIS_HOST": "127.0.0.1", "REDIS_PORT": 6379, "REDIS_PASSWORD": "q"})
    rendered = render_endpoints(values)
    assert not placeholders(rendered) and yaml.safe_load(rendered)["lock_store"]["port"] == 6379
    site = render_site(["127.0.0.1:1", "127.0.0.1:2"], "127.0.0.1:8080")
    assert "server 127.0.0.1:1; server 127.0.0.1:2;" in site and "$upstream_addr" in site and not placeholders(site)
    assert not placeholders(render_loopback_nginx(tmp_path))


def test_a_missing_value_is_an_error_not_an_empty_setting():
    with pytest.raises(KeyError, match="DB_PASSWORD"):
        render_endpoints({"DB_HOST": "127.0.0.1"})
    assert substitute("a ${X} $host", {"X": "1"}) == "a 1 $host"  # nginx's own variables are left alone


def test_the_runbook_names_every_setting_and_command_it_relies_on():
    runbook = (ROOT / "docs" / "runbook.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for name in placeholders(render_endpoints()) | set(REPLICA_ENV) - {"SQLALCHEMY_SILENCE_UBER_WARNING"}:
        assert f"`{name}`" in runbook or f"`{name}`," in runbook, f"docs/runbook.md does not explain {name}"
    for target in ("run-cluster", "cluster-deps"):
        assert f"make {target}" in runbook and f"\n{target}:" in makefile
