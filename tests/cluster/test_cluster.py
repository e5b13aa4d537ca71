"""Two replicas behind nginx share one conversation store (PostgreSQL) and one lock store (Redis).

Every request goes through nginx; its X-Upstream header names the replica that answered.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any, Dict, List, Tuple

import pytest
from rasa.core.utils import AvailableEndpoints
from rasa.utils.endpoints import EndpointConfig

from bank.checks import number_pattern
from bank.loader import load_bank
from bench.client import Visitor
from cluster.lock_store import AtomicRedisLockStore
from guardrails.hotlines import default_region, route_for

pytestmark = pytest.mark.cluster

CONVERSATIONS, TURNS = 20, 10
SIMULTANEOUS = 24  # conversations whose two messages reach both replicas at once
QUESTIONS = [
    "what is ptsd",
    "what is emdr",
    "what is cognitive processing therapy",
    "what is prolonged exposure therapy",
    "what are the symptoms of ptsd",
    "how common is ptsd",
    "does sertraline help with ptsd",
    "what is kratom",
    "can yoga help with ptsd",
    "how long does therapy take",
]


def turn(visitor: Visitor, text: str) -> Tuple[str, List[dict]]:
    """(the replica nginx chose, the replies); talking to a replica directly there is no proxy header."""
    status, replies = visitor.say(text)
    assert status == 200, replies
    return visitor.last_headers.get("x-upstream", ""), replies


def keys(replies: List[dict]) -> List[str]:
    return [r.get("metadata", {}).get("answer_key", "") for r in replies]


def crisis_numbers(region: str) -> List[str]:
    """The phone numbers and text codes the crisis reply lists for `region`, from the hotline directory."""
    _, services = route_for("crisis", region)
    return [n for s in services for n in re.findall(r"\d[\d -]*\d", s["how"])]


def contacts_text(replies: List[dict]) -> str:
    return next(r["text"] for r in replies if r["metadata"]["answer_key"] == "contacts_crisis")


def kratom_followup_text() -> str:
    """The follow-up refusal chosen when the conversation's `topic` slot says kratom."""
    variants = load_bank().responses["utter_guard_dose_followup"]
    kratom = [v for v in variants if {"type": "slot", "name": "topic", "value": "kratom"} in v.get("condition", [])]
    return kratom[0]["text"]


def test_turns_alternate_between_replicas_and_keep_their_state(cluster):
    visitor = Visitor(cluster.port, sender=f"alternate-{uuid.uuid4().hex}")
    served = []

    upstream, replies = turn(visitor, "I live in the UK")
    served.append(upstream)
    assert "region_set" in keys(replies)

    upstream, replies = turn(visitor, "I want to kill myself")
    served.append(upstream)
    assert keys(replies)[0].startswith("guard_crisis_")
    text = contacts_text(replies)
    uk, default = crisis_numbers("uk"), crisis_numbers(default_region())
    assert uk and all(number_pattern(n).search(text) for n in uk), text
    assert not any(number_pattern(n).search(text) for n in default if n not in uk), text

    upstream, replies = turn(visitor, "how much kratom should I take")
    served.append(upstream)
    assert keys(replies)[0].startswith("guard_kratom_")

    upstream, replies = turn(visitor, "just a rough number")
    served.append(upstream)
    assert keys(replies) == ["guard_dose_followup", "contacts_pointer"]
    assert replies[0]["text"] == kratom_followup_text(), "the kratom topic must carry over to the other replica"
    visitor.close()

    assert set(served) == set(cluster.replica_addresses), served
    assert all(a != b for a, b in zip(served, served[1:])), f"consecutive turns on one replica: {served}"


def test_without_that_state_the_same_messages_get_other_replies(cluster):
    """The control for the test above: a new visitor gets the default region and the general refusal."""
    crisis = Visitor(cluster.port, sender=f"control-{uuid.uuid4().hex}")
    _, replies = turn(crisis, "I want to kill myself")
    text = contacts_text(replies)
    assert all(number_pattern(n).search(text) for n in crisis_numbers(default_region()))
    assert not any(number_pattern(n).search(text) for n in crisis_numbers("uk"))
    rough = Visitor(cluster.port, sender=f"control-{uuid.uuid4().hex}")
    _, replies = turn(rough, "just a rough number")
    assert keys(replies) == ["guard_dose_followup", "contacts_pointer"] and replies[0]["text"] != kratom_followup_text()
    crisis.close()
    rough.close()


def converse(port: int, index: int) -> Tuple[str, List[Tuple[str, str, List[str]]]]:
    visitor = Visitor(port, sender=f"concurrent-{index}-{uuid.uuid4().hex}")
    sent = []
    for i in range(TURNS):
        text = QUESTIONS[(index + i) % len(QUESTIONS)]
        upstream, replies = turn(visitor, text)
        sent.append((text, upstream, [r["text"] for r in replies]))
    visitor.close()
    return visitor.sender, sent


def stored_turns(cluster: Any, sender: str) -> List[Tuple[str, List[str]]]:
    """(user text, [bot texts that follow it]) in the order PostgreSQL stored the events."""
    with closing(cluster.postgres.connect()) as db, db.cursor() as cursor:
        cursor.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        rows = cursor.fetchall()
    turns: List[Tuple[str, List[str]]] = []
    for kind, data in rows:
        if kind == "user":
            turns.append((json.loads(data)["text"], []))
        elif kind == "bot":
            assert turns, f"a bot event before any user event for {sender}"
            turns[-1][1].append(json.loads(data)["text"])
    return turns


def redis_calls(cluster: Any, command: str) -> int:
    return cluster.redis.client().info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0)


def test_concurrent_conversations_lose_and_reorder_no_event(cluster):
    locks_before = redis_calls(cluster, "set")
    with ThreadPoolExecutor(CONVERSATIONS) as pool:
        conversations = list(pool.map(lambda i: converse(cluster.port, i), range(CONVERSATIONS)))

    for sender, sent in conversations:
        assert stored_turns(cluster, sender) == [(text, replies) for text, _, replies in sent], sender

    upstreams = [upstream for _, sent in conversations for _, upstream, _ in sent]
    shares = {address: upstreams.count(address) for address in cluster.replica_addresses}
    assert min(shares.values()) >= 0.3 * len(upstreams), shares  # round robin: about half each
    mixed = sum(len({upstream for _, upstream, _ in sent}) > 1 for _, sent in conversations)
    assert mixed >= CONVERSATIONS - 2, "most conversations must have been served by both replicas"
    # Each message takes a ticket on its conversation's lock in Redis (at least one SET per message).
    assert redis_calls(cluster, "set") - locks_before >= CONVERSATIONS * TURNS


def send_to_both_replicas_at_once(cluster: Any, texts: List[str]) -> Tuple[str, Dict[str, List[str]]]:
    """One new conversation; replica i gets texts[i], all at the same moment. Returns (sender, replies by text)."""
    sender = f"simultaneous-{uuid.uuid4().hex}"
    visitors = [Visitor(port, sender=sender) for port in cluster.replica_ports]
    start = threading.Barrier(len(visitors))

    def send(replica: int) -> Tuple[str, List[str]]:
        start.wait()
        _, replies = turn(visitors[replica], texts[replica])
        visitors[replica].close()
        return texts[replica], [r["text"] for r in replies]

    with ThreadPoolExecutor(len(visitors)) as pool:
        return sender, dict(pool.map(send, range(len(visitors))))


def test_one_conversation_on_two_replicas_at_once_keeps_both_turns(cluster):
    """Both replicas get a message of the same conversation at the same moment (a retry, a double submit).

    The shared lock makes one wait for the other: both turns are stored, each followed by its own replies.
    Rasa's own RedisLockStore lost one of the two turns in about 1 pair in 8 (cluster/lock_store.py).
    """
    for _ in range(SIMULTANEOUS):  # one pair at a time: two messages in flight, as in a real double submit
        sender, replies = send_to_both_replicas_at_once(cluster, QUESTIONS[:2])
        stored = stored_turns(cluster, sender)
        assert sorted(text for text, _ in stored) == sorted(replies), f"a turn was lost: {stored}"
        assert all(bot == replies[text] for text, bot in stored), f"turns interleaved: {stored}"


def test_tickets_taken_at_once_through_several_connections_are_all_different(cluster):
    """The lock store itself, against the cluster's Redis: no ticket given twice, none lost, lock gone after."""
    config = EndpointConfig(url="127.0.0.1", port=cluster.redis.port, password=cluster.redis.password, db=1)
    stores = [AtomicRedisLockStore(endpoint_config=config) for _ in range(4)]  # one connection pool each
    conversation = f"tickets-{uuid.uuid4().hex}"

    def take(store: AtomicRedisLockStore) -> List[int]:
        return [store.issue_ticket(conversation) for _ in range(25)]

    with ThreadPoolExecutor(len(stores) * 2) as pool:
        tickets = [t for batch in pool.map(take, stores * 2) for t in batch]
    assert sorted(tickets) == list(range(len(tickets))), "a ticket was given twice or skipped"
    assert len(stores[0].get_lock(conversation).tickets) == len(tickets)
    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda n: stores[n % len(stores)].cleanup(conversation, n), tickets))
    assert stores[0].get_lock(conversation) is None


def test_the_replicas_use_postgresql_and_redis(cluster):
    endpoints = AvailableEndpoints.read_endpoints(str(cluster.endpoints_file))
    assert endpoints.lock_store.type == "cluster.lock_store.AtomicRedisLockStore"
    assert int(endpoints.lock_store.kwargs["port"]) == cluster.redis.port
    assert endpoints.tracker_store.kwargs["dialect"] == "postgresql"
    assert int(endpoints.tracker_store.kwargs["port"]) == cluster.postgres.port
    with closing(cluster.postgres.connect()) as db, db.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT sender_id) FROM events")
        assert cursor.fetchone()[0] >= 1
    clients = cluster.redis.client().client_list()
    assert len({c["addr"] for c in clients}) >= len(cluster.replica_addresses)  # every replica holds a connection


def get(url: str, body: bytes | None = None) -> Tuple[int, bytes, Any]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read(), reply.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def test_the_web_chat_and_the_api_errors_come_through_the_proxy(cluster):
    status, page, headers = get(cluster.url + "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<html" in page.lower()
    assert "Content-Security-Policy" in headers and headers["X-Upstream"] in cluster.replica_addresses
    status, body, _ = get(cluster.url + "/webhooks/rest/webhook", b"not json")
    assert status == 400 and json.loads(body)["error"]
    status, body, _ = get(cluster.url + "/webhooks/rest/webhook", b"{" + b" " * 70_000 + b"}")
    assert status == 413 and json.loads(body)["error"], "the assistant's JSON 413, not nginx's page"


def test_a_stopped_replica_is_skipped_and_the_conversation_goes_on(cluster):
    """Last in this module, as it stops replica 2: nginx sends every message to replica 1 (docs/runbook.md)."""
    visitor = Visitor(cluster.port, sender=f"failover-{uuid.uuid4().hex}")
    turn(visitor, "I live in the UK")
    cluster.stop_replica(2)
    for text in ("what is emdr", "what is ptsd", "I want to kill myself"):
        upstream, replies = turn(visitor, text)  # "dead, alive" when nginx had to try the next replica
        assert upstream.split(", ")[-1] == cluster.replica_addresses[0], upstream
    assert all(number_pattern(n).search(contacts_text(replies)) for n in crisis_numbers("uk"))
    visitor.close()
