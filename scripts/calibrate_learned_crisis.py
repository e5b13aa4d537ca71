"""How the learned crisis layer trades recall for false positives, to choose its threshold.

For each threshold, prints (on the dev set, then on the evaluation set): the recall of the learned
layer alone (lexicon switched off), and the whole crisis decision's recall and false-positive rate.
config.yml's `learned_crisis_threshold` was chosen from this table (README, "How it decides").
Usage: python scripts/calibrate_learned_crisis.py [--model models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from channels.local import LocalChat  # noqa: E402
from guardrails import crisis, router  # noqa: E402

SETS = {"dev": ROOT / "tests/guardrails/crisis_dev.yml", "eval": ROOT / "tests/guardrails/crisis_cases.yml"}
THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    args = parser.parse_args()
    chat = LocalChat.load(args.model)
    seen = {}
    real_learned, real_assess = router.learned_crisis, crisis.assess

    def spy(ranking):
        seen["learned"] = real_learned(ranking)
        return seen["learned"]

    def learned_total(text: str) -> float:
        """The learned layer's crisis probability, with the lexicon switched off."""
        router.learned_crisis, crisis.assess = spy, (lambda _: None)
        try:
            chat.parse(text)
        finally:
            router.learned_crisis, crisis.assess = real_learned, real_assess
        name, total = seen["learned"]
        return total if name else 0.0

    def crisis_by(verdict: object | None, total: float, threshold: float) -> bool:
        if verdict is not None:
            return not verdict.vetoed
        return total >= threshold

    for label, path in SETS.items():
        cases = yaml.safe_load(path.read_text(encoding="utf-8"))
        pos = [(real_assess(c["text"]), learned_total(c["text"])) for c in cases["positives"]]
        neg = [(real_assess(c["text"]), learned_total(c["text"])) for c in cases["negatives"]]
        print(f"{label}: {len(pos)} positives, {len(neg)} hard negatives")
        for t in THRESHOLDS:
            alone = sum(total >= t for _, total in pos) / len(pos)
            recall = sum(crisis_by(v, s, t) for v, s in pos) / len(pos)
            fpr = sum(crisis_by(v, s, t) for v, s in neg) / len(neg)
            print(f"  threshold {t:4}: learned alone recall {alone:6.1%}   whole recall {recall:6.1%}   FPR {fpr:5.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
