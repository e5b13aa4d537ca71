"""Staff tools in the terminal.

    python -m staff.cli explain --message "what is emdr" [--format json]
    python -m staff.cli explain --file conversation.txt          (one turn a line, one conversation)
    python -m staff.cli batch --in phrasings.csv --out results/staff/batch   (writes batch.csv + batch.html)
    python -m staff.cli diff --in phrasings.txt --model-a old.tar.gz --model-b new.tar.gz --out results/staff/diff

Every phrasing of a batch or diff is a fresh conversation; the turns of an `explain --file` are one
conversation. The agent runs in-process with an in-memory tracker store: nothing is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path
from typing import Any, Dict, List

from staff import reports
from staff.explain import explain_message, format_text, load_agent

DEFAULT_MODEL = "models/current.tar.gz"


async def _run_batch(agent: Any, phrasings: List[str]) -> List[Dict[str, Any]]:
    return [await explain_message(agent, p, f"staff-batch-{uuid.uuid4().hex}") for p in phrasings]


def batch(agent: Any, phrasings: List[str]) -> List[Dict[str, Any]]:
    return asyncio.run(_run_batch(agent, phrasings))


def cmd_explain(args: argparse.Namespace) -> int:
    if args.file:
        messages = reports.read_phrasings(Path(args.file))
    elif args.message:
        messages = [args.message]
    else:
        print("explain needs --message or --file", file=sys.stderr)
        return 2
    agent = load_agent(args.model)
    sender = f"staff-cli-{uuid.uuid4().hex}"

    async def run() -> List[Dict[str, Any]]:
        return [await explain_message(agent, m, sender) for m in messages]

    explanations = asyncio.run(run())
    if args.format == "json":
        print(json.dumps(explanations if args.file else explanations[0], indent=2, ensure_ascii=False))
    else:
        print("\n\n".join(format_text(e) for e in explanations))
    return 0


def write_batch(explanations: List[Dict[str, Any]], out: Path, model: str) -> Dict[str, Path]:
    rows = [reports.batch_row(e) for e in explanations]
    csv_path, html_path = out.with_suffix(".csv"), out.with_suffix(".html")
    reports.write_csv(csv_path, reports.BATCH_COLUMNS, rows)
    reports.write_html(html_path, "Batch review", reports.batch_summary(rows, model), reports.BATCH_COLUMNS, rows)
    return {"csv": csv_path, "html": html_path}


def cmd_batch(args: argparse.Namespace) -> int:
    phrasings = reports.read_phrasings(Path(args.input))
    explanations = batch(load_agent(args.model), phrasings)
    paths = write_batch(explanations, Path(args.out), args.model)
    flagged = sum(1 for e in explanations if e["flags"])
    print(f"{len(explanations)} phrasings, {flagged} flagged: {paths['csv']} and {paths['html']}")
    return 0


def write_diff(a: List[Dict[str, Any]], b: List[Dict[str, Any]], out: Path, model_a: str, model_b: str) -> Dict:
    rows = [reports.diff_row(x, y) for x, y in zip(a, b)]
    changed = [r for r in rows if r["answer_keys_a"] != r["answer_keys_b"]]
    csv_path, html_path = out.with_suffix(".csv"), out.with_suffix(".html")
    reports.write_csv(csv_path, reports.DIFF_COLUMNS, changed)
    summary = [
        f"Model A: {model_a}",
        f"Model B: {model_b}",
        f"Phrasings: {len(rows)}; answer changed: {len(changed)}",
    ]
    reports.write_html(html_path, "Release review: answers that changed", summary, reports.DIFF_COLUMNS, changed)
    return {"csv": csv_path, "html": html_path, "changed": changed, "total": len(rows)}


def cmd_diff(args: argparse.Namespace) -> int:
    phrasings = reports.read_phrasings(Path(args.input))
    a = batch(load_agent(args.model_a), phrasings)
    b = batch(load_agent(args.model_b), phrasings)
    result = write_diff(a, b, Path(args.out), args.model_a, args.model_b)
    print(
        f"{len(result['changed'])} of {result['total']} phrasings changed answer: {result['csv']} and {result['html']}"
    )
    return 0


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m staff.cli", description="Explain replies; batch and diff reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("explain", help="explain one message or a conversation file")
    p.add_argument("--message", "-m")
    p.add_argument("--file", "-f", help="one message a line (or .csv / .yml), sent as one conversation")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.set_defaults(func=cmd_explain)
    p = sub.add_parser("batch", help="a file of phrasings in, a CSV and HTML report out")
    p.add_argument("--in", dest="input", required=True)
    p.add_argument("--out", default="results/staff/batch", help="path without extension (.csv and .html)")
    p.add_argument("--model", default=DEFAULT_MODEL)
    p.set_defaults(func=cmd_batch)
    p = sub.add_parser("diff", help="which phrasings change answer between two models")
    p.add_argument("--in", dest="input", required=True)
    p.add_argument("--model-a", required=True)
    p.add_argument("--model-b", default=DEFAULT_MODEL)
    p.add_argument("--out", default="results/staff/diff", help="path without extension (.csv and .html)")
    p.set_defaults(func=cmd_diff)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
