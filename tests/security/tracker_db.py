"""Write conversations with chosen event times through Rasa's own SQL tracker store (the real schema)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Dict, Sequence

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server.retention import DAY, EVENTS


def sqlite_store(db: Path) -> SQLTrackerStore:
    return SQLTrackerStore(dialect="sqlite", db=str(db))


def _event(index: int, timestamp: float) -> Event:
    if index == 0:
        return ActionExecuted("action_session_start", timestamp=timestamp)
    return UserUttered("hello there", timestamp=timestamp) if index % 2 else BotUttered("hi", timestamp=timestamp)


def write_events(store: SQLTrackerStore, sender: str, ages_days: Sequence[float], now: float | None = None) -> int:
    """One event per age (days before `now`): a session start, then user and bot turns. Returns the count."""
    now = time.time() if now is None else now
    events = [_event(i, now - age * DAY) for i, age in enumerate(ages_days)]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    return len(events)


def write_conversation(db: Path, sender: str, age_days: float, turns: int = 2) -> int:
    store = sqlite_store(db)
    try:
        return write_events(store, sender, [age_days] * (1 + 2 * turns))
    finally:
        store.engine.dispose()


def event_counts(engine: sa.engine.Engine) -> Dict[str, int]:
    """sender id -> number of stored events."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(EVENTS.c.sender_id, sa.func.count()).group_by(EVENTS.c.sender_id))
        return {sender: count for sender, count in rows.all()}
