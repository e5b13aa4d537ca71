"""The staff console's own tables, kept in the tracker store's database (SQLite or PostgreSQL, as endpoints.yml
says), so that every replica of a cluster sees the same accounts, audit log, tags and inbox.

Rasa only ever touches its `events` table; ours are prefixed `staff_`. The audit log is append-only in the
database itself: triggers refuse UPDATE and DELETE on `staff_audit` (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

metadata = sa.MetaData()

users = sa.Table(
    "staff_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),  # the login name
    sa.Column("full_name", sa.String(120), nullable=False),
    sa.Column("credential", sa.String(120), nullable=False, server_default=""),  # e.g. "PhD, clinical psychologist"
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("secret_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.Float, nullable=False),
)

sessions = sa.Table(
    "staff_sessions",
    metadata,
    sa.Column("token_sha256", sa.String(64), primary_key=True),  # the token itself is never stored
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id"), nullable=False, index=True),
    sa.Column("expires_at", sa.Float, nullable=False),
)

audit = sa.Table(
    "staff_audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("actor", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=False, server_default=""),
    sa.Column("fingerprint", sa.String(64), nullable=False, server_default=""),
    sa.Column("detail", sa.Text, nullable=False, server_default="{}"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("row_hash", sa.String(64), nullable=False, unique=True),
)

# One row: the newest audit hash. Writers move it with a compare-and-set, so the chain never forks.
audit_head = sa.Table(
    "staff_audit_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("row_hash", sa.String(64), nullable=False),
)

marks = sa.Table(
    "staff_marks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("event_id", sa.Integer, nullable=False, index=True),  # the visitor message (events.id)
    sa.Column("kind", sa.String(16), nullable=False),  # "tag" or "reviewed"
    sa.Column("value", sa.String(40), nullable=False, server_default=""),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.UniqueConstraint("event_id", "kind", "value", name="staff_marks_once"),
)

# The inbox's index: one row per visitor message, with its verdict (staff/inbox.py keeps it current).
turns = sa.Table(
    "staff_turns",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("outcome", sa.String(24), nullable=False, index=True),
    sa.Column("alarm", sa.Boolean, nullable=False),
    sa.Column("confidence", sa.Float, nullable=True),
    sa.Column("answer_keys", sa.String(400), nullable=False, server_default=""),
)

index_state = sa.Table(
    "staff_index_state",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

change_requests = sa.Table(
    "staff_change_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("answer", sa.String(120), nullable=False, index=True),  # response name
    sa.Column("variant", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),  # the words the comment is about
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER IF NOT EXISTS staff_audit_no_update BEFORE UPDATE ON staff_audit "
    "BEGIN SELECT RAISE(ABORT, 'staff_audit is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS staff_audit_no_delete BEFORE DELETE ON staff_audit "
    "BEGIN SELECT RAISE(ABORT, 'staff_audit is append-only'); END",
]
_POSTGRES_APPEND_ONLY = [
    "CREATE OR REPLACE FUNCTION staff_audit_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'staff_audit is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS staff_audit_no_change ON staff_audit",
    "CREATE TRIGGER staff_audit_no_change BEFORE UPDATE OR DELETE ON staff_audit "
    "FOR EACH ROW EXECUTE FUNCTION staff_audit_append_only()",
]


def create_tables(engine: sa.engine.Engine) -> None:
    """Create the staff tables, the append-only triggers and the seed rows (idempotent; replicas starting
    together may race, so a failed try is retried once the other has finished)."""
    for attempt in range(3):
        try:
            _create(engine)
            return
        except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
            if attempt == 2:
                raise


def _create(engine: sa.engine.Engine) -> None:
    metadata.create_all(engine)
    statements = _POSTGRES_APPEND_ONLY if engine.dialect.name == "postgresql" else _SQLITE_APPEND_ONLY
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
        if connection.execute(sa.select(audit_head.c.id)).first() is None:
            connection.execute(audit_head.insert().values(id=1, row_hash="0" * 64))
        if connection.execute(sa.select(index_state.c.name).where(index_state.c.name == "events")).first() is None:
            connection.execute(index_state.insert().values(name="events", value=0))


def engine_for(endpoints_file: str | Path) -> sa.engine.Engine:
    """The tracker store's database (created when it is a SQLite file not there yet), for the terminal tools."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Rasa's and SQLAlchemy's deprecation notices, not ours
        engine = _engine_for(endpoints_file)
    create_tables(engine)
    return engine


def _engine_for(endpoints_file: str | Path) -> sa.engine.Engine:
    from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
    from rasa.core.utils import AvailableEndpoints

    from server.retention import _is_sql_store

    config = AvailableEndpoints.read_endpoints(str(endpoints_file)).tracker_store
    if config is None or not _is_sql_store(config.type or ""):
        raise SystemExit(
            f"{endpoints_file}: the staff console keeps its accounts in the SQL tracker store (SQLite or PostgreSQL); "
            "this tracker store is not one."
        )
    options = config.kwargs
    dialect, db = options.get("dialect", "sqlite"), options.get("db", "rasa.db")
    if dialect == "sqlite":
        Path(db).parent.mkdir(parents=True, exist_ok=True)
    url = SQLTrackerStore.get_db_url(
        dialect,
        config.url,
        validate_port(options.get("port")),
        db,
        options.get("username"),
        options.get("password"),
        None,
        options.get("query"),
    )
    return sa.create_engine(url, **create_engine_kwargs(url))


def store_engine(tracker_store: Any) -> sa.engine.Engine | None:
    """The engine of a running server's tracker store, or None when it is not a SQL store."""
    inner = getattr(tracker_store, "_tracker_store", tracker_store)  # Rasa wraps it in a FailSafeTrackerStore
    return getattr(inner, "engine", None)
