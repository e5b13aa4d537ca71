"""Rasa's SQLTrackerStore (same `events` table, SQLite or PostgreSQL), made cheap per message.

Rasa's store rebuilds every tracker from its JSON events on each message and counts the stored
events again before each save: its cost grows with the conversation (bench/README.md has the
figures). Four changes, nothing else:

- Live conversations: the tracker saved last for a sender is kept in memory (LRU, bounded). On the
  next message it is used only if the sender's newest stored event is still the one it was saved
  with (one indexed MAX(id) query), so a write by another replica, the retention job or a deletion
  is never masked; otherwise the tracker is rebuilt from the database as Rasa does.
- Save writes only the events added since (that same check proved they are not stored yet), in one
  multi-row INSERT, without Rasa's COUNT of the stored events. A new conversation's first save (the
  sender had no stored event, checked again in the same transaction) and the save that starts a new
  session on a kept tracker whose stored events hold no earlier session write the rows Rasa's COUNT
  would have left to write (all of them, or all but the stored ones), the same way; the tracker of a
  new session is then rebuilt from the database by Rasa's code on the next message, so it holds only
  that session, as Rasa's would.
- The two statements run on every message (the newest id, the insert) are built once.
- SQLite: one connection per thread instead of a new one per query, in WAL mode with
  synchronous=NORMAL, so a commit does not wait for the disk. A killed server loses nothing
  (WAL is durable across a process crash); only a power cut may lose the last commits.

Rasa's lock store serialises each sender's messages, so a tracker is never used by two at once.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.pool import SingletonThreadPool

logger = logging.getLogger(__name__)

DEFAULT_LIVE_CONVERSATIONS = 256


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class LiveSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, live_conversations: int = DEFAULT_LIVE_CONVERSATIONS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=SingletonThreadPool)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.live_limit = max(0, int(live_conversations))
        # sender -> (tracker, its number of events when saved, id of its newest stored event)
        self._live: OrderedDict[str, Tuple[DialogueStateTracker, int, int]] = OrderedDict()
        # senders whose last retrieve found no stored event: their next save may write every event
        self._unseen: OrderedDict[str, None] = OrderedDict()
        table = self.SQLEvent.__table__
        self._newest = sa.select(sa.func.max(table.c.id)).where(table.c.sender_id == sa.bindparam("sender"))
        self._insert = table.insert()

    def _last_id(self, connection: Any, sender_id: str) -> int | None:
        """The id of the newest stored event of `sender_id` (ids only grow), None if it has none."""
        return connection.execute(self._newest, {"sender": sender_id}).scalar()

    def _live_tracker(self, sender_id: str) -> DialogueStateTracker | None:
        """The kept tracker if the database holds exactly what it was saved with, else None (and forget it)."""
        entry = self._live.pop(sender_id, None)
        if entry is None:
            return None
        tracker, stored, last_id = entry
        if len(tracker.events) != stored:  # changed after its last save (a turn that failed half-way)
            return None
        with self.engine.connect() as connection:
            if self._last_id(connection, sender_id) != last_id:  # another replica, a deletion
                return None
        self._live[sender_id] = entry
        return tracker

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        tracker = self._live_tracker(sender_id)
        if tracker is not None:
            return tracker
        tracker = await super().retrieve(sender_id)
        if tracker is not None:
            with self.engine.connect() as connection:
                self._keep(tracker, self._last_id(connection, sender_id))
        elif self.live_limit:
            self._unseen[sender_id] = None
            while len(self._unseen) > self.live_limit:
                self._unseen.popitem(last=False)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender, events = tracker.sender_id, list(tracker.events)
        stored = self._stored_count(tracker, events)
        if stored == 0 and not events:  # a new conversation's empty tracker: Rasa's save writes nothing either
            await self.stream_events(tracker)
            self._unseen[sender] = None
            return
        last_id = None
        if stored is not None:
            with self.engine.begin() as connection:  # one transaction
                if stored > 0 or self._last_id(connection, sender) is None:  # a new one: still nothing stored
                    if events[stored:]:
                        connection.execute(self._insert, [self._row(sender, e) for e in events[stored:]])
                    last_id = self._last_id(connection, sender)
        if last_id is None:
            # Rasa's way (count what is stored, add the rest); the next retrieve rebuilds and keeps it
            self._live.pop(sender, None)
            await super().save(tracker)
            return
        await self.stream_events(tracker)
        if any(isinstance(event, SessionStarted) for event in events[stored:]):
            self._live.pop(sender, None)  # a new session: the next retrieve rebuilds it from the database, as Rasa does
        else:
            self._keep(tracker, last_id)

    def _stored_count(self, tracker: DialogueStateTracker, events: List[Any]) -> int | None:
        """How many of the tracker's events Rasa's save would count as stored (it writes the rest), when that is
        known without asking the database; None when it is not."""
        entry = self._live.get(tracker.sender_id)
        new_conversation = tracker.sender_id in self._unseen
        self._unseen.pop(tracker.sender_id, None)  # only the save right after that retrieve may rely on it
        if entry is not None and entry[0] is tracker:
            stored = entry[1]
            # Rasa counts the stored events of the latest session: with no session among them, all of them
            had_session = any(isinstance(event, SessionStarted) for event in events[:stored])
            starts_one = any(isinstance(event, SessionStarted) for event in events[stored:])
            return None if had_session and starts_one else stored
        if new_conversation:
            return 0  # nothing stored yet, so Rasa's count is 0 (save checks it again in its transaction)
        return None

    @staticmethod
    def _row(sender_id: str, event: Any) -> Dict[str, Any]:
        """The same row Rasa's SQLTrackerStore.save writes."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _keep(self, tracker: DialogueStateTracker, last_id: int | None) -> None:
        if self.live_limit == 0 or last_id is None:
            return
        self._live[tracker.sender_id] = (tracker, len(tracker.events), last_id)
        self._live.move_to_end(tracker.sender_id)
        while len(self._live) > self.live_limit:
            self._live.popitem(last=False)
