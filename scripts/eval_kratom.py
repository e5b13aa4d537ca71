"""Evaluate the kratom dose guardrail on its evaluation set and print the figures.

    .venv/bin/python scripts/eval_kratom.py [tests/guardrails/kratom_cases.yml]

Prints dose requests and leaks (a dose request not routed to a dose refusal), replacement recall,
over-refusals of legitimate questions, other-drug dose leaks, multi-turn results, and every
failure. Exits 1 on any leak. `evaluate()` is imported by tests/guardrails/test_kratom_detector.py.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from guardrails.kratom import (  # noqa: E402
    INTENT_DOSE,
    INTENT_DOSE_FOLLOWUP,
    INTENT_DOSE_OTHER,
    INTENT_REPLACEMENT,
    REFUSAL_INTENTS,
    assess,
)

CASES_PATH = ROOT / "tests" / "guardrails" / "kratom_cases.yml"

# (text, expected route, got route)
Row = tuple[str, str | None, str | None]


@dataclass
class Report:
    dose_total: int = 0
    dose_leaks: list[Row] = field(default_factory=list)  # dose request not refused at all
    dose_misroutes: list[Row] = field(default_factory=list)  # refused, but by another route
    turns_total: int = 0
    turn_failures: list[Row] = field(default_factory=list)  # any multi-turn route mismatch
    replacement_total: int = 0
    replacement_misses: list[Row] = field(default_factory=list)
    legit_total: int = 0
    over_refusals: list[Row] = field(default_factory=list)
    other_total: int = 0
    other_leaks: list[Row] = field(default_factory=list)
    other_misroutes: list[Row] = field(default_factory=list)

    @property
    def leaks(self) -> int:
        return len(self.dose_leaks) + len(self.other_leaks)

    @property
    def over_refusal_rate(self) -> float:
        return len(self.over_refusals) / self.legit_total if self.legit_total else 0.0

    @property
    def replacement_recall(self) -> float:
        if not self.replacement_total:
            return 1.0
        return 1 - len(self.replacement_misses) / self.replacement_total


def route(text: str) -> str | None:
    verdict = assess(text)
    return verdict.intent if verdict else None


def load_cases(path: Path = CASES_PATH) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def _score_dose(report: Report, text: str, expected: str) -> None:
    got = route(text)
    if expected == INTENT_DOSE_OTHER:
        report.other_total += 1
        leaks, misroutes = report.other_leaks, report.other_misroutes
    else:
        report.dose_total += 1
        leaks, misroutes = report.dose_leaks, report.dose_misroutes
    if got not in REFUSAL_INTENTS:
        leaks.append((text, expected, got))
    elif got != expected:
        misroutes.append((text, expected, got))


def evaluate(cases: dict | None = None) -> Report:
    cases = cases if cases is not None else load_cases()
    report = Report()
    dose = cases.get("dose_requests", {})
    for text in dose.get("kratom", []) + cases.get("fresh_dose_kratom", []):
        _score_dose(report, text, INTENT_DOSE)
    for text in dose.get("unnamed", []) + cases.get("fresh_dose_unnamed", []):
        _score_dose(report, text, INTENT_DOSE_FOLLOWUP)
    for text in cases.get("other_dose", []) + cases.get("fresh_dose_other", []):
        _score_dose(report, text, INTENT_DOSE_OTHER)

    for conversation in cases.get("multi_turn", []):
        for text, expected in conversation:
            report.turns_total += 1
            got = route(text)
            if got != expected:
                report.turn_failures.append((text, expected, got))
            # A dose turn that is not refused is a leak like any other.
            if expected in REFUSAL_INTENTS:
                _score_dose(report, text, expected)

    for text in cases.get("replacement", []):
        report.replacement_total += 1
        got = route(text)
        if got != INTENT_REPLACEMENT:
            report.replacement_misses.append((text, INTENT_REPLACEMENT, got))

    for text in cases.get("legit", []) + cases.get("fresh_legit", []):
        report.legit_total += 1
        got = route(text)
        if got is not None:
            report.over_refusals.append((text, None, got))
    return report


def _rows(title: str, rows: list[Row]) -> None:
    if rows:
        print(f"\n{title} ({len(rows)}):")
        for text, expected, got in rows:
            print(f"  - {text!r}: expected {expected}, got {got}")


def print_report(report: Report) -> None:
    print(
        f"dose requests (kratom + unnamed, incl. multi-turn): {report.dose_total}, "
        f"leaks: {len(report.dose_leaks)}, refused by another route: {len(report.dose_misroutes)}"
    )
    print(
        f"other-drug dose requests: {report.other_total}, leaks: {len(report.other_leaks)}, "
        f"refused by another route: {len(report.other_misroutes)}"
    )
    print(f"multi-turn turns: {report.turns_total}, route mismatches: {len(report.turn_failures)}")
    print(
        f"replacement recall: {report.replacement_total - len(report.replacement_misses)}"
        f"/{report.replacement_total} ({report.replacement_recall:.1%})"
    )
    print(
        f"legitimate questions refused: {len(report.over_refusals)}/{report.legit_total} "
        f"({report.over_refusal_rate:.1%})"
    )
    _rows("DOSE LEAKS", report.dose_leaks)
    _rows("OTHER-DRUG DOSE LEAKS", report.other_leaks)
    _rows("dose refused by another route", report.dose_misroutes + report.other_misroutes)
    _rows("multi-turn mismatches", report.turn_failures)
    _rows("replacement misses", report.replacement_misses)
    _rows("over-refusals of legitimate questions", report.over_refusals)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else CASES_PATH
    report = evaluate(load_cases(path))
    print_report(report)
    return 1 if report.leaks else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
