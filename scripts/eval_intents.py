"""Print intent accuracy on the project's held-out phrasings (tests/heldout/, never trained on).

Usage: python scripts/eval_intents.py [--model models/current.tar.gz] [--show-misses]
Reports the accuracy of the final routed intent (after fallback and guardrails), the share that fell
back, and the confidence the classifier gave correct and wrong answers, which is how the
FallbackClassifier threshold in config.yml was chosen.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bank.loader import load_nlu_file  # noqa: E402


@dataclass
class IntentReport:
    total: int = 0
    correct: int = 0
    fallback: int = 0
    misses: List[Tuple[str, str, str, float]] = field(default_factory=list)  # text, expected, got, conf
    correct_conf: List[float] = field(default_factory=list)
    wrong_conf: List[float] = field(default_factory=list)
    per_intent: Dict[str, List[int]] = field(default_factory=dict)  # intent -> [correct, total]

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0


def held_out() -> Dict[str, List[str]]:
    phrasings: Dict[str, List[str]] = {}
    for path in sorted((ROOT / "tests" / "heldout").glob("*.yml")):
        for intent, examples in load_nlu_file(path).items():
            phrasings.setdefault(intent, []).extend(examples)
    return phrasings


def evaluate(parse) -> IntentReport:
    """`parse(text)` returns Rasa parse data; run every held-out phrasing through it."""
    report = IntentReport()
    for expected, texts in held_out().items():
        for text in texts:
            data = parse(text)
            got = data["intent"]["name"]
            real = [r for r in data.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            top_conf = real[0]["confidence"] if real else 0.0
            report.total += 1
            counts = report.per_intent.setdefault(expected, [0, 0])
            counts[1] += 1
            if got == expected:
                report.correct += 1
                counts[0] += 1
                report.correct_conf.append(top_conf)
            else:
                report.misses.append((text, expected, got, top_conf))
                if got == "nlu_fallback":
                    report.fallback += 1
                else:
                    report.wrong_conf.append(top_conf)
    return report


def print_report(report: IntentReport, show_misses: bool) -> None:
    def median(values: List[float]) -> float:
        return statistics.median(values) if values else 0.0

    print(f"held-out phrasings: {report.total} across {len(report.per_intent)} intents")
    print(f"intent accuracy:    {report.accuracy:.3f} ({report.correct}/{report.total})")
    print(f"fell back:          {report.fallback} (honest 'I can answer ...' reply, not a wrong answer)")
    print(f"wrong answers:      {report.total - report.correct - report.fallback}")
    print(f"median confidence:  correct {median(report.correct_conf):.2f}, wrong {median(report.wrong_conf):.2f}")
    weak = sorted((c / t, i) for i, (c, t) in report.per_intent.items() if c < t)
    if weak:
        print("intents below 100%: " + ", ".join(f"{i} {c:.2f}" for c, i in weak))
    if show_misses:
        for text, expected, got, conf in report.misses:
            print(f"  MISS {expected:32} -> {got:32} {conf:.2f}  {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    from channels.local import LocalChat

    report = evaluate(LocalChat.load(args.model).parse)
    print_report(report, args.show_misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
