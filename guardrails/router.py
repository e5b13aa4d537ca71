"""Decide, for one message, whether a guardrail overrides the learned classifier.

Pure Python (no Rasa imports) so every decision can be unit-tested directly. Order of precedence:
1. crisis, deterministic (lexicon patterns) — wins over everything;
2. crisis, learned (the classifier's crisis intents), unless a hard negative vetoed crisis;
3. kratom and other dose/replacement guards, deterministic;
4. the classifier's own intent (possibly nlu_fallback).
If anything here raises, the caller routes to FAIL_SAFE_INTENT: a crisis-safe reply, never silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Sequence, Tuple

from guardrails import crisis, kratom
from guardrails.hotlines import regions
from guardrails.region import detect_region

CRISIS_PREFIX = "guard_crisis_"
FAIL_SAFE_INTENT = "guard_crisis_general"
FALLBACK_INTENT = "nlu_fallback"
KRATOM_INTENT_PREFIXES = ("faq_kratom_", "guard_kratom_")
OTHER_TOPIC_INTENTS_PREFIX = "faq_"


@dataclass
class Routing:
    intent: str | None = None  # None: keep the classifier's intent
    guardrail: Dict[str, Any] | None = None  # why a guardrail fired, for staff tools
    entities: Dict[str, str] = field(default_factory=dict)  # region / topic for slots


def learned_crisis(ranking: Sequence[Tuple[str, float]]) -> Tuple[str | None, float]:
    """The classifier's top real intent if it is a crisis intent, and the total crisis probability."""
    real = [(name, conf) for name, conf in ranking if name != FALLBACK_INTENT]
    total = sum(conf for name, conf in real if name.startswith(CRISIS_PREFIX))
    if real and real[0][0].startswith(CRISIS_PREFIX):
        return real[0][0], total
    return None, total


def best_non_crisis(ranking: Sequence[Tuple[str, float]], minimum: float) -> str:
    for name, conf in ranking:
        if name != FALLBACK_INTENT and not name.startswith(CRISIS_PREFIX) and conf >= minimum:
            return name
    return FALLBACK_INTENT


def metadata_region(metadata: Dict[str, Any] | None) -> str | None:
    """The region a web chat page was configured with (sent as message metadata)."""
    if isinstance(metadata, dict):
        value = metadata.get("region")
        if isinstance(value, str) and value.lower() in regions():
            return value.lower()
    return None


def topic_of(intent: str, text: str) -> str | None:
    """The conversation topic a message sets: kratom follow-ups ("just a rough number") need it."""
    if intent.startswith(KRATOM_INTENT_PREFIXES) or kratom.mentions_kratom(text):
        return "kratom"
    if intent.startswith(OTHER_TOPIC_INTENTS_PREFIX) or intent == "guard_dose_other":
        return "other"
    return None


def route(
    text: str,
    classifier_intent: str,
    ranking: Sequence[Tuple[str, float]],
    metadata: Dict[str, Any] | None = None,
    learned_crisis_threshold: float = 0.5,
    veto_min_confidence: float = 0.3,
) -> Routing:
    routing = Routing()
    region = detect_region(text) or metadata_region(metadata)
    if region:
        routing.entities["region"] = region

    verdict = crisis.assess(text)
    if verdict is not None and not verdict.vetoed:
        routing.intent = verdict.intent
        routing.guardrail = dict(verdict.as_dict(), layer="deterministic")
    elif verdict is not None:  # a hard negative: idiom, negation or a question about the topic
        learned, _ = learned_crisis(ranking)
        if verdict.intent:
            routing.intent = verdict.intent
        elif learned or classifier_intent.startswith(CRISIS_PREFIX):
            routing.intent = best_non_crisis(ranking, veto_min_confidence)
        routing.guardrail = dict(verdict.as_dict(), layer="deterministic")
    else:
        learned, total = learned_crisis(ranking)
        if learned and total >= learned_crisis_threshold:
            routing.intent = learned
            routing.guardrail = _learned_record(learned, total, demoted=False)
        elif learned or classifier_intent.startswith(CRISIS_PREFIX):
            # the classifier alone is not sure enough: everyday words ("my head hurts") must not
            # get a crisis reply; the next answer it believes in, or the honest fallback, does
            routing.intent = best_non_crisis(ranking, veto_min_confidence)
            routing.guardrail = _learned_record(learned or classifier_intent, total, demoted=True)

    if routing.intent is None or not routing.intent.startswith(CRISIS_PREFIX):
        dose = kratom.assess(text)
        if dose is not None and dose.intent:
            routing.intent = dose.intent
            routing.guardrail = dict(dose.as_dict(), layer="deterministic")

    topic = topic_of(routing.intent or classifier_intent, text)
    if topic:
        routing.entities["topic"] = topic
    return routing


def _learned_record(intent: str, total: float, demoted: bool) -> Dict[str, Any]:
    return {
        "guard": "crisis",
        "intent": intent,
        "kind": intent[len(CRISIS_PREFIX) :],
        "pattern": None,
        "matched": None,
        "vetoed": False,
        "layer": "learned",
        "confidence": round(total, 4),
        "demoted": demoted,
    }


def fail_safe(error: BaseException) -> Routing:
    return Routing(
        intent=FAIL_SAFE_INTENT,
        guardrail={
            "guard": "crisis",
            "intent": FAIL_SAFE_INTENT,
            "kind": "general",
            "layer": "error",
            "error": type(error).__name__,
        },
    )


def ranking_pairs(ranking: List[Dict[str, Any]]) -> List[Tuple[str, float]]:
    return [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")]
