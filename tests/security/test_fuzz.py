"""Fuzz the public chat endpoint of the real server: a reply or a clean 4xx, never a 5xx, whatever is sent.

Complements tests/test_server.py's fixed bad inputs with generated ones (hypothesis). Each property also
says which answer is right: 200 with replies exactly when the body is a valid message, else the 4xx
the channel's rules give. Typed Rasa syntax (`/intent{"slot": ...}`) is checked in the tracker store:
the message went through the NLU pipeline, started no session, reset nothing and set no slot.
"""

from __future__ import annotations

import json
import unicodedata
import uuid

import pytest
import yaml
from hypothesis import example, find, given, settings
from hypothesis import strategies as st

from bank.subjects import load_grid
from bench.client import WEBHOOK
from channels.rest import MAX_MESSAGE_CHARS, MAX_SENDER_CHARS, clean_text
from guardrails.hotlines import regions
from guardrails.region import detect_region
from server.settings import Settings
from tests.conftest import ROOT
from tests.security.conftest import CASES, FUZZ, events, post_json, request

ODD = [
    "/",
    "{",
    "}",
    '"',
    "\\",
    "@",
    "\x00",
    "\x1b",
    "\u202e",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\u3000",
    "\n",
    "\r",
    "\t",
]
CHARS = st.one_of(st.characters(exclude_categories=()), st.integers(0xD800, 0xDFFF).map(chr), st.sampled_from(ODD))
TEXT = st.text(alphabet=CHARS, max_size=300)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(alphabet=CHARS, max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
BODY_LIMIT = Settings.from_env({}).max_body_bytes
INTENTS = yaml.safe_load((ROOT / "domain.yml").read_text())["intents"]
TYPED_INTENTS = INTENTS + ["restart", "session_start", "back", "out_of_scope", "nlu_fallback", "faq", "inform_region"]


def check_reply(status, reply) -> None:
    """The shape the web chat relies on: a list of replies with text, or an error with a detail."""
    assert status < 500, f"server error {status}: {reply!r}"
    if status == 200:
        assert isinstance(reply, list) and reply and all(isinstance(r.get("text"), str) and r["text"] for r in reply)
    else:
        assert status in (400, 413) and isinstance(reply, dict) and reply["error"] and reply["detail"], reply


def expected_status(payload) -> int:
    if len(json.dumps(payload).encode()) > BODY_LIMIT:  # e.g. 20,000 characters, each escaped as \u0000
        return 413
    payload = json.loads(json.dumps(payload))  # what the server reads: an escaped surrogate pair is one character
    if not isinstance(payload, dict):
        return 400
    sender, message = payload.get("sender"), payload.get("message")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return 400
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in sender):
        return 400
    if not isinstance(message, str):
        return 400
    if len(message) > MAX_MESSAGE_CHARS:
        return 413
    return 200 if clean_text(message) else 400


@settings(FUZZ, max_examples=150)
@given(
    body=st.one_of(
        st.binary(max_size=2048),
        TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
        JSON.map(lambda v: json.dumps(v).encode()),
    )
)
@example(body=b"")
@example(body=b"{" * 5000)
@example(body=b"[" * 60_000)  # once a 500: json.loads raises RecursionError, not ValueError
@example(body=b'{"sender": ' * 5000)
@example(body=b'{"sender": "a", "message": "hi"' + b"}" * 2)
@example(body=b'{"sender": "a", "message": "hi", "sender": 5}')
def test_any_body_gets_a_reply_or_a_clean_4xx(open_server, body):
    CASES["raw bodies"] += 1
    status, _, reply = request(open_server, "POST", WEBHOOK, body)
    check_reply(status, reply)
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        assert status == 400 and reply["error"] == "invalid_json"
        return
    assert status == (413 if len(body) > BODY_LIMIT else expected_status(payload)), (body, reply)


@settings(FUZZ, max_examples=120)
@given(
    payload=st.fixed_dictionaries(
        {},
        optional={"sender": st.one_of(JSON, TEXT), "message": st.one_of(JSON, TEXT), "metadata": JSON, "extra": JSON},
    )
)
def test_wrong_types_and_missing_fields_get_the_right_4xx(open_server, payload):
    CASES["field types"] += 1
    status, _, reply = post_json(open_server, payload)
    check_reply(status, reply)
    assert status == expected_status(payload), (payload, reply)


@settings(FUZZ, max_examples=150)
@given(
    text=st.one_of(TEXT, st.integers(MAX_MESSAGE_CHARS - 3, MAX_MESSAGE_CHARS + 3).map(lambda n: "a\x00" * (n // 2)))
)
@example(text="a" * MAX_MESSAGE_CHARS)
@example(text="a" * (MAX_MESSAGE_CHARS + 1))
@example(text="\ud800\udfff what is ptsd")
@example(text="\u202ewhat is emdr\u202c")
def test_any_message_text_gets_a_reply_or_a_clean_4xx(open_server, text):
    CASES["message texts"] += 1
    payload = {"sender": uuid.uuid4().hex, "message": text}
    status, _, reply = post_json(open_server, payload)
    check_reply(status, reply)
    assert status == expected_status(payload), (text, reply)


@settings(FUZZ, max_examples=80)
@given(sender=st.one_of(TEXT, st.integers(MAX_SENDER_CHARS - 2, 20_000).map(lambda n: "s" * n)))
@example(sender="x" * MAX_SENDER_CHARS)
@example(sender="x" * (MAX_SENDER_CHARS + 1))
@example(sender="\udd9a")  # once stopped the server: Rasa's SQL store exits on the encoding error
@example(sender="web-\x00")
@example(sender="../../etc/passwd")
@example(sender="' OR 1=1 --")
def test_any_sender_id_gets_a_reply_or_a_clean_400(open_server, sender):
    CASES["sender ids"] += 1
    payload = {"sender": sender, "message": "what is ptsd"}
    status, _, reply = post_json(open_server, payload)
    check_reply(status, reply)
    assert status == expected_status(payload), (sender, reply)


def test_a_sender_id_that_cannot_be_stored_does_not_stop_the_server(open_server):
    for sender in ("\udd9a", "\ud800x", "a\x00b"):
        status, _, reply = post_json(open_server, {"sender": sender, "message": "hi"})
        assert status == 400 and reply["error"] == "invalid_sender"
    assert open_server.proc.poll() is None
    assert post_json(open_server, {"sender": uuid.uuid4().hex, "message": "what is ptsd"})[0] == 200


def assert_only_the_nlu_pipeline_spoke(db, sender: str, turns: int) -> None:
    """Stored events of a conversation of `turns` visitor messages: nothing came from typed syntax."""
    stored = events(db, sender)
    kinds = [kind for kind, _ in stored]
    assert kinds.count("user") == turns
    assert kinds.count("session_started") == 1, "typed syntax must not start a session"
    assert not {"restart", "reset_slots", "followup", "rewind"} & set(kinds), kinds
    for kind, data in stored:
        if kind == "user":
            text = data["text"]
            assert not text.strip().startswith("/"), text
            # Rasa's `/intent` shortcut replaces the parse with intent, entities and ranking only; the
            # pipeline (tokenizer, classifier, guardrails) always leaves its tokens.
            assert "text_tokens" in data["parse_data"], data["parse_data"]
        if kind == "slot":
            typed_region = [detect_region(d["text"]) for k, d in stored if k == "user"]
            value = data["value"]
            if data["name"] == "region":
                assert value in typed_region, data
            elif data["name"] == "topic":
                assert value in ("kratom", "other"), data
            elif data["name"] == "subject":  # the context step's, from the subject registry
                assert value in GRID.subjects, data
            elif data["name"] == "comparison":
                assert value == "none" or value.count("_") >= 1, data
            elif data["name"] == "clarify":
                assert value in ("yes", "no"), data
            else:  # labels the context step fills from the registry and the bank, never from typed syntax
                assert data["name"] in PIPELINE_LABEL_SLOTS and "{" not in str(value), data


GRID = load_grid()
PIPELINE_LABEL_SLOTS = {
    "subject_label",
    "aspect_label",
    "clarify_first_label",
    "clarify_first_question",
    "clarify_second_label",
    "clarify_second_question",
}
PREFIXES = ["", " ", "\t", "\n", "/", "//", " /", "\x00", "\x00/", "\u00a0", "\u3000", "\u200b", "\ufeff", "\x1b[0m"]
ENTITIES = st.one_of(
    st.just(""),
    st.dictionaries(
        st.sampled_from(["region", "topic", "x", "requested_slot"]),
        st.sampled_from(list(regions()) + ["kratom", "other", "1", ""]),
        max_size=2,
    ).map(json.dumps),
    st.text(alphabet=CHARS, max_size=20).map(lambda t: "{" + t + "}"),
)


@settings(FUZZ, max_examples=80)
@given(
    prefix=st.sampled_from(PREFIXES),
    intent=st.sampled_from(TYPED_INTENTS),
    confidence=st.sampled_from(["", "@1.0", "@0.01"]),
    entities=ENTITIES,
)
@example(prefix="", intent="restart", confidence="", entities="")
@example(prefix="", intent="session_start", confidence="", entities="")
@example(prefix="", intent="inform_region", confidence="", entities='{"region":"uk"}')
@example(prefix="", intent="faq", confidence="", entities='{"x":1}')
def test_typed_rasa_syntax_triggers_nothing(open_server, prefix, intent, confidence, entities):
    CASES["typed Rasa syntax"] += 1
    sender = uuid.uuid4().hex
    text = f"{prefix}/{intent}{confidence}{entities}"
    status, _, reply = post_json(open_server, {"sender": sender, "message": text})
    check_reply(status, reply)
    if status == 200:
        assert_only_the_nlu_pipeline_spoke(open_server.db, sender, turns=1)


def test_typed_commands_mid_conversation_keep_every_turn_and_slot(open_server):
    """/restart, /session_start and slot syntax after real turns: slots, turns and region stay as they were."""
    from scripts.generate_contacts import render_variant

    sender = uuid.uuid4().hex
    for text in ("I live in the UK", "what is kratom"):
        assert post_json(open_server, {"sender": sender, "message": text})[0] == 200
    typed = [
        "/restart",
        "/session_start",
        '/inform_region{"region":"ca"}',
        '/faq{"x":1}',
        '/faq_kratom_what{"region":"au"}@1.0',
        "/action_restart",
    ]
    for text in typed:
        status, _, reply = post_json(open_server, {"sender": sender, "message": text})
        check_reply(status, reply)
        assert status == 200
    assert_only_the_nlu_pipeline_spoke(open_server.db, sender, turns=2 + len(typed))
    stored = [data for kind, data in events(open_server.db, sender) if kind == "user"]
    assert [d["text"] for d in stored[2:]] == [t.lstrip("/") for t in typed]
    status, _, reply = post_json(open_server, {"sender": sender, "message": "i want to die"})
    contacts = [r for r in reply if r["metadata"]["answer_key"] == "contacts_crisis"]
    assert contacts and contacts[0]["text"] == render_variant("crisis", "uk")["text"], "the region stayed the UK"


SEARCH = settings(database=None, max_examples=2000)


@pytest.mark.parametrize("category", ["Cs", "Cc", "Cf", "Zs", "Lo", "So"])
def test_the_fuzz_alphabet_reaches_the_characters_it_means_to(category):
    """The generator really produces lone surrogates, control and format characters (else the fuzz is weaker)."""
    found = find(TEXT, lambda text: any(unicodedata.category(c) == category for c in text), settings=SEARCH)
    assert found
