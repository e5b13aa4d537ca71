"""What the sentence encoder costs, measured apart: milliseconds per message and megabytes per process.

Reads the int8 graph and tokenizer out of a trained model (the same files the server loads), then, in a
fresh Python process so nothing else is loaded: resident memory before and after starting the encoder,
and the time to encode each message of the bench workload on one thread. `make bench` prints it beside
the server figures; on its own:

    python bench/encoder_cost.py [--model models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from understanding.encoder_featurizer import GRAPH_FILE, TOKENIZER_FILE, WORDS_FILE  # noqa: E402


def extract(model: Path, folder: Path) -> Path | None:
    """The encoder's files from a trained model, or None when the model has no encoder (light pipeline)."""
    with tarfile.open(model) as archive:
        members = {Path(m.name).name: m for m in archive.getmembers() if "SentenceEncoderFeaturizer" in m.name}
        if GRAPH_FILE not in members:
            return None
        for name in (GRAPH_FILE, TOKENIZER_FILE, WORDS_FILE):
            (folder / name).write_bytes(archive.extractfile(members[name]).read())
    return folder


def _measure_here(folder: Path) -> Dict[str, Any]:
    """Runs in the child process: memory before and after loading, then timings over the workload."""
    from bench.load import memory_mb
    from bench.workload import conversations

    texts = [turn.text for conversation in conversations(40, 10) for turn in conversation]
    before = memory_mb(_pid())["rss_mb"]
    from understanding.encoder.graph import WordTable
    from understanding.encoder.runtime import SentenceEncoder

    words = WordTable.from_bytes((folder / WORDS_FILE).read_bytes())
    encoder = SentenceEncoder((folder / GRAPH_FILE).read_bytes(), (folder / TOKENIZER_FILE).read_text(), words)
    for text in texts[:20]:
        encoder.encode_one(text)  # warm-up
    loaded = memory_mb(_pid())["rss_mb"]
    times, tokens = [], []
    for text in texts:
        start = time.perf_counter()
        encoder.encode_one(text)
        times.append((time.perf_counter() - start) * 1000)
        tokens.append(len(encoder.token_ids(text)))
    times.sort()
    return {
        "messages": len(times),
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
        "median_tokens": statistics.median(tokens),
        "rss_added_mb": loaded - before,
        "graph_mb": (folder / GRAPH_FILE).stat().st_size / 2**20,
    }


def _pid() -> int:
    import os

    return os.getpid()


def measure(model: Path) -> Dict[str, Any] | None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = extract(model, Path(tmp))
        if folder is None:
            return None
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(folder)], capture_output=True, text=True, cwd=ROOT
        )
        if child.returncode != 0:
            raise RuntimeError(f"encoder cost measurement failed:\n{child.stderr[-2000:]}")
        return json.loads(child.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure_here(Path(args.child))))
        return 0
    cost = measure(Path(args.model))
    if cost is None:
        print(f"{args.model} has no sentence encoder (light pipeline)")
        return 0
    print(
        f"sentence encoder: p50 {cost['p50_ms']:.2f} ms, p95 {cost['p95_ms']:.2f} ms, max {cost['max_ms']:.2f} ms "
        f"per message over {cost['messages']} workload messages (median {cost['median_tokens']:.0f} tokens); "
        f"+{cost['rss_added_mb']:.0f} MB resident per process; int8 graph {cost['graph_mb']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
