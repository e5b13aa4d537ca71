"""The benchmarks' message mix: what visitors of a PTSD-treatment site send, from the evaluation sets.

One definition for `make bench` and `make soak`. A conversation is drawn segment by segment: an FAQ
question (held-out phrasings), a crisis message, a kratom dose ask (a whole multi-turn dose
conversation with its follow-ups, or a single ask), or other text (out of scope, chit-chat, crisis
hard negatives such as "this paperwork is killing me"). A fixed seed gives the same conversations
every run. Nothing here is training data: the sources are tests/heldout and tests/guardrails.
"""

from __future__ import annotations

import random
from typing import Dict, List, NamedTuple

from scripts import eval_crisis, eval_kratom
from scripts.eval_intents import held_out

# Share of conversation segments by kind.
MIX = {"faq": 0.55, "crisis": 0.10, "kratom": 0.15, "other": 0.20}


class Turn(NamedTuple):
    kind: str
    text: str


def load_segments() -> Dict[str, List[List[str]]]:
    """Each kind's segments (lists of consecutive messages) from the evaluation sets."""
    phrasings = held_out()
    crisis = eval_crisis.load_cases()
    kratom = eval_kratom.load_cases()
    dose = kratom["dose_requests"]["kratom"] + kratom.get("fresh_dose_kratom", [])
    return {
        "faq": [[t] for intent, texts in phrasings.items() if intent.startswith("faq_") for t in texts],
        "crisis": [[case["text"]] for case in crisis["positives"]],
        "kratom": [[text for text, _ in turns] for turns in kratom["multi_turn"]] + [[t] for t in dose],
        "other": [[t] for intent, texts in phrasings.items() if not intent.startswith("faq_") for t in texts]
        + [[case["text"]] for case in crisis["negatives"]],
    }


def conversation(rng: random.Random, segments: Dict[str, List[List[str]]], turns: int) -> List[Turn]:
    """`turns` messages drawn segment by segment in the MIX proportions."""
    kinds, weights = list(MIX), list(MIX.values())
    messages: List[Turn] = []
    while len(messages) < turns:
        kind = rng.choices(kinds, weights)[0]
        messages += [Turn(kind, text) for text in rng.choice(segments[kind])]
    return messages[:turns]


def conversations(count: int, turns: int, seed: int = 7) -> List[List[Turn]]:
    rng, segments = random.Random(seed), load_segments()
    return [conversation(rng, segments, turns) for _ in range(count)]
