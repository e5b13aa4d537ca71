"""The conversation inbox: recent conversations with each message's verdict, filters, tags and review marks.

The index (`staff_turns`, one row per visitor message with its verdict) is built from Rasa's `events` table
as it grows: each refresh reads the messages added since the last one (a watermark), so the cost follows
new traffic, not the table's size. It works the same on SQLite and PostgreSQL; replicas that refresh at
once take turns through a compare-and-set on the watermark.

Deleted conversations are gone from the inbox at once: listings only count rows whose event still exists,
and the retention job (server/retention.py) deletes a purged conversation's rows and marks with it.
Visitors' words are read from `events` only to show one conversation; the index holds none.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Iterable, List

import sqlalchemy as sa

from server.retention import EVENTS
from staff import audit, db
from staff.explain import answer_key_of
from staff.verdict import KINDS, verdict

STAFF_PREFIX = "staff-"
TAGS = ("good", "wrong answer", "missed crisis", "should not be crisis", "unclear question", "follow up")
PER_PAGE = 25
REFRESH_BATCH = 2000
REFRESH_ROUNDS = 20
WATERMARK = "events"


class InboxError(ValueError):
    """A request the inbox cannot answer as asked; the message says why."""


def turns_from_events(rows: Iterable[Any]) -> List[Dict[str, Any]]:
    """Rows of one conversation's `events` (ordered by id) as turns: the visitor's message, how it was read,
    the replies and the verdict."""
    turns: List[Dict[str, Any]] = []
    for row in rows:
        m = row._mapping if hasattr(row, "_mapping") else row
        if m["type_name"] not in ("user", "bot", "action"):
            continue
        data = json.loads(m["data"] or "{}")
        if m["type_name"] == "user":
            parse = data.get("parse_data") or {}
            turns.append(
                {
                    "event_id": m["id"],
                    "at": m["timestamp"],
                    "text": data.get("text") or "",
                    "parse": parse,
                    "intent": (parse.get("intent") or {}).get("name"),
                    "confidence": (parse.get("intent") or {}).get("confidence"),
                    "actions": [],
                    "replies": [],
                }
            )
        elif turns and m["type_name"] == "action" and data.get("name") not in ("action_listen", None):
            turns[-1]["actions"].append(data["name"])
        elif turns and m["type_name"] == "bot":
            stored = data.get("metadata") or {}  # Rasa stores the response's metadata under "metadata"
            bank = stored.get("metadata") if isinstance(stored.get("metadata"), dict) else {}
            turns[-1]["replies"].append(
                {
                    "answer_key": answer_key_of({**bank, "utter_action": stored.get("utter_action")}),
                    "text": data.get("text") or "",
                    "sources": bank.get("sources") or [],
                }
            )
    for turn in turns:
        turn["answer_keys"] = [r["answer_key"] for r in turn["replies"] if r["answer_key"]]
        turn["verdict"] = verdict(turn["parse"], turn["answer_keys"])
    return turns


def _watermark(connection: Any) -> int:
    """The newest `events.id` indexed so far (staff/db.py seeds it with 0)."""
    return int(
        connection.execute(sa.select(db.index_state.c.value).where(db.index_state.c.name == WATERMARK)).scalar_one()
    )


def refresh(engine: sa.engine.Engine) -> int:
    """Index the visitor messages stored since the last refresh; returns how many."""
    done = 0
    for _ in range(REFRESH_ROUNDS):
        with engine.begin() as connection:
            if not sa.inspect(connection).has_table(EVENTS.name):
                return done
            mark = _watermark(connection)
            new = connection.execute(
                sa.select(EVENTS.c.id, EVENTS.c.sender_id)
                .where(EVENTS.c.type_name == "user", EVENTS.c.id > mark)
                .order_by(EVENTS.c.id)
                .limit(REFRESH_BATCH)
            ).all()
            if not new:
                return done
            top = new[-1].id
            moved = connection.execute(
                db.index_state.update()
                .where(db.index_state.c.name == WATERMARK, db.index_state.c.value == mark)
                .values(value=top)
            )
            if moved.rowcount != 1:
                return done  # another replica is indexing these
            wanted = {r.id for r in new}
            senders = sorted({r.sender_id for r in new})
            rows = connection.execute(
                sa.select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
                .where(EVENTS.c.sender_id.in_(senders), EVENTS.c.id >= new[0].id)
                .where(EVENTS.c.type_name.in_(("user", "bot")))
                .order_by(EVENTS.c.id)
            ).all()
            by_sender: Dict[str, List[Any]] = {}
            for row in rows:
                by_sender.setdefault(row.sender_id, []).append(row)
            records = []
            for sender, sender_rows in by_sender.items():
                for turn in turns_from_events(sender_rows):
                    if turn["event_id"] in wanted:
                        v = turn["verdict"]
                        records.append(
                            {
                                "event_id": turn["event_id"],
                                "sender_id": sender,
                                "at": turn["at"] or 0.0,
                                "outcome": v["kind"],
                                "alarm": v["alarm"] == "red",
                                "confidence": turn["confidence"],
                                "answer_keys": " ".join(turn["answer_keys"])[:400],
                            }
                        )
            connection.execute(db.turns.delete().where(db.turns.c.event_id.in_(wanted)))
            if records:
                connection.execute(db.turns.insert(), records)
            done += len(records)
            if len(new) < REFRESH_BATCH:
                return done
    return done


def forget_senders(connection: Any, senders: List[str]) -> None:
    """Delete the inbox rows and marks of these conversations (the retention job calls it as it deletes)."""
    inspector = sa.inspect(connection)
    for table in (db.turns, db.marks):
        if inspector.has_table(table.name):
            connection.execute(table.delete().where(table.c.sender_id.in_(senders)))


def _day(value: str | None, what: str) -> float | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise InboxError(f"`{what}` must be a date like 2026-12-01.") from None
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()


def list_conversations(
    engine: sa.engine.Engine,
    outcome: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tag: str | None = None,
    unreviewed: bool = False,
    include_staff: bool = False,
    page: int = 1,
) -> Dict[str, Any]:
    """One page of conversations, newest activity first, each with its outcomes, alarms and tags."""
    if outcome and outcome not in KINDS and outcome != "alarm":
        raise InboxError(f"`outcome` must be one of: alarm, {', '.join(KINDS)}.")
    if tag and tag not in TAGS:
        raise InboxError(f"`tag` must be one of: {', '.join(TAGS)}.")
    start, end = _day(since, "since"), _day(until, "until")
    if end is not None:
        end += 86_400  # `until` is inclusive: the whole day
    page = max(1, min(int(page), 10_000))
    refresh(engine)
    t = db.turns
    alive = sa.exists().where(EVENTS.c.id == t.c.event_id)  # a deleted conversation is gone from the inbox
    query = sa.select(
        t.c.sender_id,
        sa.func.min(t.c.at).label("first_at"),
        sa.func.max(t.c.at).label("last_at"),
        sa.func.count().label("messages"),
        sa.func.sum(sa.case((t.c.alarm == sa.true(), 1), else_=0)).label("alarms"),
    ).where(alive)
    if not include_staff:
        query = query.where(~t.c.sender_id.startswith(STAFF_PREFIX))
    if tag:
        tagged = sa.select(db.marks.c.sender_id).where(db.marks.c.kind == "tag", db.marks.c.value == tag)
        query = query.where(t.c.sender_id.in_(tagged))
    query = query.group_by(t.c.sender_id)
    if outcome == "alarm":
        query = query.having(sa.func.sum(sa.case((t.c.alarm == sa.true(), 1), else_=0)) > 0)
    elif outcome:
        query = query.having(sa.func.sum(sa.case((t.c.outcome == outcome, 1), else_=0)) > 0)
    if start is not None:
        query = query.having(sa.func.max(t.c.at) >= start)
    if end is not None:
        query = query.having(sa.func.max(t.c.at) < end)
    if unreviewed:
        reviewed = sa.select(db.marks.c.event_id).where(db.marks.c.kind == "reviewed")
        query = query.having(sa.func.sum(sa.case((t.c.event_id.in_(reviewed), 0), else_=1)) > 0)
    query = query.order_by(sa.desc("last_at"), t.c.sender_id).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
        more = len(rows) > PER_PAGE
        rows = rows[:PER_PAGE]
        senders = [r.sender_id for r in rows]
        outcomes: Dict[str, Dict[str, int]] = {}
        if senders:
            for r in connection.execute(
                sa.select(t.c.sender_id, t.c.outcome, sa.func.count())
                .where(t.c.sender_id.in_(senders), alive)
                .group_by(t.c.sender_id, t.c.outcome)
            ):
                outcomes.setdefault(r[0], {})[r[1]] = r[2]
        marks = _marks(connection, senders)
    conversations = []
    for r in rows:
        sender_marks = marks.get(r.sender_id, {})
        conversations.append(
            {
                "conversation_id": r.sender_id,
                "first_at": r.first_at,
                "last_at": r.last_at,
                "messages": r.messages,
                "alarms": int(r.alarms or 0),
                "outcomes": outcomes.get(r.sender_id, {}),
                "tags": sorted({tag for tags in sender_marks.get("tags", {}).values() for tag in tags}),
                "reviewed": len(sender_marks.get("reviewed", set())),
            }
        )
    return {"page": page, "per_page": PER_PAGE, "more": more, "conversations": conversations}


def _marks(connection: Any, senders: List[str]) -> Dict[str, Dict[str, Any]]:
    out: Dict[str, Dict[str, Any]] = {}
    if not senders:
        return out
    query = sa.select(db.marks).where(db.marks.c.sender_id.in_(senders))
    for row in connection.execute(query):
        m = row._mapping
        entry = out.setdefault(m["sender_id"], {"tags": {}, "reviewed": set(), "by": {}})
        if m["kind"] == "tag":
            entry["tags"].setdefault(m["event_id"], []).append(m["value"])
        else:
            entry["reviewed"].add(m["event_id"])
            entry["by"][m["event_id"]] = m["by"]
    return out


def conversation(engine: sa.engine.Engine, sender_id: str) -> List[Dict[str, Any]] | None:
    """Every turn of one conversation (all its sessions), with verdicts, tags and review marks; None if absent."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(EVENTS.c.id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id)
            .order_by(EVENTS.c.id)
        ).all()
        if not rows:
            return None
        marks = _marks(connection, [sender_id]).get(sender_id, {"tags": {}, "reviewed": set(), "by": {}})
    turns = turns_from_events(rows)
    for turn in turns:
        turn["tags"] = sorted(marks["tags"].get(turn["event_id"], []))
        turn["reviewed"] = turn["event_id"] in marks["reviewed"]
        turn["reviewed_by"] = marks["by"].get(turn["event_id"])
    return turns


def _user_event(connection: Any, sender_id: str, event_id: int) -> bool:
    found = connection.execute(
        sa.select(EVENTS.c.id).where(
            EVENTS.c.id == event_id, EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user"
        )
    ).first()
    return found is not None


def set_mark(
    engine: sa.engine.Engine, sender_id: str, event_id: int, kind: str, value: str, on: bool, by: str
) -> Dict[str, Any]:
    """Add or remove a tag (kind "tag", value one of TAGS) or the review mark (kind "reviewed") of one message."""
    if kind == "tag" and value not in TAGS:
        raise InboxError(f"`tag` must be one of: {', '.join(TAGS)}.")
    value = value if kind == "tag" else ""
    with engine.begin() as connection:
        if not _user_event(connection, sender_id, event_id):
            raise LookupError("No such message in that conversation.")
        same = (db.marks.c.event_id == event_id, db.marks.c.kind == kind, db.marks.c.value == value)
        exists = connection.execute(sa.select(db.marks.c.id).where(*same)).first() is not None
        if on and not exists:
            connection.execute(
                db.marks.insert().values(
                    sender_id=sender_id,
                    event_id=event_id,
                    kind=kind,
                    value=value,
                    by=by,
                    at=dt.datetime.now().timestamp(),
                )
            )
        elif not on and exists:
            connection.execute(db.marks.delete().where(*same))
        changed = on != exists
    if changed:
        action = f"{kind}.{'add' if on else 'remove'}"
        audit.record(engine, by, action, f"conversation:{sender_id}#{event_id}", detail={"tag": value} if value else {})
    return {"event_id": event_id, "kind": kind, "value": value, "on": on, "changed": changed}
