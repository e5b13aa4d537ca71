"""Score guardrails/crisis.py on the held-out evaluation set tests/guardrails/crisis_cases.yml.

Prints recall per kind, overall recall, kind accuracy and the false-positive rate, then lists every
miss, wrong kind and false positive. Exits 1 on any miss or when the false-positive rate is above 2%.
tests/guardrails/test_crisis_detector.py imports `evaluate` so the figures are computed in one place.

    .venv/bin/python scripts/eval_crisis.py [--batch fresh] [--path cases.yml]

--path (alias --cases) scores another file in the same format, e.g. the calibration set
tests/guardrails/crisis_dev.yml. That set was used to tune the lexicon (2026-11), so its figures are
tuning figures, not an unbiased estimate; the exit code is computed the same way for any file.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from guardrails.crisis import KINDS, assess  # noqa: E402

CASES = ROOT / "tests" / "guardrails" / "crisis_cases.yml"
MAX_FPR = 0.02


@dataclass
class Report:
    positives: int = 0
    negatives: int = 0
    detected: Counter = field(default_factory=Counter)  # kind -> positives detected as any crisis
    total: Counter = field(default_factory=Counter)  # kind -> positives
    misses: List[Tuple[str, str]] = field(default_factory=list)  # (expected kind, text)
    wrong_kind: List[Tuple[str, str, str]] = field(default_factory=list)  # (expected, got, text)
    false_positives: List[Tuple[str, str, str]] = field(default_factory=list)  # (got, pattern, text)
    wrong_route: List[Tuple[str, str | None, str]] = field(default_factory=list)  # (expected, got, text)

    @property
    def recall(self) -> float:
        return sum(self.detected.values()) / self.positives if self.positives else 1.0

    @property
    def kind_accuracy(self) -> float:
        right = sum(self.detected.values()) - len(self.wrong_kind)
        return right / self.positives if self.positives else 1.0

    @property
    def fpr(self) -> float:
        return len(self.false_positives) / self.negatives if self.negatives else 0.0

    @property
    def passed(self) -> bool:
        return not self.misses and self.fpr <= MAX_FPR


def load_cases(path: Path = CASES) -> Dict[str, list]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {"positives": doc.get("positives") or [], "negatives": doc.get("negatives") or []}


def evaluate(path: Path = CASES, batch: str | None = None) -> Report:
    cases = load_cases(path)
    report = Report()
    for case in cases["positives"]:
        if batch and case.get("batch") != batch:
            continue
        report.positives += 1
        report.total[case["kind"]] += 1
        verdict = assess(case["text"])
        if verdict is None or verdict.vetoed:
            report.misses.append((case["kind"], case["text"]))
            continue
        report.detected[case["kind"]] += 1
        if verdict.kind != case["kind"]:
            report.wrong_kind.append((case["kind"], verdict.kind, case["text"]))
    for case in cases["negatives"]:
        if batch and case.get("batch") != batch:
            continue
        report.negatives += 1
        verdict = assess(case["text"])
        if verdict is not None and not verdict.vetoed:
            report.false_positives.append((verdict.kind, verdict.pattern, case["text"]))
        elif case.get("route") and (verdict is None or verdict.intent != case["route"]):
            report.wrong_route.append((case["route"], verdict.intent if verdict else None, case["text"]))
    return report


def format_report(r: Report) -> str:
    lines = [f"{'kind':<20}{'recall':>10}{'n':>6}"]
    for kind in KINDS:
        if r.total[kind]:
            lines.append(f"{kind:<20}{r.detected[kind] / r.total[kind]:>10.1%}{r.total[kind]:>6}")
    lines += [
        f"overall recall      {r.recall:.1%} ({sum(r.detected.values())}/{r.positives})",
        f"kind accuracy       {r.kind_accuracy:.1%} ({len(r.wrong_kind)} wrong kind)",
        f"false-positive rate {r.fpr:.1%} ({len(r.false_positives)}/{r.negatives}, limit {MAX_FPR:.0%})",
    ]
    if r.misses:
        lines.append("\nMISSES (crisis not detected):")
        lines += [f"  [{k}] {t}" for k, t in r.misses]
    if r.false_positives:
        lines.append("\nFALSE POSITIVES:")
        lines += [f"  [{k} via {p}] {t}" for k, p, t in r.false_positives]
    if r.wrong_kind:
        lines.append("\nWRONG KIND (detected, routed to another crisis reply):")
        lines += [f"  expected {e}, got {g}: {t}" for e, g, t in r.wrong_kind]
    if r.wrong_route:
        lines.append("\nTOPIC QUESTIONS NOT ROUTED TO THEIR INFORMATIONAL INTENT (not a failure):")
        lines += [f"  expected {e}, got {g}: {t}" for e, g, t in r.wrong_route]
    lines.append("\nPASS" if r.passed else "\nFAIL")
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        "--path",
        dest="cases",
        type=Path,
        default=CASES,
        help="cases file to score (default: the evaluation set); e.g. tests/guardrails/crisis_dev.yml",
    )
    parser.add_argument("--batch", help="score only cases with this batch label (e.g. fresh)")
    args = parser.parse_args(argv)
    report = evaluate(args.cases, args.batch)
    print(format_report(report))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
