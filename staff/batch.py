"""Batch review: a table of phrasings in, one row per phrasing out, with the verdict and pass/fail.

The same code serves the terminal (`make staff-batch`) and the staff page's upload. Input: CSV with a
`phrasing` (or `message`, `text`) column and an optional `expected` column (an answer key such as
faq_treatment_emdr, or an intent; `a|b` accepts either); every other column is kept as it is. Also a .txt
file (one phrasing a line) or a YAML list.

A row passes when the expected key is among the reply's answer keys or is its intent. It is *confidently
wrong* when it fails with an ordinary answer chosen at CONFIDENT or more: the assistant was sure, and wrong,
which no fallback will catch.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Tuple

import yaml

PHRASING_COLUMNS = ("phrasing", "message", "text")
CONFIDENT = 0.8
CLASSIFIER_KINDS = ("answered", "compare", "out_of_scope", "aspect_unknown")
MAX_ROWS = 500
RESULT_COLUMNS = [
    "phrasing",
    "expected",
    "result",
    "confident_wrong",
    "verdict",
    "alarm",
    "intent",
    "confidence",
    "answer_keys",
    "flags",
    "reply_text",
]


class BatchError(ValueError):
    """An input table that cannot be read; the message says what to change."""


def read_table(raw: str, kind: str = "csv") -> Tuple[List[Dict[str, str]], List[str]]:
    """(rows with at least `phrasing` and `expected`, the extra column names in their order)."""
    kind = kind.lower().lstrip(".")
    if kind in ("yml", "yaml"):
        doc = yaml.safe_load(raw) or []
        if not isinstance(doc, list):
            raise BatchError("A YAML file must be a list of phrasings.")
        return [{"phrasing": str(x).strip(), "expected": ""} for x in doc if str(x).strip()], []
    if kind == "txt":
        lines = [line.strip() for line in raw.splitlines()]
        return [{"phrasing": x, "expected": ""} for x in lines if x and not x.startswith("#")], []
    table = list(csv.reader(io.StringIO(raw.lstrip("\ufeff"))))
    if not table:
        return [], []
    header = [h.strip() for h in table[0]]
    lowered = [h.lower() for h in header]
    column = next((lowered.index(n) for n in PHRASING_COLUMNS if n in lowered), None)
    if column is None:
        raise BatchError("The CSV needs a column named phrasing (or message, or text), in its first row.")
    expected = lowered.index("expected") if "expected" in lowered else None
    extra = [h for i, h in enumerate(header) if i not in (column, expected) and h]
    rows = []
    for record in table[1:]:
        if len(record) <= column or not record[column].strip():
            continue
        row = {"phrasing": record[column].strip()}
        row["expected"] = record[expected].strip() if expected is not None and len(record) > expected else ""
        for i, name in enumerate(header):
            if name in extra:
                row[name] = record[i] if i < len(record) else ""
        rows.append(row)
    return rows, extra


def check_size(rows: List[Dict[str, str]]) -> None:
    if not rows:
        raise BatchError("No phrasings found.")
    if len(rows) > MAX_ROWS:
        raise BatchError(f"{len(rows)} phrasings: at most {MAX_ROWS} in one batch. Split the file.")


def expected_keys(expected: str) -> List[str]:
    return [x.strip().removeprefix("utter_") for x in expected.split("|") if x.strip()]


def result_row(source: Dict[str, str], explanation: Dict[str, Any]) -> Dict[str, Any]:
    keys = [k for k in explanation["answer_keys"] if k]
    intent = explanation["intent"]["name"] or ""
    confidence = float(explanation["intent"]["confidence"] or 0.0)
    wanted = expected_keys(source.get("expected", ""))
    result = ""
    if wanted:
        result = "pass" if any(w in keys or w == intent for w in wanted) else "fail"
    verdict = explanation["verdict"]
    row = dict(source)
    row.update(
        {
            "result": result,
            # the classifier was sure of an ordinary answer, and it was the wrong one (a guardrail's choice is
            # always "sure": a fail there is a fail, not a confident classifier)
            "confident_wrong": "yes"
            if result == "fail" and confidence >= CONFIDENT and verdict["kind"] in CLASSIFIER_KINDS
            else "",
            "verdict": verdict["text"],
            "verdict_kind": verdict["kind"],
            "alarm": verdict["alarm"] or "",
            "intent": intent,
            "confidence": f"{confidence:.3f}",
            "answer_keys": " + ".join(keys),
            "flags": ", ".join(explanation["flags"]),
            "reply_text": "\n\n".join(r["text"] for r in explanation["replies"]),
        }
    )
    return row


def summary(rows: List[Dict[str, Any]]) -> Dict[str, int]:
    def count(test) -> int:
        return sum(1 for r in rows if test(r))

    return {
        "phrasings": len(rows),
        "with_expected": count(lambda r: r["result"]),
        "passed": count(lambda r: r["result"] == "pass"),
        "failed": count(lambda r: r["result"] == "fail"),
        "confident_wrong": count(lambda r: r["confident_wrong"]),
        "red_alarms": count(lambda r: r["alarm"] == "red"),
        "crisis_routes": count(lambda r: r["verdict_kind"] in ("crisis", "checkin", "followup")),
        "set_aside": count(lambda r: r["verdict_kind"] == "set_aside"),
        "refused": count(lambda r: r["verdict_kind"] == "refused"),
        "fallback": count(lambda r: r["verdict_kind"] == "fallback"),
        "low_confidence": count(lambda r: r["verdict_kind"] == "low_confidence"),
    }


def summary_lines(counts: Dict[str, int]) -> List[str]:
    lines = [f"Phrasings: {counts['phrasings']}"]
    if counts["with_expected"]:
        lines.append(
            f"With an expected answer: {counts['with_expected']}; passed {counts['passed']}, failed {counts['failed']}; "
            f"CONFIDENTLY WRONG (sure, at {round(CONFIDENT * 100)}% or more, and wrong): {counts['confident_wrong']}"
        )
    lines.append(
        f"Crisis route or check-in: {counts['crisis_routes']}; crisis signal set aside: {counts['set_aside']}; "
        f"red alarms: {counts['red_alarms']}; dose refused: {counts['refused']}; not understood: "
        f"{counts['fallback']}; low confidence: {counts['low_confidence']}"
    )
    return lines


def to_csv(rows: List[Dict[str, Any]], extra: List[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=RESULT_COLUMNS + extra, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in RESULT_COLUMNS + extra})
    return out.getvalue()
