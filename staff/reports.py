"""Batch and diff reports (CSV and HTML) built from explanations. Every text in the HTML is escaped."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any, Dict, Iterable, List

from staff import batch
from staff.verdict import guard_record

DIFF_COLUMNS = ["phrasing", "answer_keys_a", "answer_keys_b", "verdict_a", "verdict_b", "why_a", "why_b", "flags_b"]


def read_phrasings(path: Path) -> List[str]:
    """The phrasings of a file as staff/batch.py reads it (.csv with a phrasing column, .txt, .yml); a CSV
    without such a column gives its first column."""
    raw = path.read_text(encoding="utf-8")
    try:
        rows, _ = batch.read_table(raw, path.suffix if path.suffix.lower() in (".csv", ".yml", ".yaml") else "txt")
    except batch.BatchError:
        return [r[0].strip() for r in csv.reader(io.StringIO(raw)) if r and r[0].strip()]
    return [r["phrasing"] for r in rows]


def why(explanation: Dict[str, Any]) -> str:
    """One line: which guardrail or policy chose the reply, and by which rule."""
    parts = []
    guard = guard_record(explanation.get("guardrail"))
    if guard:
        where = f"pattern {guard['pattern']}" if guard.get("pattern") else f"layer {guard.get('layer')}"
        parts.append(f"guardrail {guard.get('guard')}/{guard.get('kind')} {guard['outcome']} ({where})")
    for action in explanation.get("actions") or []:
        rule = f' rule "{action["rule"]}"' if action.get("rule") else ""
        parts.append(f"{action['action']} by {action['policy']}{rule}")
    return "; ".join(parts)


def diff_row(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, str]:
    return {
        "phrasing": a["message"],
        "answer_keys_a": " + ".join(k or "" for k in a["answer_keys"]),
        "answer_keys_b": " + ".join(k or "" for k in b["answer_keys"]),
        "verdict_a": a["verdict"]["text"],
        "verdict_b": b["verdict"]["text"],
        "why_a": why(a),
        "why_b": why(b),
        "flags_b": ", ".join(b["flags"]),
    }


def write_csv(path: Path, columns: List[str], rows: Iterable[Dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})


_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1b1b1b}"
    "table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.4rem;vertical-align:top;"
    "text-align:left;font-size:.9rem}th{background:#eef2f6}td.flag{color:#8a1c1c;font-weight:600}"
    "tr.changed td{background:#fff4e0}pre{white-space:pre-wrap;margin:0;font-family:inherit}"
)


def write_html(path: Path, title: str, summary: List[str], columns: List[str], rows: List[Dict[str, str]]) -> None:
    """A static report (a file, not served): escaped text only, no scripts."""
    esc = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in summary) + "</ul>",
        "<table><thead><tr>" + "".join(f"<th scope='col'>{esc(c)}</th>" for c in columns) + "</tr></thead><tbody>",
    ]
    for row in rows:
        cells = []
        for c in columns:
            flagged = c in ("alarm", "confident_wrong") or c.startswith("flags")
            css = ' class="flag"' if (flagged and row.get(c)) or (c == "result" and row.get(c) == "fail") else ""
            cells.append(f"<td{css}><pre>{esc(row.get(c, ''))}</pre></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
