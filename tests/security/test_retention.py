"""The retention job (server/retention.py) on real tracker stores written by Rasa's SQLTrackerStore."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from server import retention
from tests.conftest import ROOT
from tests.security.conftest import request
from tests.security.tracker_db import event_counts, sqlite_store, write_events

NOW = time.time()


def fill(store) -> None:
    write_events(store, "old", [45, 44, 44, 43], now=NOW)
    write_events(store, "recent", [3, 2, 2], now=NOW)
    write_events(store, "old-then-back", [60, 60, 59, 1], now=NOW)  # newest event decides: kept whole
    write_events(store, "one-old-event", [31], now=NOW)
    write_events(store, "one-recent-event", [29], now=NOW)


KEPT = {"recent": 3, "old-then-back": 4, "one-recent-event": 1}


def check_purge(engine) -> None:
    dry = retention.purge(engine, 30, dry_run=True, now=NOW)
    assert dry == retention.Purge(conversations=2, events=5, kept=3)
    assert len(event_counts(engine)) == 5, "a dry run deletes nothing"
    done = retention.purge(engine, 30, now=NOW)
    assert done == dry
    assert event_counts(engine) == KEPT
    assert retention.purge(engine, 30, now=NOW) == retention.Purge(0, 0, 3), "a second run finds nothing"


def test_old_conversations_are_deleted_and_recent_ones_kept_sqlite(tmp_path):
    store = sqlite_store(tmp_path / "conversations.db")
    fill(store)
    check_purge(store.engine)


def test_a_shorter_retention_deletes_more(tmp_path):
    store = sqlite_store(tmp_path / "conversations.db")
    fill(store)
    assert retention.purge(store.engine, 2, now=NOW).conversations == 3  # "recent" (2 days) stays
    assert set(event_counts(store.engine)) == {"old-then-back", "recent"}


@pytest.fixture()
def endpoints(tmp_path):
    store = sqlite_store(tmp_path / "conversations.db")
    write_events(store, "old", [45, 45, 45])
    write_events(store, "recent", [1, 1, 1])
    store.engine.dispose()
    path = tmp_path / "endpoints.yml"
    path.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'conversations.db'}\n")
    return path


def test_cli_dry_run_then_purge_prints_counts_only(endpoints, capsys):
    assert retention.main(["--endpoints", str(endpoints), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "Would delete 1 conversations (3 events) older than 30 days; 1 kept."
    assert retention.main(["--endpoints", str(endpoints), "--days", "30"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == "Deleted 1 conversations (3 events) older than 30 days; 1 kept."  # no text, no id


def test_cli_days_comes_from_retention_days(endpoints, capsys, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "60")
    retention.main(["--endpoints", str(endpoints), "--dry-run"])
    assert "Would delete 0 conversations (0 events) older than 60 days; 2 kept." in capsys.readouterr().out


def test_cli_deletes_one_visitors_conversation_on_request(endpoints, capsys):
    assert retention.main(["--endpoints", str(endpoints), "--sender", "recent"]) == 0
    assert "Deleted the conversation: 3 events." in capsys.readouterr().out
    engine = retention.tracker_store_engine(endpoints)
    assert set(event_counts(engine)) == {"old"}
    engine.dispose()


def test_cli_without_a_database_creates_none(tmp_path, capsys):
    path = tmp_path / "endpoints.yml"
    path.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'none.db'}\n")
    assert retention.main(["--endpoints", str(path)]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert not (tmp_path / "none.db").exists()


def test_cli_refuses_zero_days(endpoints):
    with pytest.raises(SystemExit):
        retention.main(["--endpoints", str(endpoints), "--days", "0"])


def test_an_empty_database_without_the_events_table_is_fine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert retention.purge(engine, 30) == retention.Purge(0, 0, 0)


def test_postgresql(tmp_path):
    """The same job on PostgreSQL, through the cluster's own PostgreSQL launcher (skipped without one)."""
    stores = pytest.importorskip("cluster.stores", reason="cluster/ (PostgreSQL launcher) not in this checkout")
    from cluster.processes import find_binary

    try:
        find_binary("postgres")
    except Exception:
        pytest.skip("PostgreSQL is not installed (scripts/install_cluster_deps.sh)")
    from rasa.core.tracker_store import SQLTrackerStore

    from server.local import free_port

    postgres = stores.Postgres(tmp_path / "pg")
    postgres.init()
    child = postgres.start(free_port(), tmp_path / "postgres.log")
    try:
        deadline = time.time() + 60
        while True:
            try:
                postgres.ready()
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        postgres.create_database()
        config = postgres.settings()
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(
            "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
            f"  url: {config['DB_HOST']}\n  port: {config['DB_PORT']}\n  db: {config['DB_NAME']}\n"
            f"  username: {config['DB_USER']}\n  password: {config['DB_PASSWORD']}\n"
        )
        store = SQLTrackerStore(
            dialect="postgresql",
            host=config["DB_HOST"],
            port=config["DB_PORT"],
            db=config["DB_NAME"],
            username=config["DB_USER"],
            password=config["DB_PASSWORD"],
        )
        fill(store)
        store.engine.dispose()
        engine = retention.tracker_store_engine(endpoints)  # the job's own connection, from endpoints.yml
        assert engine is not None and engine.dialect.name == "postgresql"
        check_purge(engine)
        engine.dispose()
    finally:
        child.stop()
        shutil.rmtree(postgres.root, ignore_errors=True)


def test_the_server_purges_old_conversations_when_it_starts(limited_server):
    """limited_server's database held a 45-day-old and a 2-day-old conversation before the server started."""
    deadline = time.time() + 30
    while time.time() < deadline and "Retention:" not in Path(limited_server.log).read_text():
        time.sleep(0.2)
    assert "Retention: deleted 1 conversations (5 events) older than 30 days; 1 kept." in limited_server.log.read_text()
    engine = sa.create_engine(f"sqlite:///{limited_server.db}")
    counts = event_counts(engine)
    engine.dispose()
    assert "retention-old" not in counts and counts.get("retention-recent") == 5
    status, _, _ = request(limited_server, "GET", "/webhooks/rest/")
    assert status == 200


def test_the_repos_endpoints_yml_is_understood(tmp_path):
    """endpoints.yml may name Rasa's `SQL` store or a subclass of it by module path: both are cleaned."""
    store = sqlite_store(tmp_path / "conversations.db")
    write_events(store, "old", [45])
    store.engine.dispose()
    repo = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    for store_type in {"SQL", repo["type"]}:
        path = tmp_path / "endpoints.yml"
        path.write_text(
            yaml.safe_dump({"tracker_store": {**repo, "type": store_type, "db": str(tmp_path / "conversations.db")}})
        )
        engine = retention.tracker_store_engine(path)
        assert engine is not None, store_type
        assert retention.purge(engine, 30, dry_run=True).conversations == 1
        engine.dispose()
    path.write_text(yaml.safe_dump({"tracker_store": {"type": "redis"}}))
    assert retention.tracker_store_engine(path) is None
