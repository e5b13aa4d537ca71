"""Closed-loop load over the REST channel: N visitors, each running its conversations back to back.

Every visitor is a thread with its own keep-alive connection (bench/client.py) and a new sender id
per conversation; a visitor sends its next message as soon as the reply arrives, as a fast typist
would. Each request's latency, status, kind and turn number is recorded.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from bench.client import Visitor
from bench.workload import Turn


@dataclass
class Sample:
    kind: str
    turn: int  # 1-based position in its conversation
    ms: float
    status: int


@dataclass
class LoadResult:
    visitors: int
    seconds: float
    samples: List[Sample] = field(default_factory=list)

    def latencies(self, kind: str | None = None) -> List[float]:
        return [s.ms for s in self.samples if s.status == 200 and (kind is None or s.kind == kind)]

    def summary(self) -> Dict[str, float]:
        ok = self.latencies()
        errors = sum(1 for s in self.samples if s.status != 200)
        crisis = self.latencies("crisis")
        return {
            "visitors": self.visitors,
            "messages": len(self.samples),
            "errors": errors,
            "msgs_per_s": len(ok) / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(ok, 50),
            "p95_ms": percentile(ok, 95),
            "p99_ms": percentile(ok, 99),
            "crisis_p50_ms": percentile(crisis, 50),
            "crisis_p95_ms": percentile(crisis, 95),
        }


def percentile(values: List[float], p: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def by_turn(result: LoadResult, turn: int) -> float:
    return statistics.median([s.ms for s in result.samples if s.turn == turn and s.status == 200] or [float("nan")])


def run_load(port: int, conversations: List[List[Turn]], visitors: int) -> LoadResult:
    """Share `conversations` among `visitors` threads; returns when all are done."""
    shares = [conversations[i::visitors] for i in range(visitors)]
    samples: List[List[Sample]] = [[] for _ in range(visitors)]
    start = threading.Barrier(visitors + 1)

    def visit(index: int) -> None:
        visitor = Visitor(port)
        start.wait()
        for conversation in shares[index]:
            visitor.new_conversation()
            for number, turn in enumerate(conversation, 1):
                began = time.perf_counter()
                status, _ = visitor.say(turn.text)
                samples[index].append(Sample(turn.kind, number, (time.perf_counter() - began) * 1000, status))
        visitor.close()

    threads = [threading.Thread(target=visit, args=(i,), daemon=True) for i in range(visitors)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result = LoadResult(visitors, time.perf_counter() - began)
    result.samples = [s for visitor_samples in samples for s in visitor_samples]
    return result


def memory_mb(pid: int) -> Dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of one process."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": fields.get("VmRSS", 0.0), "peak_rss_mb": fields.get("VmHWM", 0.0)}
