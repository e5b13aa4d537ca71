"""LiveSQLTrackerStore stores exactly what Rasa's SQLTrackerStore stores, and never serves a stale tracker."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered

from channels.local import LocalChat
from server.tracker_store import LiveSQLTrackerStore

TURNS = ["I live in the UK", "what is emdr", "how much kratom should i take", "just a rough number", "thanks"]


class _ChatWithStore(LocalChat):
    """The session's trained agent, talking through `store` for the duration of each call."""

    def __init__(self, agent, loop, store) -> None:
        super().__init__(agent, loop)
        self.store = store

    def _swap(self, store):
        previous = self.agent.tracker_store
        self.agent.tracker_store = self.agent.processor.tracker_store = store
        return previous

    def say(self, *args, **kwargs):
        previous = self._swap(self.store)
        try:
            return super().say(*args, **kwargs)
        finally:
            self._swap(previous)

    def tracker(self, sender):
        return self.loop.run_until_complete(self.store.retrieve(sender))


def _chat(agent, loop, store) -> LocalChat:
    return _ChatWithStore(agent, loop, store)


def _rows(db, sender):
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name, intent_name, action_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [(t, i, a, {k: v for k, v in json.loads(d).items() if k != "timestamp"}) for t, i, a, d in rows]


@pytest.fixture()
def stores(agent, event_loop_session, tmp_path):
    live = LiveSQLTrackerStore(agent.domain, dialect="sqlite", db=str(tmp_path / "live.db"))
    plain = SQLTrackerStore(agent.domain, dialect="sqlite", db=str(tmp_path / "plain.db"))
    return {
        "live": (_chat(agent, event_loop_session, live), live, tmp_path / "live.db"),
        "plain": (_chat(agent, event_loop_session, plain), plain, tmp_path / "plain.db"),
    }


def test_same_rows_and_replies_as_rasas_store(stores):
    sender = f"s-{uuid.uuid4().hex}"
    replies = {}
    for name, (chat, _, _) in stores.items():
        replies[name] = [chat.keys(text, sender) for text in TURNS]
    assert replies["live"] == replies["plain"]
    live_rows, plain_rows = _rows(stores["live"][2], sender), _rows(stores["plain"][2], sender)
    assert [r[:3] for r in live_rows] == [r[:3] for r in plain_rows]
    strip = lambda rows: [json.dumps(r[3].get("parse_data", {}).get("intent"), sort_keys=True) for r in rows]  # noqa: E731
    assert strip(live_rows) == strip(plain_rows)
    assert len(live_rows) > 20


def test_a_write_by_another_replica_is_seen_on_the_next_message(agent, event_loop_session, stores):
    chat, live, db = stores["live"]
    other = LiveSQLTrackerStore(agent.domain, dialect="sqlite", db=str(db))
    sender = f"s-{uuid.uuid4().hex}"
    chat.keys("what is emdr", sender)
    chat.keys("what is cpt", sender)  # now kept in memory by `live`
    # another replica (its own store on the same database) handles a turn that sets the region
    theirs = event_loop_session.run_until_complete(other.retrieve(sender))
    theirs.update(SlotSet("region", "ca"))
    event_loop_session.run_until_complete(other.save(theirs))
    tracker = chat.tracker(sender)
    assert tracker.get_slot("region") == "ca"
    rasas = event_loop_session.run_until_complete(
        SQLTrackerStore(agent.domain, dialect="sqlite", db=str(db)).retrieve(sender)
    )
    assert [e.as_dict() for e in tracker.events] == [e.as_dict() for e in rasas.events]


def test_a_deleted_conversation_is_not_served_from_memory(stores):
    chat, live, db = stores["live"]
    sender = f"s-{uuid.uuid4().hex}"
    chat.keys("I live in the UK", sender)
    chat.keys("what is emdr", sender)
    with sqlite3.connect(db) as connection:  # what the retention job does
        connection.execute("DELETE FROM events WHERE sender_id = ?", (sender,))
    assert chat.tracker(sender) is None
    chat.keys("hello", sender)
    assert chat.tracker(sender).get_slot("region") is None


def test_a_tracker_changed_but_not_saved_is_rebuilt_from_the_database(stores):
    chat, live, db = stores["live"]
    sender = f"s-{uuid.uuid4().hex}"
    chat.keys("what is emdr", sender)
    chat.keys("what is cpt", sender)
    kept = chat.tracker(sender)
    stored = len(kept.events)
    kept.update(UserUttered("never saved", intent={"name": "greet"}))  # e.g. a handler that failed mid-way
    fresh = chat.tracker(sender)
    assert fresh is not kept and len(fresh.events) == stored


def test_memory_is_bounded_and_sqlite_runs_in_wal_mode(agent, event_loop_session, tmp_path):
    store = LiveSQLTrackerStore(agent.domain, dialect="sqlite", db=str(tmp_path / "c.db"), live_conversations=3)
    chat = _chat(agent, event_loop_session, store)
    for n in range(6):
        chat.keys("what is emdr", f"s{n}")
        chat.keys("thanks", f"s{n}")
    assert len(store._live) == 3
    with sqlite3.connect(tmp_path / "c.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_new_conversation_is_written_without_rasas_count(stores, monkeypatch):
    """The first message's rows (a new session) go in with one insert; the rows are Rasa's (test above)."""
    chat, live, db = stores["live"]
    calls = []
    rasas_save = SQLTrackerStore.save

    async def counted(self, tracker):
        calls.append(tracker.sender_id)
        await rasas_save(self, tracker)

    monkeypatch.setattr(SQLTrackerStore, "save", counted)
    sender = f"s-{uuid.uuid4().hex}"
    chat.keys("what is emdr", sender)
    chat.keys("and the side effects?", sender)
    assert calls == []
    assert [r[0] for r in _rows(db, sender)][:3] == ["action", "session_started", "action"]


def test_a_new_conversation_written_meanwhile_goes_to_rasas_save(agent, event_loop_session, stores):
    """Between finding no rows for a sender and saving, another replica wrote some: Rasa's save decides."""
    chat, live, db = stores["live"]
    other = LiveSQLTrackerStore(agent.domain, dialect="sqlite", db=str(db))
    sender = f"s-{uuid.uuid4().hex}"
    assert event_loop_session.run_until_complete(live.retrieve(sender)) is None  # now marked as never seen
    theirs = event_loop_session.run_until_complete(other.create_tracker(sender))
    theirs.update(SlotSet("region", "ca"))
    event_loop_session.run_until_complete(other.save(theirs))
    ours = live.init_tracker(sender)
    ours.update(SlotSet("region", "ca"))
    event_loop_session.run_until_complete(live.save(ours))
    plain = SQLTrackerStore(agent.domain, dialect="sqlite", db=str(db))
    # Rasa's count saw the other replica's two events and wrote none of ours again
    assert len(_rows(db, sender)) == 2
    assert event_loop_session.run_until_complete(plain.retrieve(sender)).get_slot("region") == "ca"
