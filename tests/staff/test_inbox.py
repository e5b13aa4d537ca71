"""The inbox on SQLite and on PostgreSQL: conversations written through Rasa's own SQL tracker store, then
listed, filtered, tagged and deleted by the retention job."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import time

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from server import retention
from staff import audit, db, inbox

NOW = time.time()
DAY = 86_400
GUN = {
    "guard": "crisis",
    "outcome": "set_aside",
    "kind": "harm_others",
    "layer": "learned",
    "probability": 0.7,
    "band": {"checkin_from": 0.5, "crisis_from": 0.9},
}


def user(text, intent, confidence=0.95, guardrail=None, context=None, at=NOW):
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence}, "guardrail": guardrail}
    parse["intent_ranking"] = [{"name": intent, "confidence": confidence}]
    parse["context"] = context or {}
    return UserUttered(text, {"name": intent, "confidence": confidence}, parse_data=parse, timestamp=at)


def bot(key, at=NOW):
    return BotUttered(f"reply {key}", metadata={"utter_action": f"utter_{key}"}, timestamp=at)


def turn(text, intent, keys, at=NOW, **kwargs):
    events = [user(text, intent, at=at, **kwargs)]
    for key in keys:
        events += [ActionExecuted(f"utter_{key}", timestamp=at), bot(key, at=at)]
    return events + [ActionExecuted("action_listen", timestamp=at)]


CONVERSATIONS = {
    "web-emdr": [turn("what is emdr", "faq_treatment_emdr", ["faq_treatment_emdr"])],
    "web-gun": [
        turn("hi", "greet", ["greet"]),
        turn("there is a gun at home", "nlu_fallback", ["fallback"], confidence=0.3, guardrail=GUN),
    ],
    "web-crisis": [
        turn(
            "i want to die",
            "guard_crisis_suicide",
            ["guard_crisis_suicide", "contacts_crisis"],
            guardrail={
                "guard": "crisis",
                "outcome": "crisis",
                "kind": "suicide",
                "layer": "lexicon",
                "matched": "want to die",
            },
        )
    ],
    "web-unsure": [turn("is it the thing with eyes", "faq_treatment_emdr", ["faq_treatment_emdr"], confidence=0.4)],
    "web-clarify": [
        turn(
            "which one is better",
            "faq_treatment_cpt",
            ["clarify"],
            context={"rule": "clarify", "candidates": [["faq_treatment_cpt", 0.4], ["faq_treatment_pe", 0.38]]},
        )
    ],
    "web-old": [turn("what is ptsd", "faq_ptsd_what", ["faq_ptsd_what"], at=NOW - 40 * DAY)],
    "staff-console-1": [turn("i want to die", "guard_crisis_suicide", ["guard_crisis_suicide", "contacts_crisis"])],
}


def write(store: SQLTrackerStore, sender: str, turns) -> None:
    events = [ActionExecuted("action_session_start", timestamp=turns[0][0].timestamp)]
    events += [e for t in turns for e in t]
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "sqlite":
        made = SQLTrackerStore(dialect="sqlite", db=str(tmp / "conversations.db"))
        yield made
        made.engine.dispose()
        return
    from cluster import stores
    from server.local import free_port

    postgres = stores.Postgres(tmp / "pg")
    postgres.init()
    child = postgres.start(free_port(), tmp / "postgres.log")
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
        c = postgres.settings()
        made = SQLTrackerStore(
            dialect="postgresql",
            host=c["DB_HOST"],
            port=c["DB_PORT"],
            db=c["DB_NAME"],
            username=c["DB_USER"],
            password=c["DB_PASSWORD"],
        )
        yield made
        made.engine.dispose()
    finally:
        child.stop()
        shutil.rmtree(postgres.root, ignore_errors=True)


@pytest.fixture(scope="module")
def engine(store):
    for sender, turns in CONVERSATIONS.items():
        write(store, sender, turns)
    db.create_tables(store.engine)
    assert inbox.refresh(store.engine) == 8
    assert inbox.refresh(store.engine) == 0  # nothing new: nothing read again
    return store.engine


def ids(listing):
    return [c["conversation_id"] for c in listing["conversations"]]


def test_recent_conversations_newest_first_without_staff_tests(engine):
    listing = inbox.list_conversations(engine)
    assert set(ids(listing)) == {s for s in CONVERSATIONS if not s.startswith("staff-")}
    assert ids(listing)[-1] == "web-old"
    gun = next(c for c in listing["conversations"] if c["conversation_id"] == "web-gun")
    assert gun["messages"] == 2 and gun["alarms"] == 1 and gun["outcomes"] == {"answered": 1, "set_aside": 1}
    assert "staff-console-1" in ids(inbox.list_conversations(engine, include_staff=True))


@pytest.mark.parametrize(
    "outcome,expected",
    [
        ("set_aside", ["web-gun"]),
        ("alarm", ["web-gun"]),
        ("crisis", ["web-crisis"]),
        ("low_confidence", ["web-unsure"]),
        ("clarify", ["web-clarify"]),
        ("answered", ["web-emdr", "web-gun", "web-old"]),
        ("checkin", []),
    ],
)
def test_filter_by_what_happened(engine, outcome, expected):
    assert sorted(ids(inbox.list_conversations(engine, outcome=outcome))) == expected


def test_filter_by_date(engine):
    today = dt.datetime.fromtimestamp(NOW, dt.timezone.utc).date()
    old = (today - dt.timedelta(days=40)).isoformat()
    assert ids(inbox.list_conversations(engine, since=old, until=old)) == ["web-old"]
    assert "web-old" not in ids(inbox.list_conversations(engine, since=(today - dt.timedelta(days=1)).isoformat()))


@pytest.mark.parametrize("bad", [{"outcome": "nonsense"}, {"tag": "made up"}, {"since": "yesterday"}])
def test_bad_filters_are_refused(engine, bad):
    with pytest.raises(inbox.InboxError):
        inbox.list_conversations(engine, **bad)


def test_tags_and_review_marks_are_filterable_and_audited(engine):
    turns = inbox.conversation(engine, "web-gun")
    gun_turn = turns[1]
    assert gun_turn["verdict"]["alarm"] == "red" and gun_turn["text"] == "there is a gun at home"
    done = inbox.set_mark(engine, "web-gun", gun_turn["event_id"], "tag", "missed crisis", True, "ana")
    assert (
        done["changed"]
        and not inbox.set_mark(engine, "web-gun", gun_turn["event_id"], "tag", "missed crisis", True, "ana")["changed"]
    )
    inbox.set_mark(engine, "web-gun", gun_turn["event_id"], "reviewed", "", True, "ana")
    assert ids(inbox.list_conversations(engine, tag="missed crisis")) == ["web-gun"]
    unreviewed = ids(inbox.list_conversations(engine, unreviewed=True))
    assert "web-gun" in unreviewed  # its first message is not reviewed yet
    inbox.set_mark(engine, "web-gun", turns[0]["event_id"], "reviewed", "", True, "ana")
    assert "web-gun" not in ids(inbox.list_conversations(engine, unreviewed=True))
    again = inbox.conversation(engine, "web-gun")[1]
    assert again["tags"] == ["missed crisis"] and again["reviewed"] and again["reviewed_by"] == "ana"
    logged = [(e["action"], e["target"]) for e in audit.entries(engine, 10)]
    assert ("tag.add", f"conversation:web-gun#{gun_turn['event_id']}") in logged
    assert logged.count(("tag.add", f"conversation:web-gun#{gun_turn['event_id']}")) == 1  # no change, no entry
    with pytest.raises(LookupError):
        inbox.set_mark(engine, "web-emdr", gun_turn["event_id"], "tag", "good", True, "ana")  # not its message


def test_new_messages_are_indexed_on_the_next_listing(store, engine):
    write(store, "web-later", [turn("and cpt?", "faq_treatment_cpt", ["faq_treatment_cpt"], at=time.time())])
    assert ids(inbox.list_conversations(engine))[0] == "web-later"


def test_paging(store, engine):
    for n in range(inbox.PER_PAGE + 2):
        write(store, f"web-page-{n:02d}", [turn("hi", "greet", ["greet"], at=NOW - 50 * DAY - n)])
    first = inbox.list_conversations(engine, until=(dt.date.today() - dt.timedelta(days=45)).isoformat())
    second = inbox.list_conversations(engine, until=(dt.date.today() - dt.timedelta(days=45)).isoformat(), page=2)
    assert first["more"] and len(first["conversations"]) == inbox.PER_PAGE and not second["more"]
    assert not set(ids(first)) & set(ids(second)) and len(ids(second)) == 2


def test_what_retention_deletes_is_gone_from_the_inbox_with_its_tags(engine):
    old = inbox.conversation(engine, "web-old")[0]
    inbox.set_mark(engine, "web-old", old["event_id"], "tag", "good", True, "ana")
    done = retention.purge(engine, 30)
    assert done.conversations >= 1
    assert "web-old" not in ids(inbox.list_conversations(engine, since="2000-01-01"))
    assert ids(inbox.list_conversations(engine, tag="good")) == []
    assert inbox.conversation(engine, "web-old") is None
    with engine.connect() as connection:
        assert connection.execute(sa.select(db.marks).where(db.marks.c.sender_id == "web-old")).first() is None
    assert retention.delete_conversation(engine, "web-gun") > 0
    assert (
        "web-gun" not in ids(inbox.list_conversations(engine))
        and ids(inbox.list_conversations(engine, tag="missed crisis")) == []
    )
