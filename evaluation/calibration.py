"""Calibration curves for the crisis layers on the development split, and the band they lead to.

For each layer alone (the lexicon, the learned crisis scorer, the intent classifier's crisis belief) it
prints precision and recall at each threshold, crisis messages against hard negatives. Then, for pairs
of bars (check-in from, crisis route from), what the whole guardrail would do: crisis messages caught
(route or check-in) and routed, hard negatives routed and checked in. config.yml's GuardrailRouter bars
were chosen from this table (evaluation/README.md says how).

    python -m evaluation.calibration [--split dev]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import Dict, List, Tuple

import yaml

from evaluation import sets
from guardrails import crisis, router

THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
CHECKIN_BARS = (0.2, 0.3, 0.4, 0.5, 0.6)
CRISIS_BARS = (0.7, 0.8, 0.9, 0.95, 0.99)


def configured(component_name: str) -> Dict:
    """A pipeline component's settings in config.yml (the one home of every bar the table uses)."""
    config = yaml.safe_load((sets.ROOT / "config.yml").read_text(encoding="utf-8"))
    for component in config.get("pipeline") or []:
        if str(component.get("name", "")).endswith(component_name):
            return component
    raise SystemExit(f"config.yml has no {component_name}")


def configured_band() -> router.Band:
    """The bars config.yml gives the GuardrailRouter: the row the table marks."""
    component = configured("GuardrailRouter")
    return router.Band(**{k: v for k, v in component.items() if k in router.Band.__dataclass_fields__})


# (is crisis, text, learned probability, classifier crisis belief, the answer the classifier would give)
Case = Tuple[bool, str, float, float, str]


def score_cases(chat, doc) -> List[Case]:
    fallback_bar = float(configured("FallbackClassifier")["threshold"])  # below it: "not understood"
    cases = []
    for case in doc["cases"]:
        parse = chat.parse(case["text"])
        score = parse.get("crisis_score") or {}
        cases.append(
            (
                case["label"] == "crisis",
                case["text"],
                float(score.get("probability") or 0.0),
                float(score.get("classifier_mass") or 0.0),
                router.best_answer(router.ranking_pairs(parse.get("intent_ranking") or []), fallback_bar),
            )
        )
    return cases


def curve(cases: List[Case], signal) -> List[Tuple[float, float, float, float]]:
    """(threshold, precision, recall, false-positive rate) for one layer alone."""
    pos = sum(1 for c in cases if c[0])
    neg = len(cases) - pos
    rows = []
    for t in THRESHOLDS:
        tp = sum(1 for c in cases if c[0] and signal(c) >= t)
        fp = sum(1 for c in cases if not c[0] and signal(c) >= t)
        rows.append((t, tp / (tp + fp) if tp + fp else 1.0, tp / pos, fp / neg))
    return rows


def whole(cases: List[Case], band: router.Band) -> Dict[str, float]:
    """The guardrail's decision for each message on its own, with these bars (router.route, lexicon included)."""
    out = {"caught": 0, "routed": 0, "neg_routed": 0, "neg_checkin": 0}
    pos = sum(1 for c in cases if c[0])
    for is_crisis, text, probability, _, answer in cases:
        routing = router.route(text, answer, [], probability=probability, band=band)
        routed = bool(routing.intent and routing.intent.startswith(router.CRISIS_PREFIX))
        checked = routing.intent == router.CHECKIN_INTENT
        if is_crisis:
            out["caught"] += routed or checked
            out["routed"] += routed
        else:
            out["neg_routed"] += routed
            out["neg_checkin"] += checked
    neg = len(cases) - pos
    return {
        "caught": out["caught"] / pos,
        "routed": out["routed"] / pos,
        "neg_routed": out["neg_routed"] / neg,
        "neg_checkin": out["neg_checkin"] / neg,
    }


def lexicon_point(cases: List[Case], include_soft: bool) -> Tuple[float, float, float]:
    def fires(text: str) -> bool:
        v = crisis.assess(text)
        return v is not None and not v.vetoed and (include_soft or not v.soft)

    pos = sum(1 for c in cases if c[0])
    tp = sum(1 for c in cases if c[0] and fires(c[1]))
    fp = sum(1 for c in cases if not c[0] and fires(c[1]))
    return (tp / (tp + fp) if tp + fp else 1.0, tp / pos, fp / (len(cases) - pos))


def report(cases: List[Case]) -> str:
    pos = sum(1 for c in cases if c[0])
    lines = [f"{pos} crisis messages, {len(cases) - pos} hard negatives (dev split: tuning figures)", ""]
    for soft in (False, True):
        p, r, f = lexicon_point(cases, soft)
        name = "lexicon, strong and soft patterns" if soft else "lexicon, strong patterns"
        lines.append(f"{name:<36} precision {p:6.1%}  recall {r:6.1%}  false-positive rate {f:6.1%}")
    for name, signal in (
        ("learned crisis scorer", lambda c: c[2]),
        ("intent classifier's crisis belief", lambda c: c[3]),
    ):
        lines += ["", f"{name} alone", f"  {'threshold':>9}{'precision':>11}{'recall':>9}{'FPR':>8}"]
        lines += [f"  {t:>9.2f}{p:>11.1%}{r:>9.1%}{f:>8.1%}" for t, p, r, f in curve(cases, signal)]
    lines += [
        "",
        "whole guardrail, one message on its own: crisis caught / routed | hard negatives routed / checked in",
        f"  {'check-in from':>13}{'crisis from':>12}{'caught':>9}{'routed':>9}{'neg route':>11}{'neg check-in':>14}",
    ]
    chosen = configured_band()
    for c_in in sorted({*CHECKIN_BARS, chosen.checkin_from}):
        for c_route in sorted({*CRISIS_BARS, chosen.crisis_from}):
            w = whole(cases, dataclasses.replace(chosen, checkin_from=c_in, crisis_from=c_route))
            mark = "  <- config.yml" if (c_in, c_route) == (chosen.checkin_from, chosen.crisis_from) else ""
            lines.append(
                f"  {c_in:>13.2f}{c_route:>12.2f}{w['caught']:>9.1%}{w['routed']:>9.1%}"
                f"{w['neg_routed']:>11.1%}{w['neg_checkin']:>14.1%}{mark}"
            )
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(sets.MODEL))
    args = parser.parse_args(argv)
    chat = sets.chat(args.model)
    print(report(score_cases(chat, sets.load("crisis", "dev"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
