"""Crisis-reply latency over the real HTTP server, one visitor at a time, as a browser sends it.

Starts `python -m server` on a free loopback port (temporary SQLite tracker store), then sends the
crisis evaluation phrasings and, for comparison, held-out FAQ phrasings in 10-turn conversations over
one keep-alive connection,
each request in a single write (Python's http.client writes headers and body separately, which meets
the server's delayed ACK and adds ~40 ms that is not the server's). Prints p50/p95/p99 and the
server's memory. Usage: python bench/crisis_latency.py [--model models/current.tar.gz] [--n 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.client import Visitor  # noqa: E402
from bench.load import memory_mb, percentile  # noqa: E402
from scripts import eval_crisis  # noqa: E402
from scripts.eval_intents import held_out  # noqa: E402
from server.local import local_server  # noqa: E402


def measure(visitor: Visitor, texts: list, check, turns: int = 10) -> list:
    """Conversations of `turns` messages each (a new sender id every `turns`), as visitors chat."""
    times = []
    for i, text in enumerate(texts):
        if i % turns == 0:
            visitor.new_conversation()
        start = time.perf_counter()
        status, replies = visitor.say(text)
        assert status == 200, (status, replies)
        times.append((time.perf_counter() - start) * 1000)
        assert check(replies), (text, replies)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    started = time.perf_counter()
    # the load comes from one address: the per-visitor rate limit is off for the measurement
    with local_server(Path(tempfile.mkdtemp()), Path(args.model), env={"RATE_LIMIT_PER_MINUTE": "0"}) as server:
        Visitor(server.port).say("hello")
        cold = time.perf_counter() - started
        crisis = [c["text"] for c in eval_crisis.load_cases()["positives"]][: args.n]
        faq = [t for texts in held_out().values() for t in texts][: args.n]
        visitor = Visitor(server.port)
        measure(visitor, faq[:20], lambda r: bool(r))  # warm-up
        crisis_ms = measure(
            Visitor(server.port), crisis, lambda r: r[0]["metadata"]["answer_key"].startswith("guard_crisis_")
        )
        faq_ms = measure(Visitor(server.port), faq, lambda r: bool(r))
        print(
            f"cold start to first answer: {cold:.1f} s; server memory after the run: {memory_mb(server.proc.pid)['rss_mb']:.0f} MB"
        )
        for label, times in (("crisis", crisis_ms), ("faq", faq_ms)):
            print(
                f"{label:6} n={len(times):4}  p50 {statistics.median(times):6.1f} ms  p95 {percentile(times, 95):6.1f} ms"
                f"  p99 {percentile(times, 99):6.1f} ms  max {max(times):6.1f} ms"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
