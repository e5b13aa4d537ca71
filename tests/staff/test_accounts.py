"""Named accounts and the audit log on a scratch SQLite database (PostgreSQL: tests/cluster/)."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sqlalchemy as sa

from staff import accounts, audit, db
from tests.conftest import ROOT


@pytest.fixture()
def engine(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'staff.db'}")
    db.create_tables(engine)
    yield engine
    engine.dispose()


def test_a_secret_is_stored_only_as_an_scrypt_hash(engine):
    secret = accounts.create(engine, "Ana", "viewer", "Ana A", "", actor="test")
    with engine.connect() as connection:
        stored = connection.execute(sa.select(db.users.c.secret_hash)).scalar_one()
    assert stored.startswith("scrypt$") and secret not in stored and len(secret) >= 30
    assert accounts.check_secret(engine, "ana", secret).name == "ana"
    assert accounts.check_secret(engine, "ana", secret + "x") is None
    assert accounts.check_secret(engine, "nobody", secret) is None


@pytest.mark.parametrize(
    "name,role",
    [("", "viewer"), ("Has Space", "viewer"), ("9lives", "viewer"), ("ok", "superuser"), ("x" * 70, "admin")],
)
def test_bad_names_and_roles_are_refused(engine, name, role):
    with pytest.raises(accounts.AccountError):
        accounts.create(engine, name, role, "Full Name", "", actor="test")


def test_names_are_unique(engine):
    accounts.create(engine, "ana", "viewer", "Ana", "", actor="test")
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create(engine, "ANA", "admin", "Ana", "", actor="test")


def test_roles_include_the_ones_below_them(engine):
    for name, role in (("v", "viewer"), ("r", "reviewer"), ("a", "admin")):
        accounts.create(engine, name * 2, role, name * 2, "", actor="test")
    may = {u.name: [r for r in accounts.ROLES if u.may(r)] for u in accounts.all_users(engine)}
    assert may == {"vv": ["viewer"], "rr": ["viewer", "reviewer"], "aa": ["viewer", "reviewer", "admin"]}


def test_deactivating_ends_every_session_at_once_and_refuses_sign_in(engine):
    secret = accounts.create(engine, "rita", "reviewer", "Dr Rita", "PhD", actor="test")
    user = accounts.check_secret(engine, "rita", secret)
    tokens = [accounts.start_session(engine, user) for _ in range(2)]
    assert all(accounts.session_user(engine, t).name == "rita" for t in tokens)
    accounts.set_active(engine, "rita", False, actor="admin")
    assert all(accounts.session_user(engine, t) is None for t in tokens)
    assert accounts.check_secret(engine, "rita", secret) is None
    accounts.set_active(engine, "rita", True, actor="admin")
    assert (
        accounts.check_secret(engine, "rita", secret) is not None and accounts.session_user(engine, tokens[0]) is None
    )


def test_a_new_secret_replaces_the_old_one(engine):
    old = accounts.create(engine, "ana", "viewer", "Ana", "", actor="test")
    token = accounts.start_session(engine, accounts.check_secret(engine, "ana", old))
    new = accounts.new_secret(engine, "ana", actor="admin")
    assert accounts.check_secret(engine, "ana", old) is None and accounts.check_secret(engine, "ana", new)
    assert accounts.session_user(engine, token) is None


def test_tokens_are_stored_hashed_and_expire(engine, monkeypatch):
    user = accounts.check_secret(engine, "ana", accounts.create(engine, "ana", "viewer", "Ana", "", actor="t"))
    token = accounts.start_session(engine, user)
    with engine.connect() as connection:
        assert connection.execute(sa.select(db.sessions.c.token_sha256)).scalar_one() != token
    later = accounts.time.time() + accounts.SESSION_SECONDS + 1
    monkeypatch.setattr(accounts.time, "time", lambda: later)
    assert accounts.session_user(engine, token) is None
    assert accounts.session_user(engine, "") is None and accounts.session_user(engine, "x" * 500) is None


def test_every_account_change_is_audited(engine):
    accounts.create(engine, "ana", "viewer", "Ana", "", actor="admin1")
    accounts.set_active(engine, "ana", False, actor="admin1")
    accounts.set_active(engine, "ana", True, actor="admin1")
    accounts.new_secret(engine, "ana", actor="admin1")
    actions = [(e["actor"], e["action"], e["target"]) for e in reversed(audit.entries(engine))]
    assert actions == [
        ("admin1", "account.create", "account:ana"),
        ("admin1", "account.deactivate", "account:ana"),
        ("admin1", "account.reactivate", "account:ana"),
        ("admin1", "account.new_secret", "account:ana"),
    ]
    assert audit.verify(engine) == []


def test_the_audit_log_cannot_be_rewritten_and_tampering_is_detected(engine):
    audit.record(engine, "rita", "review.sign", "answer:utter_x#1", "a" * 64, {"signer": "Dr R, PhD"})
    audit.record(engine, "ana", "tag.add", "conversation:web-1#4", detail={"tag": "good"})
    for statement in ("UPDATE staff_audit SET actor = 'someone else'", "DELETE FROM staff_audit"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.exec_driver_sql(statement)
    assert len(audit.entries(engine)) == 2 and audit.verify(engine) == []
    with engine.begin() as connection:  # someone with the database file drops the guard and edits a row
        connection.exec_driver_sql("DROP TRIGGER staff_audit_no_update")
        connection.exec_driver_sql("UPDATE staff_audit SET actor = 'someone else' WHERE id = 1")
    assert any("changed after it was written" in p for p in audit.verify(engine))


def test_the_terminal_creates_an_account_and_prints_its_secret_once(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: server.tracker_store.LiveSQLTrackerStore\n  dialect: sqlite\n  db: {tmp_path / 'var' / 'c.db'}\n"
    )
    cli = [sys.executable, "-m", "staff.accounts", "--endpoints", str(endpoints)]
    made = subprocess.run(cli + ["add", "--name", "ana", "--role", "admin"], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    secret = made.stdout.split("shown only this once:")[1].split()[0]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'var' / 'c.db'}")
    assert accounts.check_secret(engine, "ana", secret).role == "admin"
    off = subprocess.run(cli + ["deactivate", "--name", "ana"], cwd=ROOT, capture_output=True, text=True)
    assert off.returncode == 0 and accounts.check_secret(engine, "ana", secret) is None
    assert accounts.main(["--endpoints", str(endpoints), "add", "--name", "ana", "--role", "admin"]) == 2  # exists
    assert accounts.main(["--endpoints", str(endpoints), "list"]) == 0
    engine.dispose()
