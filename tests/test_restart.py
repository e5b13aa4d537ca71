"""SIGKILL mid-conversation, restart on the same SQLite tracker store: the conversation goes on.

The real server (default configuration, endpoints.yml's tracker store) is killed with SIGKILL while
a message is in flight, then started again on the same database. Every acknowledged turn is still
stored, in order, and the slots still work: the region (UK help lines in a crisis reply) and the
kratom topic (a dose follow-up gets the kratom-specific refusal).
"""

from __future__ import annotations

import json
import signal
import sqlite3
import threading
import time
import uuid

import pytest

from bank.loader import load_bank
from bench.client import Visitor
from scripts.generate_contacts import render_variant
from server.local import local_server
from tests.conftest import ensure_model

pytestmark = pytest.mark.server


IN_FLIGHT = "how many grams should I take"  # keeps the kratom topic whether or not it was stored


def stored(db, sender):
    with sqlite3.connect(db) as connection:
        rows = connection.execute("select id, type_name, data from events where sender_id = ? order by id", (sender,))
        return rows.fetchall()


def user_texts(rows):
    return [json.loads(data)["text"] for _, kind, data in rows if kind == "user"]


def slot_values(rows):
    values = {}
    for _, kind, data in rows:
        if kind == "slot":
            event = json.loads(data)
            values[event["name"]] = event["value"]
    return values


def kratom_followup_text() -> str:
    for name, _, variant in load_bank().variants():
        if name == "utter_guard_dose_followup" and any(
            c.get("value") == "kratom" for c in variant.get("condition") or []
        ):
            return variant["text"]
    raise AssertionError("the bank has no kratom-specific dose follow-up")


def keys(replies):
    return [r["metadata"]["answer_key"] for r in replies]


def test_sigkill_mid_conversation_then_restart_keeps_every_turn_and_slot(tmp_path):
    workdir, model = tmp_path / "server", ensure_model()
    sender = "web-" + uuid.uuid4().hex
    acknowledged = ["I live in the UK", "what is kratom", "how many grams should I take"]

    with local_server(workdir, model) as first:
        visitor = Visitor(first.port, sender=sender)
        answers = [visitor.say(text) for text in acknowledged]
        visitor.close()
        assert [status for status, _ in answers] == [200, 200, 200]
        assert "region_set" in keys(answers[0][1]) and keys(answers[1][1]) == ["faq_kratom_what"]
        before = stored(first.db, sender)
        assert user_texts(before) == acknowledged
        assert slot_values(before) == {"region": "uk", "topic": "kratom", "subject": "kratom"}

        def in_flight() -> None:
            try:
                Visitor(first.port, sender=sender).say(IN_FLIGHT)
            except (OSError, ValueError):
                pass  # the server died under it

        thread = threading.Thread(target=in_flight)
        thread.start()
        time.sleep(0.02)
        first.proc.send_signal(signal.SIGKILL)
        first.proc.wait(timeout=30)
        thread.join(timeout=30)
    assert first.proc.returncode == -signal.SIGKILL

    after_kill = stored(workdir / "conversations.db", sender)
    assert after_kill[: len(before)] == before, "every acknowledged event survives the kill, unchanged"
    assert user_texts(after_kill) in (acknowledged, acknowledged + [IN_FLIGHT])

    with local_server(workdir, model) as second:
        visitor = Visitor(second.port, sender=sender)
        status, replies = visitor.say("ok, in teaspoons")
        assert status == 200 and replies[0]["text"] == kratom_followup_text(), "the kratom topic slot survived"
        status, replies = visitor.say("i want to die")
        visitor.close()
        contacts = [r for r in replies if r["metadata"]["answer_key"] == "contacts_crisis"]
        assert contacts and contacts[0]["text"] == render_variant("crisis", "uk")["text"], "the region slot survived"
        rows = stored(second.db, sender)
    assert rows[: len(after_kill)] == after_kill
    assert user_texts(rows)[-2:] == ["ok, in teaspoons", "i want to die"]
    assert [kind for _, kind, _ in rows].count("session_started") == 1, "the same conversation, not a new session"
