"""Delete old conversations from Rasa's SQL tracker store (SQLite or PostgreSQL, as endpoints.yml says).

A conversation (all events of one sender id) is old when its newest event is older than RETENTION_DAYS.
Only events older than the cut-off are deleted, in one statement per batch of senders, so a visitor who
comes back while the job runs keeps the new turns. Prints and logs counts only: never a text, never a
sender id.

    python -m server.retention [--endpoints endpoints.yml] [--days N] [--dry-run]
    python -m server.retention --sender ID      # delete one conversation, whatever its age

The server also runs it at start and then every RETENTION_INTERVAL_HOURS (schedule() below).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import List

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
from rasa.core.utils import AvailableEndpoints
from rasa.shared.utils.common import class_from_module_path
from sanic import Sanic

from server.settings import Settings

logger = logging.getLogger(__name__)

DAY = 86_400
BATCH = 500  # senders per DELETE: short transactions, so SQLite writers wait little
EVENTS = SQLTrackerStore.SQLEvent.__table__


@dataclass(frozen=True)
class Purge:
    conversations: int  # deleted (or, in a dry run, to delete)
    events: int
    kept: int  # conversations with an event newer than the cut-off


def _is_sql_store(store_type: str) -> bool:
    """`SQL`, or a module path to a subclass of Rasa's SQLTrackerStore (same `events` table)."""
    if store_type.lower() == "sql":
        return True
    if "." not in store_type:
        return False
    try:
        store_class = class_from_module_path(store_type)
    except (ImportError, AttributeError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


def tracker_store_engine(endpoints_file: str | Path) -> sa.engine.Engine | None:
    """An engine for the SQL tracker store endpoints.yml configures, or None (no SQL store, or no SQLite file yet)."""
    config = AvailableEndpoints.read_endpoints(str(endpoints_file)).tracker_store
    if config is None or not _is_sql_store(config.type or ""):
        return None
    options = config.kwargs
    dialect, db = options.get("dialect", "sqlite"), options.get("db", "rasa.db")
    if dialect == "sqlite" and not Path(db).exists():
        return None  # connecting would create an empty database
    url = SQLTrackerStore.get_db_url(
        dialect,
        config.url,
        validate_port(options.get("port")),
        db,
        options.get("username"),
        options.get("password"),
        None,  # login_db only serves to create `db`; the events live in `db`
        options.get("query"),
    )
    return sa.create_engine(url, **create_engine_kwargs(url))


def forget_in_staff_console(connection: sa.engine.Connection, senders: List[str]) -> None:
    """The staff inbox's rows and tags of deleted conversations go with them (staff/inbox.py)."""
    from staff.inbox import forget_senders

    forget_senders(connection, senders)


def purge(engine: sa.engine.Engine, days: int, *, dry_run: bool = False, now: float | None = None) -> Purge:
    if not sa.inspect(engine).has_table(EVENTS.name):
        return Purge(0, 0, 0)
    cutoff = (time.time() if now is None else now) - days * DAY
    old_event = sa.or_(EVENTS.c.timestamp < cutoff, EVENTS.c.timestamp.is_(None))
    newest = sa.func.coalesce(sa.func.max(EVENTS.c.timestamp), 0)
    with engine.connect() as connection:
        old = connection.execute(
            sa.select(EVENTS.c.sender_id, sa.func.count()).group_by(EVENTS.c.sender_id).having(newest < cutoff)
        ).all()
        total = connection.execute(sa.select(sa.func.count(sa.distinct(EVENTS.c.sender_id)))).scalar_one()
    senders: List[str] = [sender for sender, _ in old]
    events = sum(count for _, count in old)
    if not dry_run:
        events = 0
        for start in range(0, len(senders), BATCH):
            batch = senders[start : start + BATCH]
            with engine.begin() as connection:
                done = connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id.in_(batch), old_event))
                events += done.rowcount
                forget_in_staff_console(connection, batch)
    return Purge(len(senders), events, total - len(senders))


def delete_conversation(engine: sa.engine.Engine, sender_id: str) -> int:
    """Delete every event of one conversation (a visitor's request); returns the number of events."""
    if not sa.inspect(engine).has_table(EVENTS.name):
        return 0
    with engine.begin() as connection:
        deleted = connection.execute(sa.delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount
        forget_in_staff_console(connection, [sender_id])
        return deleted


def purge_configured(endpoints_file: str | Path, days: int, dry_run: bool = False) -> Purge | None:
    engine = tracker_store_engine(endpoints_file)
    if engine is None:
        return None
    try:
        return purge(engine, days, dry_run=dry_run)
    finally:
        engine.dispose()


def schedule(app: Sanic, endpoints_file: str | Path, settings: Settings) -> None:
    """Purge at server start, then every RETENTION_INTERVAL_HOURS, off the event loop (a thread)."""
    if not settings.retention_interval_hours:
        return

    async def run_forever() -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                job = partial(purge_configured, endpoints_file, settings.retention_days)
                done = await loop.run_in_executor(None, job)
                if done is not None:
                    logger.info(
                        "Retention: deleted %d conversations (%d events) older than %d days; %d kept.",
                        done.conversations,
                        done.events,
                        settings.retention_days,
                        done.kept,
                    )
            except Exception:  # a database hiccup must not stop the server; the next run tries again
                logger.exception("Retention: deleting old conversations failed.")
            await asyncio.sleep(settings.retention_interval_hours * 3600)

    async def start(running: Sanic, _loop: object) -> None:
        running.ctx.retention_task = asyncio.get_running_loop().create_task(run_forever())

    async def stop(running: Sanic, _loop: object) -> None:
        task = getattr(running.ctx, "retention_task", None)
        if task is not None:
            task.cancel()

    app.register_listener(start, "after_server_start")
    app.register_listener(stop, "before_server_stop")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Delete conversations older than RETENTION_DAYS from the tracker store."
    )
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("--days", type=int, help="default: RETENTION_DAYS (30)")
    parser.add_argument("--dry-run", action="store_true", help="count only, delete nothing")
    parser.add_argument("--sender", help="delete this one conversation, whatever its age")
    args = parser.parse_args(argv)
    days = args.days if args.days is not None else Settings.from_env().retention_days
    if days < 1:
        parser.error("--days must be 1 or more")
    engine = tracker_store_engine(args.endpoints)
    if engine is None:
        print(f"No SQL tracker store database to clean ({args.endpoints}): nothing to do.")
        return 0
    try:
        if args.sender is not None:
            print(f"Deleted the conversation: {delete_conversation(engine, args.sender)} events.")
            return 0
        done = purge(engine, days, dry_run=args.dry_run)
    finally:
        engine.dispose()
    verb = "Would delete" if args.dry_run else "Deleted"
    print(f"{verb} {done.conversations} conversations ({done.events} events) older than {days} days; {done.kept} kept.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
