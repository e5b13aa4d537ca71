"""bench/soak.py in brief: a few visitors for a few seconds over the real server, and its checks fail when they should."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace

import pytest

from bench import soak, workload
from tests.conftest import ensure_model

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def soaked(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("soak")
    return soak.run(ensure_model(), workdir, seconds=6, conversations=3, turns=4)


@pytest.fixture
def db_copy(soaked, tmp_path):
    copy = tmp_path / "copy.db"
    with sqlite3.connect(soaked[2]) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the whole store, including anything still in a WAL file
    return copy


def test_a_short_soak_meets_every_target(soaked):
    result, turns, _ = soaked
    assert soak.failures(result) == []
    assert result["messages"] == len(turns) > 3 * 4  # every visitor went on to a second conversation
    assert result["statuses"] == {"200": len(turns)}
    store = result["store"]
    assert store["user_expected"] == store["user_stored"] == len(turns)
    assert store["bot_expected"] == store["bot_stored"] == result["replies"] >= len(turns)
    assert result["memory"]["samples"] >= 20 and result["memory"]["growth_pct"] is not None


def test_the_store_check_fails_when_a_reply_is_missing(soaked, db_copy):
    turns = soaked[1]
    with sqlite3.connect(db_copy) as conn:
        conn.execute(
            "delete from events where id = (select max(id) from events where type_name = 'bot' and sender_id = ?)",
            (turns[0].sender,),
        )
    check = soak.check_store(db_copy, turns)
    assert not check["ok"] and check["bot_missing"] == 1
    assert check["user_missing"] == check["user_extra"] == check["bot_extra"] == 0


def test_the_store_check_fails_when_a_message_is_stored_twice(soaked, db_copy):
    turns = soaked[1]
    with sqlite3.connect(db_copy) as conn:
        conn.execute(
            "insert into events (sender_id, type_name, timestamp, intent_name, action_name, data) "
            "select sender_id, type_name, timestamp, intent_name, action_name, data from events "
            "where sender_id = ? and type_name = 'user' order by id limit 1",
            (turns[0].sender,),
        )
    check = soak.check_store(db_copy, turns)
    assert not check["ok"] and check["user_extra"] == 1 and check["user_missing"] == 0


def test_the_store_check_fails_when_messages_are_out_of_order(soaked, db_copy):
    turns = soaked[1]
    texts = {}
    for turn in turns:
        texts.setdefault(turn.sender, []).append(turn.text)
    sender = next(s for s, sent in texts.items() if len(sent) > 1 and sent[0] != sent[1])
    with sqlite3.connect(db_copy) as conn:
        first, second = conn.execute(
            "select id, data from events where sender_id = ? and type_name = 'user' order by id limit 2", (sender,)
        ).fetchall()
        conn.execute("update events set data = ? where id = ?", (second[1], first[0]))
        conn.execute("update events set data = ? where id = ?", (first[1], second[0]))
    check = soak.check_store(db_copy, turns)
    assert not check["ok"] and check["out_of_order_senders"] == 1
    assert check["user_missing"] == check["user_extra"] == 0


def test_the_store_check_fails_when_a_received_reply_differs_from_the_stored_one(soaked):
    _, turns, db = soaked
    changed = replace(turns[0], replies=[("a reply the server never stored", "faq_ptsd_what")] + turns[0].replies[1:])
    check = soak.check_store(db, [changed] + turns[1:])
    assert not check["ok"] and check["bot_missing"] == 1 and check["bot_extra"] == 1


def test_the_store_check_compares_the_text_as_the_channel_cleaned_it(soaked):
    _, turns, db = soaked
    # The REST channel strips Rasa's leading "/" and control characters before Rasa sees the text.
    sent_raw = replace(turns[0], text="/" + turns[0].text + "\x07")
    assert soak.check_store(db, [sent_raw] + turns[1:])["ok"]
    assert not soak.check_store(db, [replace(turns[0], text=turns[0].text + " x")] + turns[1:])["ok"]


def test_a_5xx_a_dropped_request_or_a_store_mismatch_fails_the_soak(soaked):
    result, turns, _ = soaked
    failed = [replace(turns[0], status=503, replies=[]), replace(turns[1], status=0, error="ConnectionResetError()")]
    figures = soak.figures(failed + turns[2:], 6, 3, result["store"], result["memory"], [0.5])
    assert figures["5xx"] == 1 and figures["dropped"] == 1
    missed = soak.failures(figures)
    assert any("5xx" in m for m in missed) and any("no HTTP reply" in m for m in missed)
    assert soak.failures({**result, "store": {**result["store"], "ok": False}}) == [
        "the tracker store does not match what was exchanged"
    ]


def test_a_4xx_is_counted_and_listed_but_is_not_a_failure(soaked):
    result, turns, _ = soaked
    limited = [replace(turns[0], status=429, replies=[])] + turns[1:]
    figures = soak.figures(limited, 6, 3, result["store"], result["memory"], [])
    assert figures["4xx"] == 1 and figures["4xx_list"][0].startswith("429 ")
    assert soak.failures(figures) == []


def test_memory_growth_is_the_last_window_against_the_window_after_warmup():
    def samples(last_mb: float):
        # 600 s, a sample every 2 s: 150 MB during warm-up (not counted), then 100 MB, then `last_mb` at the end.
        return [(t, 150.0 if t < 60 else last_mb if t >= 540 else 100.0, 0.0) for t in range(0, 600, 2)]

    growth = soak.memory_growth(samples(110.0), 600)
    assert growth["window_s"] == 60 and growth["baseline_mb"] == 100 and growth["final_mb"] == 110
    assert growth["growth_pct"] == 10.0 and growth["per_window_mb"][0] == 150
    base = {"messages": 1, "5xx": 0, "dropped": 0, "store": {"ok": True}}
    assert soak.failures({**base, "memory": growth}) == ["server memory grew 10.0% (target < 10%)"]
    assert soak.failures({**base, "memory": soak.memory_growth(samples(109.9), 600)}) == []
    assert soak.failures({**base, "memory": soak.memory_growth(samples(110.0)[:10], 600)}) == [
        "too few memory samples to compute growth"
    ]


def test_conversations_mix_every_kind_and_keep_kratom_follow_ups_in_order():
    segments = workload.load_segments()
    assert all(segments[kind] for kind in workload.MIX)
    rng = random.Random(0)
    conversations = [workload.conversation(rng, segments, 10) for _ in range(50)]
    assert all(len(c) == 10 for c in conversations)
    assert {kind for c in conversations for kind, _ in c} == set(workload.MIX)
    dialogues = [seg for seg in segments["kratom"] if len(seg) > 2]  # a dose ask, then its follow-ups
    texts = [[text for _, text in c] for c in conversations]
    assert any(t[i : i + len(seg)] == seg for seg in dialogues for t in texts for i in range(len(t)))
