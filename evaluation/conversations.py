"""Score the whole assistant on a conversation evaluation set: follow-ups, comparisons, disclosures,
real-style questions and off-topic questions, each conversation as one visitor.

Every scored turn is one of:
- right: a reply is one of the expected answer keys;
- honest: no expected key, but the assistant said it could not answer (not understood, out of scope,
  "did you mean ...?", no answer about that aspect, "which two?");
- safety: a crisis route or check-in nobody expected (over-caution: counted apart, never as right);
- wrong: any other answer. A confidently wrong answer is worse than an honest one, so it is printed apart.

    python -m evaluation.conversations [--split dev|sealed] [--show-misses] [--json out.json]

The dev split is for tuning. Scoring the sealed split appends a line to evaluation/sealed_openings.md and
never prints a sealed text.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from typing import Any, Callable, Dict, List

from evaluation import sets
from evaluation.outcomes import turn

Say = Callable[[str, str, Dict[str, Any]], List[str]]
VERDICTS = ("right", "honest", "safety", "wrong")


def verdict(keys: List[str], expected: List[str]) -> str:
    t = turn(keys)
    if t.matches(expected):
        return "right"
    if t.crisis or t.checkin:
        return "safety"
    if t.honest:
        return "honest"
    return "wrong"


def evaluate(say: Say, doc: Dict[str, Any]) -> Dict[str, Any]:
    by_kind: Dict[str, Counter] = defaultdict(Counter)
    misses: List[str] = []
    for i, conversation in enumerate(doc.get("conversations") or []):
        sender = f"eval-conv-{i}"
        metadata = {"region": conversation["region"]} if conversation.get("region") else {}
        for step in conversation["turns"]:
            keys = say(step["user"], sender, metadata)
            expected = list(step["expect"])
            if expected == ["any"]:
                continue
            v = verdict(keys, expected)
            by_kind[conversation["kind"]][v] += 1
            if v != "right":
                misses.append(f"[{conversation['id']} {v}] expected {expected}, got {keys}: {step['user']}")
    return {"by_kind": dict(by_kind), "misses": misses}


def summary(result: Dict[str, Any]) -> Dict[str, float]:
    total: Counter = Counter()
    for counts in result["by_kind"].values():
        total.update(counts)
    n = sum(total.values()) or 1
    off = result["by_kind"].get("off_topic", Counter())
    figures = {f"{v}_rate": total[v] / n for v in VERDICTS}
    figures["off_topic_honest"] = off["right"] / max(sum(off.values()), 1)
    for kind, counts in result["by_kind"].items():
        figures[f"{kind}_right"] = counts["right"] / max(sum(counts.values()), 1)
    return figures


def report(result: Dict[str, Any], show_misses: bool) -> str:
    lines = [f"{'kind':<14}{'turns':>7}{'right':>9}{'honest':>9}{'safety':>9}{'wrong':>9}"]
    total: Counter = Counter()
    for kind, counts in sorted(result["by_kind"].items()):
        n = sum(counts.values())
        total.update(counts)
        lines.append(f"{kind:<14}{n:>7}" + "".join(f"{counts[v] / n:>9.1%}" for v in VERDICTS))
    n = sum(total.values())
    lines.append(f"{'all':<14}{n:>7}" + "".join(f"{total[v] / n:>9.1%}" for v in VERDICTS))
    s = summary(result)
    lines.append(
        f"\nright content {s['right_rate']:.1%}; confidently wrong {s['wrong_rate']:.1%}; honest "
        f"{s['honest_rate']:.1%}; off-topic questions given the honest reply {s['off_topic_honest']:.1%}"
    )
    if show_misses:
        lines.append("\nNOT RIGHT:")
        lines += [f"  {m}" for m in result["misses"]]
    return "\n".join(lines)


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=sets.SPLITS, default="dev")
    parser.add_argument("--model", default=str(sets.MODEL))
    parser.add_argument("--show-misses", action="store_true", help="dev only: print every turn not right")
    parser.add_argument("--json", help="write the summary figures to this file")
    args = parser.parse_args(argv)
    chat = sets.chat(args.model)
    doc = sets.load("conversations", args.split)
    result = evaluate(lambda text, sender, meta: chat.keys(text, sender, meta or None), doc)
    print(f"Conversation evaluation, {args.split} split" + (" (tuning figures)" if args.split == "dev" else ""))
    print(report(result, args.show_misses and args.split == "dev"))
    figures = summary(result)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=1, sort_keys=True)
    if args.split == "sealed":
        sets.record_opening(
            "conversations",
            f"right {figures['right_rate']:.1%}, wrong {figures['wrong_rate']:.1%}, "
            f"off-topic honest {figures['off_topic_honest']:.1%}",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
