"""The one result type every guardrail detector returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Dict


@dataclass(frozen=True)
class Verdict:
    guard: str  # "crisis" or "kratom"
    intent: str | None  # intent to route the message to; None means "no override"
    kind: str | None = None  # e.g. "suicide", "dose", "replacement"
    pattern: str | None = None  # id of the lexicon entry that decided
    matched: str | None = None  # the span of text that entry matched
    vetoed: bool = False  # a hard negative (idiom, negation, topic question) decided "not a crisis"
    soft: bool = False  # matched only by a pattern hyperbole also uses (crisis lexicon `strength: soft`)

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)
