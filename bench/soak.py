"""A bounded soak over the real HTTP server: N visitors chatting for M minutes, then it stops by itself.

Starts `python -m server` on a free loopback port (the tracker store of endpoints.yml on a temporary
SQLite file; rate limit off: the load comes from one address). Each visitor keeps one keep-alive connection and chats without
pause (closed loop; --think adds a pause) in conversations of --turns messages, then starts a new
one under a new sender id. A conversation is a mix of held-out FAQ phrasings, crisis phrasings,
kratom dose asks with their follow-ups, and other text: out of scope, chit-chat, crisis hard negatives
such as "this paperwork is killing me" (bench/workload.py, shared with `make bench`).

Targets (exit 1 when one is missed):
- no 5xx reply and no dropped connection (4xx are counted and listed);
- the tracker store holds, for every sender, exactly the messages that got a 200 (after the REST
  channel's clean_text) and every reply they got, in the order they were exchanged, once each;
- server memory growth under 10%: the mean RSS of the last window against the mean RSS of the
  window after warm-up, where window = min(60 s, duration / 5) and warm-up is the first window.

Prints a figures table and writes the same as JSON to results/soak/.
Usage: python bench/soak.py [--minutes 10] [--conversations 50] [--turns 10] [--think 0] [--seed 1]
                           [--env NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.client import Visitor  # noqa: E402
from bench.load import memory_mb, percentile  # noqa: E402
from bench.workload import conversation, load_segments  # noqa: E402
from channels.rest import answer_key, clean_text  # noqa: E402
from server.local import local_server  # noqa: E402

MAX_GROWTH = 0.10
SERVER_ENV = {"RATE_LIMIT_PER_MINUTE": "0"}

Event = Tuple[str, str, str]  # ("user", text, "") or ("bot", text, answer_key)


@dataclass
class Turn:
    sender: str
    kind: str
    text: str
    status: int  # 0: no HTTP reply (connection dropped or timed out)
    at: float  # seconds since the soak started
    ms: float
    replies: List[Tuple[str, str]] = field(default_factory=list)  # (text, answer key)
    error: str = ""


def visitor_loop(port: int, segments: Dict, seed: int, t0: float, until: float, turns: int, think: float, out: List):
    """One visitor: conversation after conversation until `until` (time.monotonic), recording every turn."""
    rng, visitor = random.Random(seed), Visitor(port)
    try:
        while time.monotonic() < until:
            visitor.new_conversation()
            for i, (kind, text) in enumerate(conversation(rng, segments, turns)):
                if time.monotonic() >= until:
                    return
                # The web chat sends the visitor's region with the first message only.
                metadata = {"region": "us"} if i == 0 else None
                start = time.monotonic()
                try:
                    status, body = visitor.say(text, metadata)
                except (OSError, ValueError) as error:  # dropped, timed out, or not JSON
                    out.append(Turn(visitor.sender, kind, text, 0, start - t0, 0.0, error=repr(error)))
                    visitor.close()
                    break  # the stored state of this conversation is unknown: start a new one
                ms = (time.monotonic() - start) * 1000
                answered = status == 200 and isinstance(body, list)
                replies = (
                    [(r.get("text", ""), r.get("metadata", {}).get("answer_key", "")) for r in body] if answered else []
                )
                out.append(Turn(visitor.sender, kind, text, status, start - t0, ms, replies))
                if think:
                    time.sleep(rng.uniform(0, 2 * think))
    finally:
        visitor.close()


def sample_rss(pid: int, interval: float, stop: threading.Event, t0: float, out: List[Tuple[float, float, float]]):
    """(seconds since t0, RSS MB, 1-minute load average) every `interval` seconds until `stop`."""
    while not stop.is_set():
        out.append((time.monotonic() - t0, memory_mb(pid)["rss_mb"], os.getloadavg()[0]))
        stop.wait(interval)


def memory_growth(samples: List[Tuple[float, float, float]], duration: float) -> Dict[str, Any]:
    """Mean RSS of the last window against the window after warm-up; see the module docstring."""
    window = min(60.0, duration / 5)
    baseline = [mb for t, mb, _ in samples if window <= t < 2 * window]
    final = [mb for t, mb, _ in samples if t >= duration - window]
    rss = [mb for _, mb, _ in samples]
    buckets: Dict[int, List[float]] = {}
    for t, mb, _ in samples:
        buckets.setdefault(int(t // window), []).append(mb)
    result = {
        "window_s": round(window, 1),
        "samples": len(samples),
        "growth_pct": None,
        "per_window_mb": [round(statistics.mean(mbs)) for _, mbs in sorted(buckets.items())],
    }
    if rss:
        result.update(start_mb=rss[0], end_mb=rss[-1], max_mb=max(rss))
    if baseline and final:
        base, last = statistics.mean(baseline), statistics.mean(final)
        result.update(baseline_mb=round(base, 1), final_mb=round(last, 1), growth_pct=round(100 * (last / base - 1), 2))
    return result


def expected_events(turns: List[Turn]) -> Dict[str, List[Event]]:
    """Per sender, what the store must hold: each answered message as the channel cleaned it, then its replies."""
    expected: Dict[str, List[Event]] = {}
    for turn in turns:
        events = expected.setdefault(turn.sender, [])
        if turn.status == 200:
            events.append(("user", clean_text(turn.text), ""))
            events += [("bot", text, key) for text, key in turn.replies]
    return expected


def stored_events(db: Path, senders: set) -> Dict[str, List[Event]]:
    stored: Dict[str, List[Event]] = {}
    with sqlite3.connect(db) as conn:  # not mode=ro: a store in WAL mode may need its -shm file set up
        rows = conn.execute(
            "select sender_id, type_name, data from events where type_name in ('user', 'bot') order by id"
        )
        for sender, kind, raw in rows:
            if sender not in senders:
                continue
            data = json.loads(raw)
            meta = data.get("metadata") or {}
            key = answer_key(meta.get("utter_action"), meta.get("metadata")) or ""
            stored.setdefault(sender, []).append((kind, data.get("text") or "", key if kind == "bot" else ""))
    return stored


def check_store(db: Path, turns: List[Turn]) -> Dict[str, Any]:
    """Compare the tracker store with what was exchanged, sender by sender (senders with a dropped request skipped)."""
    unknown = {t.sender for t in turns if t.status == 0}
    expected = {s: events for s, events in expected_events(turns).items() if s not in unknown}
    stored = stored_events(db, set(expected))
    result = Counter()
    problems: List[str] = []
    for sender, want in expected.items():
        got = stored.get(sender, [])
        missing, extra = Counter(want) - Counter(got), Counter(got) - Counter(want)
        for kind in ("user", "bot"):
            result[f"{kind}_expected"] += sum(1 for e in want if e[0] == kind)
            result[f"{kind}_stored"] += sum(1 for e in got if e[0] == kind)
            result[f"{kind}_missing"] += sum(n for e, n in missing.items() if e[0] == kind)
            result[f"{kind}_extra"] += sum(n for e, n in extra.items() if e[0] == kind)
        if not missing and not extra and got != want:
            result["out_of_order_senders"] += 1
        if got != want and len(problems) < 5:
            detail = f"missing {list(missing)[:2]} extra {list(extra)[:2]}" if missing or extra else "order differs"
            problems.append(f"{sender}: {detail}")
    bad = sum(result[k] for k in ("user_missing", "bot_missing", "user_extra", "bot_extra", "out_of_order_senders"))
    summary = {"ok": bad == 0 and bool(expected), "senders": len(expected), "skipped_senders": len(unknown)}
    return {**summary, **{k: result[k] for k in sorted(result)}, "problems": problems}


def latency(ms: List[float]) -> Dict[str, float | None]:
    if not ms:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    return {"n": len(ms), **{f"p{p}": round(percentile(ms, p), 1) for p in (50, 95, 99)}, "max": round(max(ms), 1)}


def figures(turns: List[Turn], duration: float, conversations: int, store: Dict, memory: Dict, loads: List) -> Dict:
    """Every figure of the run; latency also after the warm-up window (the burst of 50 first connections is in it)."""
    warm = memory["window_s"]
    statuses = Counter(t.status for t in turns)
    client_errors = [f"{t.status} {t.text[:60]!r}" for t in turns if 400 <= t.status < 500]
    return {
        "duration_s": round(duration, 1),
        "conversations": conversations,
        "senders": len({t.sender for t in turns}),
        "messages": len(turns),
        "replies": sum(len(t.replies) for t in turns),
        "msgs_per_s": round(len(turns) / duration, 1) if duration else 0.0,
        "mix": dict(Counter(t.kind for t in turns)),
        "latency_ms": latency([t.ms for t in turns if t.status == 200]),
        "latency_after_warmup_ms": latency([t.ms for t in turns if t.status == 200 and t.at >= warm]),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "4xx": len(client_errors),
        "4xx_list": client_errors[:20],
        "5xx": sum(v for k, v in statuses.items() if k >= 500),
        "dropped": statuses.get(0, 0),
        "dropped_list": [t.error for t in turns if t.status == 0][:20],
        "store": store,
        "memory": memory,
        # other jobs on the machine slow the server: the figures mean little without the load beside them
        "load_avg_1m": {k: round(f(loads), 2) for k, f in (("min", min), ("mean", statistics.mean), ("max", max))}
        if loads
        else {},
    }


def failures(result: Dict, max_growth: float = MAX_GROWTH) -> List[str]:
    """Every missed target, in words; empty when the soak passed."""
    missed = []
    if not result["messages"]:
        missed.append("no message was sent")
    if result["5xx"]:
        missed.append(f"{result['5xx']} replies were 5xx")
    if result["dropped"]:
        missed.append(f"{result['dropped']} requests got no HTTP reply")
    if not result["store"]["ok"]:
        missed.append("the tracker store does not match what was exchanged")
    growth = result["memory"].get("growth_pct")
    if growth is None:
        missed.append("too few memory samples to compute growth")
    elif growth >= 100 * max_growth:
        missed.append(f"server memory grew {growth}% (target < {100 * max_growth:.0f}%)")
    return missed


def run(
    model: Path,
    workdir: Path,
    seconds: float,
    conversations: int,
    turns: int = 10,
    think: float = 0,
    seed: int = 1,
    env: Dict[str, str] | None = None,
) -> Tuple[Dict, List[Turn], Path]:
    """Soak a fresh server (SERVER_ENV plus `env`); returns (figures, every turn, the tracker store's path)."""
    per_visitor: List[List[Turn]] = [[] for _ in range(conversations)]
    samples: List[Tuple[float, float, float]] = []
    segments = load_segments()
    with local_server(workdir, model, env={**SERVER_ENV, **(env or {})}) as server:
        Visitor(server.port).say("hello")  # load the model's lazy parts before the clock starts
        stop = threading.Event()
        t0 = time.monotonic()
        interval = min(2.0, seconds / 25)
        sampler = threading.Thread(target=sample_rss, args=(server.proc.pid, interval, stop, t0, samples), daemon=True)
        sampler.start()
        threads = [
            threading.Thread(
                target=visitor_loop, args=(server.port, segments, seed + i, t0, t0 + seconds, turns, think, out)
            )
            for i, out in enumerate(per_visitor)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        duration = time.monotonic() - t0
        stop.set()
        sampler.join()
        db = server.db
    all_turns = [turn for out in per_visitor for turn in out]
    store = check_store(db, all_turns)
    memory = memory_growth(samples, duration)
    loads = [load for _, _, load in samples]
    result = figures(all_turns, duration, conversations, store, memory, loads)
    counts = sorted(len(out) for out in per_visitor)  # fairness: a starved visitor sends few messages
    result["messages_per_visitor"] = {"min": counts[0], "median": statistics.median(counts), "max": counts[-1]}
    return result, all_turns, db


def print_table(result: Dict, missed: List[str]) -> None:
    lat, late, mem = result["latency_ms"], result["latency_after_warmup_ms"], result["memory"]
    store, load = result["store"], result["load_avg_1m"]
    rows = [
        ("duration", f"{result['duration_s']} s"),
        ("conversations (concurrent)", result["conversations"]),
        ("senders (10-turn conversations)", result["senders"]),
        ("messages / replies", f"{result['messages']} / {result['replies']}"),
        ("mix", ", ".join(f"{k} {v}" for k, v in sorted(result["mix"].items()))),
        ("throughput", f"{result['msgs_per_s']} msgs/s"),
        (
            "messages per visitor min / median / max",
            "{min} / {median} / {max}".format(**result["messages_per_visitor"]),
        ),
        ("latency p50 / p95 / p99 / max", f"{lat['p50']} / {lat['p95']} / {lat['p99']} / {lat['max']} ms"),
        (
            f"  the same after {mem['window_s']} s warm-up",
            f"{late['p50']} / {late['p95']} / {late['p99']} / {late['max']} ms (n={late['n']})",
        ),
        ("statuses", result["statuses"]),
        ("4xx", result["4xx"]),
        ("5xx", result["5xx"]),
        ("dropped requests", result["dropped"]),
        (
            "store check",
            f"{'OK' if store['ok'] else 'FAILED'}: user {store.get('user_stored', 0)}/{store.get('user_expected', 0)}, "
            f"bot {store.get('bot_stored', 0)}/{store.get('bot_expected', 0)} stored/expected, "
            f"missing {store.get('user_missing', 0)}+{store.get('bot_missing', 0)}, "
            f"extra {store.get('user_extra', 0)}+{store.get('bot_extra', 0)}, "
            f"out of order {store.get('out_of_order_senders', 0)}",
        ),
        (
            "RSS start / end / max",
            f"{mem.get('start_mb', 0):.0f} / {mem.get('end_mb', 0):.0f} / {mem.get('max_mb', 0):.0f} MB",
        ),
        (
            f"RSS growth ({mem['window_s']} s windows)",
            f"{mem['growth_pct']}% (baseline {mem.get('baseline_mb')} MB -> last {mem.get('final_mb')} MB)",
        ),
        ("RSS per window", f"{mem['per_window_mb']} MB ({mem['samples']} samples)"),
        ("load average (1 min)", f"min {load.get('min')} mean {load.get('mean')} max {load.get('max')}"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for line in result["4xx_list"] + result["dropped_list"] + store["problems"]:
        print(f"  {line}")
    print("PASS" if not missed else "FAIL: " + "; ".join(missed))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--conversations", type=int, default=50, help="concurrent visitors")
    parser.add_argument("--turns", type=int, default=10, help="messages per conversation")
    parser.add_argument("--think", type=float, default=0, help="mean pause between a visitor's messages (s)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE", help="extra server setting")
    parser.add_argument("--out", default=str(ROOT / "results" / "soak"))
    args = parser.parse_args()
    env = dict(item.split("=", 1) for item in args.env)
    with tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        result, _, _ = run(
            Path(args.model),
            Path(workdir),
            args.minutes * 60,
            args.conversations,
            args.turns,
            args.think,
            args.seed,
            env,
        )
    missed = failures(result)
    result.update(
        settings={**{k: v for k, v in vars(args).items() if k != "out"}, "server_env": {**SERVER_ENV, **env}},
        load_avg_at_end=[round(x, 2) for x in os.getloadavg()],
        targets_missed=missed,
        passed=not missed,
    )
    print_table(result, missed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"soak-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"figures written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
