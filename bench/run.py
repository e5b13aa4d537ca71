"""`make bench`: our assistant against a plain `rasa init` bot, same machine, same load, one run.

1. Trains our model from scratch (wall time, peak memory of the training process).
2. Starts each server on loopback (cold start = process start to first answered message), warms
   it up, then runs closed-loop REST load with the realistic mix of bench/workload.py: 1 visitor,
   20 concurrent visitors (10-turn conversations), and 1 visitor in 30-turn conversations to see how
   latency grows with conversation length. Server memory is read after the load.
3. Does the same for the plain bot (trained once and cached under results/bench/).
4. Scores the measured model's intent accuracy and crisis recall, so speed never silently costs
   safety, and checks the targets of the performance issue (with the sentence encoder: its cost,
   measured apart, and the looser p50 and memory targets issues 14 and 15 allow for it).
Writes report.json, report.md and latency.png to results/bench/<time>/ and prints the table.
Our server runs as shipped (SQLite tracker store) except the per-visitor rate limit, which is off:
the whole load comes from one address.

Usage: python bench/run.py [--config config.yml] [--endpoints endpoints.yml] [--skip-plain] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import encoder_cost, plain_rasa  # noqa: E402
from bench.client import Visitor  # noqa: E402
from bench.load import by_turn, memory_mb, run_load  # noqa: E402
from bench.workload import conversations  # noqa: E402
from server.local import local_server, quiet_env, sqlite_endpoints  # noqa: E402

# The performance issue's targets, on this 2-core machine.
TARGETS = {
    "one_visitor_p50_ms": 8.0,
    "crisis_p95_ms": 15.0,
    "throughput_ratio_20": 4.0,  # our msgs/s over plain Rasa's at 20 concurrent visitors
    "p95_at_20_ms": 250.0,
    "memory_ratio": 0.70,  # our server memory over plain Rasa's
    "training_s": 60.0,
    "cold_start_s": 20.0,
}
# With the sentence encoder in the pipeline, issues 14 and 15 allow a slower, larger server, and ask the
# bench to print what the encoder costs (bench/encoder_cost.py).
ENCODER_TARGETS = {**TARGETS, "one_visitor_p50_ms": 15.0, "memory_ratio": 0.75}
NO_RATE_LIMIT = {"RATE_LIMIT_PER_MINUTE": "0"}


def train(config: Path, out: Path) -> Dict[str, Any]:
    """Train our model in a child process; wall time and the process's peak resident memory."""
    command = [plain_rasa.RASA, "train", "--config", str(config), "--domain", "domain.yml", "--data", "data"]
    command += ["--out", str(out), "--fixed-model-name", "bench"]
    # An empty cache folder: Rasa reuses components trained earlier with the same config and data,
    # which would time a partial training.
    env = quiet_env({"RASA_CACHE_DIRECTORY": str(out / "rasa-cache")})
    began = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, memory_mb(proc.pid)["peak_rss_mb"])
        except OSError:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - began
    if proc.returncode != 0:
        raise RuntimeError(f"training failed:\n{proc.stderr.read().decode()[-3000:]}")
    return {"model": str(out / "bench.tar.gz"), "training_s": seconds, "training_peak_mb": peak}


def measure(server_context: Any, quick: bool) -> Dict[str, Any]:
    scale = 0.25 if quick else 1.0
    one = conversations(max(4, int(20 * scale)), 10, seed=1)
    twenty = conversations(max(20, int(100 * scale)), 10, seed=2)
    long = conversations(max(2, int(6 * scale)), 30, seed=3)
    began = time.perf_counter()
    with server_context as server:
        status, _ = Visitor(server.port).say("hello")
        cold = time.perf_counter() - began
        assert status == 200, f"first message got {status}"
        run_load(server.port, conversations(4, 10, seed=9), 1)  # warm-up, not counted
        runs = {"1": run_load(server.port, one, 1), "20": run_load(server.port, twenty, 20)}
        growth = run_load(server.port, long, 1)
        memory = memory_mb(server.proc.pid)
    return {
        "cold_start_s": cold,
        **memory,
        "load": {k: r.summary() for k, r in runs.items()},
        "turn_1_ms": by_turn(growth, 1),
        "turn_30_ms": by_turn(growth, 30),
        "by_turn_ms": [by_turn(growth, t) for t in range(1, 31)],
        "latencies": {k: r.latencies() for k, r in runs.items()},
    }


def safety(model: str) -> Dict[str, Any]:
    """Intent accuracy (held-out) and crisis recall/false positives (evaluation sets) of `model`."""
    from channels.local import LocalChat
    from scripts import eval_guardrails_e2e, eval_intents

    chat = LocalChat.load(model)
    intents = eval_intents.evaluate(chat.parse)
    e2e = eval_guardrails_e2e.evaluate(chat.keys)
    return {
        "intent_accuracy": intents.accuracy,
        "crisis_recall": e2e.crisis_recall,
        "crisis_false_positive_rate": e2e.fpr,
        "kratom_dose_leaks": len(e2e.dose_leaks),
    }


def verdicts(ours: Dict[str, Any], plain: Dict[str, Any] | None) -> List[Dict[str, Any]]:
    one, twenty = ours["load"]["1"], ours["load"]["20"]
    targets = ENCODER_TARGETS if ours.get("encoder") else TARGETS
    rows = [
        ("one visitor p50 (ms)", one["p50_ms"], "<=", targets["one_visitor_p50_ms"]),
        ("crisis reply p95, one visitor (ms)", one["crisis_p95_ms"], "<=", TARGETS["crisis_p95_ms"]),
        ("p95 at 20 visitors (ms)", twenty["p95_ms"], "<=", TARGETS["p95_at_20_ms"]),
        ("training (s)", ours["training_s"], "<=", TARGETS["training_s"]),
        ("cold start to first answer (s)", ours["cold_start_s"], "<=", TARGETS["cold_start_s"]),
    ]
    if plain:
        rows.append(
            (
                "msgs/s at 20 visitors, ours / plain",
                twenty["msgs_per_s"] / plain["load"]["20"]["msgs_per_s"],
                ">=",
                TARGETS["throughput_ratio_20"],
            )
        )
        rows.append(("server memory, ours / plain", ours["rss_mb"] / plain["rss_mb"], "<=", targets["memory_ratio"]))
    return [
        {
            "what": what,
            "value": value,
            "target": f"{op} {target:g}",
            "met": value <= target if op == "<=" else value >= target,
        }
        for what, value, op, target in rows
    ]


def markdown(report: Dict[str, Any]) -> str:
    ours, plain = report["ours"], report.get("plain")

    def cell(side: Dict[str, Any] | None, path: List[str], digits: int = 1) -> str:
        if not side:
            return "-"
        value: Any = side
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"

    rows = [
        (
            "1 visitor: p50 / p95 / p99 (ms)",
            [["load", "1", "p50_ms"], ["load", "1", "p95_ms"], ["load", "1", "p99_ms"]],
        ),
        ("1 visitor: crisis p50 / p95 (ms)", [["load", "1", "crisis_p50_ms"], ["load", "1", "crisis_p95_ms"]]),
        ("1 visitor: msgs/s", [["load", "1", "msgs_per_s"]]),
        (
            "20 visitors: p50 / p95 / p99 (ms)",
            [["load", "20", "p50_ms"], ["load", "20", "p95_ms"], ["load", "20", "p99_ms"]],
        ),
        ("20 visitors: msgs/s", [["load", "20", "msgs_per_s"]]),
        ("errors (1 / 20 visitors)", [["load", "1", "errors"], ["load", "20", "errors"]]),
        ("turn 1 / turn 30 p50 (ms)", [["turn_1_ms"], ["turn_30_ms"]]),
        ("server memory after load / peak (MB)", [["rss_mb"], ["peak_rss_mb"]]),
        ("cold start to first answer (s)", [["cold_start_s"]]),
        ("training: wall (s) / peak memory (MB)", [["training_s"], ["training_peak_mb"]]),
    ]
    lines = ["| Measure | Ours | Plain `rasa init` |", "| --- | --- | --- |"]
    for label, paths in rows:
        digits = 0 if "errors" in label or "memory" in label else 1
        ours_cell = " / ".join(cell(ours, p, digits) for p in paths)
        plain_cell = " / ".join(cell(plain, p, digits) for p in paths)
        lines.append(f"| {label} | {ours_cell} | {plain_cell} |")
    lines += ["", "| Target | Value | Target | Met |", "| --- | --- | --- | --- |"]
    for v in report["verdicts"]:
        lines.append(f"| {v['what']} | {v['value']:.2f} | {v['target']} | {'yes' if v['met'] else 'NO'} |")
    s, encoder = report["safety"], ours.get("encoder")
    if encoder:
        lines += [
            "",
            f"Sentence encoder, measured apart (bench/encoder_cost.py): p50 {encoder['p50_ms']:.2f} ms, p95 "
            f"{encoder['p95_ms']:.2f} ms, max {encoder['max_ms']:.2f} ms per message over {encoder['messages']} "
            f"workload messages; +{encoder['rss_added_mb']:.0f} MB resident per process. Targets with it: "
            f"p50 <= {ENCODER_TARGETS['one_visitor_p50_ms']:g} ms, memory <= {ENCODER_TARGETS['memory_ratio']:g} "
            "of plain Rasa's.",
        ]
    lines += [
        "",
        f"Measured model: held-out intent accuracy {s['intent_accuracy']:.3f}, crisis recall "
        f"{s['crisis_recall']:.3f}, crisis false-positive rate {s['crisis_false_positive_rate']:.3f}, "
        f"kratom dose leaks {s['kratom_dose_leaks']}.",
        f"Machine: {report['machine']}",
    ]
    return "\n".join(lines) + "\n"


def plot(report: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for label, side, color in (
        ("ours", report["ours"], "#1d4f7a"),
        ("plain rasa init", report.get("plain"), "#b5651d"),
    ):
        if not side:
            continue
        for level, style in (("1", "-"), ("20", "--")):
            values = sorted(side["latencies"][level])
            if values:
                left.plot(
                    values,
                    [i / len(values) for i in range(1, len(values) + 1)],
                    style,
                    color=color,
                    label=f"{label}, {level} visitor{'s' if level != '1' else ''}",
                )
        right.plot(range(1, 31), side["by_turn_ms"], color=color, label=label)
    left.set(xscale="log", xlabel="reply latency (ms, log)", ylabel="share of replies", title="Latency (CDF)")
    right.set(xlabel="turn in the conversation", ylabel="median latency (ms)", title="Latency by conversation length")
    for axis in (left, right):
        axis.grid(alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def machine() -> str:
    import os
    import platform

    load = os.getloadavg()
    return f"{os.cpu_count()} cores, {platform.python_version()}, load average at end {load[0]:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(ROOT / "config.yml"))
    parser.add_argument("--endpoints", default=str(ROOT / "endpoints.yml"), help="for its tracker store settings")
    parser.add_argument("--skip-plain", action="store_true", help="only our assistant")
    parser.add_argument("--quick", action="store_true", help="a quarter of the messages (a smoke run)")
    parser.add_argument("--out", default=str(ROOT / "results" / "bench"))
    parser.add_argument("--model", help="measure this trained model instead of training one (no training figures)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    if args.model:
        trained = {"model": args.model, "training_s": float("nan"), "training_peak_mb": float("nan")}
    else:
        print("Training our model ...", flush=True)
        trained = train(Path(args.config), work / "models")
    endpoints = sqlite_endpoints(work / "ours" / "conversations.db", Path(args.endpoints))
    print("Measuring our assistant ...", flush=True)
    ours = {
        **trained,
        **measure(
            local_server(work / "ours", Path(trained["model"]), env=NO_RATE_LIMIT, endpoints_yaml=endpoints),
            args.quick,
        ),
    }
    ours["encoder"] = encoder_cost.measure(Path(trained["model"]))
    plain = None
    if not args.skip_plain:
        print("Preparing the plain rasa init bot (cached after the first run) ...", flush=True)
        project, plain_training = plain_rasa.ensure_plain_bot()
        print("Measuring the plain rasa init bot ...", flush=True)
        server = local_server(
            work / "plain",
            plain_rasa.plain_model(project),
            command=[plain_rasa.RASA, "run"],
            credentials=project / "credentials.yml",
            endpoints_yaml=(project / "endpoints.yml").read_text(),
        )
        plain = {"training_s": plain_training, "training_peak_mb": None, **measure(server, args.quick)}
    print("Scoring the measured model ...", flush=True)
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": str(args.config),
        "machine": machine(),
        "ours": ours,
        "plain": plain,
        "safety": safety(trained["model"]),
    }
    report["verdicts"] = verdicts(ours, plain)
    out = Path(args.out) / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True, exist_ok=True)
    table = markdown(report)
    (out / "report.md").write_text(table)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    plot(report, out / "latency.png")
    print(table)
    print(f"Written to {out}/ (report.json, report.md, latency.png)")
    return 0 if all(v["met"] for v in report["verdicts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
