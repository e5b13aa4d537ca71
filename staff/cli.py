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

from staff import batch as batch_table
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


def write_batch(
    explanations: List[Dict[str, Any]], sources: List[Dict[str, str]], extra: List[str], out: Path, model: str
) -> Dict[str, Any]:
    rows = [batch_table.result_row(source, e) for source, e in zip(sources, explanations)]
    counts = batch_table.summary(rows)
    csv_path, html_path = out.with_suffix(".csv"), out.with_suffix(".html")
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    csv_path.write_text(batch_table.to_csv(rows, extra), encoding="utf-8")
    summary = [f"Model: {model}"] + batch_table.summary_lines(counts)
    reports.write_html(html_path, "Batch review", summary, batch_table.RESULT_COLUMNS + extra, rows)
    return {"csv": csv_path, "html": html_path, "counts": counts, "rows": rows}


def cmd_batch(args: argparse.Namespace) -> int:
    path = Path(args.input)
    kind = path.suffix if path.suffix.lower() in (".csv", ".yml", ".yaml") else "txt"
    try:
        sources, extra = batch_table.read_table(path.read_text(encoding="utf-8"), kind)
        batch_table.check_size(sources)
    except batch_table.BatchError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 2
    explanations = batch(load_agent(args.model), [s["phrasing"] for s in sources])
    result = write_batch(explanations, sources, extra, Path(args.out), args.model)
    print("\n".join(batch_table.summary_lines(result["counts"])))
    print(f"Report: {result['csv']} and {result['html']}")
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
