"""The real HTTP server (`python -m server`, as `make run` starts it) with a SQLite tracker store, on loopback."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from scripts.generate_contacts import render_variant
from server.local import local_server
from tests.conftest import ensure_model

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # dozens of requests from one address in seconds: the rate limit (tests/security/) would answer 429
    off = {"RATE_LIMIT_PER_MINUTE": "0"}
    with local_server(tmp_path_factory.mktemp("server"), ensure_model(), env=off) as running:
        yield {"url": running.url, "db": running.db, "log": running.log}


def post(server, body: bytes, content_type="application/json"):
    request = urllib.request.Request(
        server["url"] + "/webhooks/rest/webhook", data=body, headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def say(server, text, sender=None, **extra):
    body = {"sender": sender or uuid.uuid4().hex, "message": text, **extra}
    return post(server, json.dumps(body).encode())


def test_a_question_gets_its_answer_with_sources(server):
    status, replies = say(server, "what is ptsd")
    assert status == 200
    assert replies[0]["metadata"]["answer_key"] == "faq_ptsd_what"
    assert replies[0]["metadata"]["sources"][0]["url"].startswith("https://")


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t", "\x00\x01\x02", "/", "///"],
)
def test_empty_messages_get_a_clean_400(server, text):
    status, body = say(server, text)
    assert status == 400 and body["error"] == "empty_message"


@pytest.mark.parametrize(
    "text",
    [
        "😀😀😀",
        "🙂",
        "a" * 20_000,
        "what is ptsd \x07\x1b[31m",
        "Ω≈ç√∫˜µ≤≥÷",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "\u202e\u200b\ufeff",
    ],
)
def test_odd_messages_get_a_reply_never_a_5xx(server, text):
    status, replies = say(server, text)
    assert status == 200 and replies and replies[0]["text"]


@pytest.mark.parametrize(
    "text", ["/restart", "/faq_ptsd_what", '/faq{"x":1}', "/guard_crisis_suicide", '/inform_region{"region": "uk"}']
)
def test_slash_syntax_cannot_trigger_intents_or_set_slots(server, text):
    visitor = uuid.uuid4().hex
    status, replies = say(server, text, sender=visitor)
    assert status == 200 and replies
    status, replies = say(server, "i want to die", sender=visitor)
    crisis = [r for r in replies if r["metadata"]["answer_key"] == "contacts_crisis"][0]
    assert crisis["text"] == render_variant("crisis", "us")["text"], "typed slot syntax must not set the region"


def test_crisis_buried_in_a_20kb_message_is_found(server):
    text = ("I have a question about EMDR sessions and sleep. " * 400) + " i want to kill myself"
    assert len(text) > 19_000
    status, replies = say(server, text)
    assert status == 200 and replies[0]["metadata"]["answer_key"].startswith("guard_crisis_")


@pytest.mark.parametrize(
    "body,status",
    [
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b"", 400),
        (b'{"message": "hi"}', 400),
        (b'{"sender": "", "message": "hi"}', 400),
        (b'{"sender": 5, "message": "hi"}', 400),
        (b'{"sender": "a", "message": 5}', 400),
        (b'{"sender": "a", "message": null}', 400),
        (json.dumps({"sender": "x" * 500, "message": "hi"}).encode(), 400),
        (json.dumps({"sender": "a", "message": "a" * 20_001}).encode(), 413),
        (b"{" + b" " * 70_000 + b"}", 413),
        (b"\xff\xfe\x00", 400),
    ],
)
def test_malformed_bodies_get_a_clean_4xx(server, body, status):
    got, reply = post(server, body)
    assert got == status and reply["error"]


def test_conversation_is_stored_in_the_sqlite_tracker_store(server):
    import sqlite3

    visitor = uuid.uuid4().hex
    say(server, "I live in Canada", sender=visitor)
    say(server, "what is emdr", sender=visitor)
    with sqlite3.connect(server["db"]) as db:
        rows = db.execute("select type_name from events where sender_id = ?", (visitor,)).fetchall()
    kinds = [r[0] for r in rows]
    assert kinds.count("user") == 2 and kinds.count("bot") >= 2 and "slot" in kinds


def test_message_text_is_not_written_to_the_log(server):
    secret = "zebra-" + uuid.uuid4().hex
    say(server, f"my name is {secret} and I have nightmares")
    time.sleep(0.5)
    assert secret not in Path(server["log"]).read_text()
