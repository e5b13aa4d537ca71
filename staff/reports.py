"""Batch and diff reports (CSV and HTML) built from explanations. Every text in the HTML is escaped."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any, Dict, Iterable, List

import yaml

BATCH_COLUMNS = ["phrasing", "intent", "confidence", "answer_keys", "why", "flags", "reply_text"]
DIFF_COLUMNS = ["phrasing", "answer_keys_a", "answer_keys_b", "intent_a", "intent_b", "why_a", "why_b", "flags_b"]


def read_phrasings(path: Path) -> List[str]:
    """One phrasing a line (.txt; blank lines and lines starting with # skipped), a CSV with a
    `phrasing`, `message` or `text` column (else the first column), or a YAML list of strings."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".csv":
        rows = list(csv.reader(io.StringIO(raw)))
        if not rows:
            return []
        header = [h.strip().lower() for h in rows[0]]
        for name in ("phrasing", "message", "text"):
            if name in header:
                col = header.index(name)
                return [r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()]
        return [r[0].strip() for r in rows if r and r[0].strip()]
    if path.suffix.lower() in (".yml", ".yaml"):
        doc = yaml.safe_load(raw) or []
        return [str(x).strip() for x in doc if str(x).strip()]
    return [line.strip() for line in raw.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def why(explanation: Dict[str, Any]) -> str:
    """One line: which guardrail or policy chose the reply, and by which rule."""
    parts = []
    guard = explanation.get("guardrail") or {}
    if guard:
        state = "set aside" if guard.get("demoted") or guard.get("vetoed") else "fired"
        where = f"pattern {guard['pattern']}" if guard.get("pattern") else f"layer {guard.get('layer')}"
        parts.append(f"guardrail {guard.get('guard')}/{guard.get('kind')} {state} ({where})")
    for action in explanation.get("actions") or []:
        rule = f' rule "{action["rule"]}"' if action.get("rule") else ""
        parts.append(f"{action['action']} by {action['policy']}{rule}")
    return "; ".join(parts)


def batch_row(explanation: Dict[str, Any]) -> Dict[str, str]:
    return {
        "phrasing": explanation["message"],
        "intent": explanation["intent"]["name"] or "",
        "confidence": f"{explanation['intent']['confidence']:.3f}",
        "answer_keys": " + ".join(k or "" for k in explanation["answer_keys"]),
        "why": why(explanation),
        "flags": ", ".join(explanation["flags"]),
        "reply_text": "\n\n".join(r["text"] for r in explanation["replies"]),
    }


def diff_row(a: Dict[str, Any], b: Dict[str, Any]) -> Dict[str, str]:
    return {
        "phrasing": a["message"],
        "answer_keys_a": " + ".join(k or "" for k in a["answer_keys"]),
        "answer_keys_b": " + ".join(k or "" for k in b["answer_keys"]),
        "intent_a": a["intent"]["name"] or "",
        "intent_b": b["intent"]["name"] or "",
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
            css = ' class="flag"' if c.startswith("flags") and row.get(c) else ""
            cells.append(f"<td{css}><pre>{esc(row.get(c, ''))}</pre></td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def batch_summary(rows: List[Dict[str, str]], model: str) -> List[str]:
    flagged = {
        name: sum(1 for r in rows if name in r["flags"]) for name in ("guardrail:", "fallback", "low_confidence")
    }
    return [
        f"Model: {model}",
        f"Phrasings: {len(rows)}",
        f"Guardrail fired: {flagged['guardrail:']}; fallback: {flagged['fallback']}; "
        f"low confidence: {flagged['low_confidence']}",
    ]
