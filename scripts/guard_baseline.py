"""The quality baseline CI holds the project to: tests/quality_baseline.json.

Usage:
  python scripts/guard_baseline.py            print the case counts and the recorded baseline
  python scripts/guard_baseline.py --check    exit 1 when a crisis or kratom evaluation set has FEWER
                                              cases than recorded (a case was lost), naming the set
  python scripts/guard_baseline.py --record   record the current counts (more cases only raise the bar;
                                              fewer are refused unless --allow-fewer, for a reviewed PR)
  python scripts/guard_baseline.py --record --accuracy 0.82   also set the held-out accuracy baseline

The held-out intent accuracy baseline is checked by tests/test_conversations.py (needs a trained model);
it is taken from ACCURACY_BASELINE in that file the first time the baseline is recorded.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any, Dict

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "quality_baseline.json"
CASE_FILES = {
    "crisis": ROOT / "tests" / "guardrails" / "crisis_cases.yml",
    "kratom": ROOT / "tests" / "guardrails" / "kratom_cases.yml",
}
CONVERSATIONS = ROOT / "tests" / "test_conversations.py"


def _count(prefix: str, node: Any, out: Dict[str, int]) -> None:
    if isinstance(node, list):
        out[prefix] = len(node)
    elif isinstance(node, dict):
        for key, value in node.items():
            _count(f"{prefix}.{key}", value, out)


def case_counts() -> Dict[str, int]:
    """Cases per set: crisis.positives, crisis.negatives, kratom.<section>[.<subsection>]."""
    counts: Dict[str, int] = {}
    for name, path in CASE_FILES.items():
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for section, value in doc.items():
            if section != "version":
                _count(f"{name}.{section}", value, counts)
    return dict(sorted(counts.items()))


def accuracy_from_tests() -> float:
    found = re.search(r"^ACCURACY_BASELINE\s*=\s*([0-9.]+)", CONVERSATIONS.read_text(encoding="utf-8"), re.M)
    if not found:
        raise SystemExit(f"no ACCURACY_BASELINE in {CONVERSATIONS.relative_to(ROOT)}: pass --accuracy")
    return float(found.group(1))


def load_baseline() -> Dict[str, Any]:
    if not BASELINE.exists():
        return {}
    return json.loads(BASELINE.read_text(encoding="utf-8"))


def held_out_accuracy() -> float:
    """The recorded held-out accuracy baseline (for tests/test_conversations.py)."""
    return float(load_baseline()["held_out_accuracy"])


def lost_cases(recorded: Dict[str, int], current: Dict[str, int]) -> Dict[str, tuple]:
    return {name: (count, current.get(name, 0)) for name, count in recorded.items() if current.get(name, 0) < count}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--record", action="store_true")
    parser.add_argument("--accuracy", type=float, help="with --record: the held-out accuracy baseline")
    parser.add_argument("--allow-fewer", action="store_true", help="with --record: accept sets that shrank")
    args = parser.parse_args()

    current = case_counts()
    baseline = load_baseline()
    recorded = baseline.get("case_counts", {})
    lost = lost_cases(recorded, current)

    if args.record:
        if lost and not args.allow_fewer:
            for name, (before, now) in lost.items():
                print(f"{name}: {now} cases, recorded {before}. Refused: pass --allow-fewer in a reviewed PR.")
            return 1
        accuracy = args.accuracy if args.accuracy is not None else baseline.get("held_out_accuracy")
        record = {
            "_comment": "Written by scripts/guard_baseline.py --record. CI fails when a set has fewer cases "
            "(scripts/guard_baseline.py --check) or held-out accuracy falls below held_out_accuracy "
            "(tests/test_conversations.py).",
            "held_out_accuracy": accuracy if accuracy is not None else accuracy_from_tests(),
            "case_counts": current,
        }
        BASELINE.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"recorded {BASELINE.relative_to(ROOT)}: accuracy {record['held_out_accuracy']}, {len(current)} sets")
        return 0

    if not baseline:
        print(f"{BASELINE.relative_to(ROOT)} is missing. Fix: python scripts/guard_baseline.py --record")
        return 1 if args.check else 0
    for name, count in current.items():
        before = recorded.get(name)
        note = "" if before is None else ("" if count == before else f" (recorded {before})")
        print(f"{name}: {count}{note}" + (" NEW: record it" if before is None else ""))
    print(f"held-out accuracy baseline: {baseline.get('held_out_accuracy')}")
    if args.check:
        if lost:
            for name, (before, now) in lost.items():
                file = CASE_FILES[name.split(".", 1)[0]].relative_to(ROOT)
                print(
                    f"LOST CASES {file}: {name} has {now} cases, {before} recorded. Fix: restore them; "
                    "a case is removed only in a reviewed PR that re-records the baseline (--record --allow-fewer)."
                )
            return 1
        grown = [n for n, c in current.items() if c > recorded.get(n, 0)]
        if grown:
            print(f"sets that grew: {', '.join(grown)}. Raise the bar: python scripts/guard_baseline.py --record")
        print("no evaluation set lost a case.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
