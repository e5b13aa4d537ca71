"""Read a visitor's answer to a safety check-in, and follow-ups after a crisis reply.

Pure Python (stdlib + PyYAML); patterns live in lexicons/checkin.yml, text is normalised exactly like the
crisis lexicon's. `answer` is a whole-message reading ("kind of", "no im safe", "id rather not say"), or a clear
no that opens a longer message ("no im safe, just tired from night shifts"); `risk_followup` searches anywhere
("yes i have pills", "i already tried once").
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from guardrails.crisis import normalise

LEXICON_PATH = Path(__file__).resolve().parent / "lexicons" / "checkin.yml"
ANSWERS = ("decline", "deny", "affirm")  # in this order: a no must be a whole, plain no
LEAD_PREFIX = "no_lead."  # ids of the deny_lead patterns: a no that opens a longer message


@lru_cache(maxsize=1)
def lexicon() -> Dict[str, List[Tuple[str, re.Pattern[str]]]]:
    doc = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return {
        section: [(item["id"], re.compile(item["regex"])) for item in doc[section]]
        for section in (*ANSWERS, "deny_lead", "risk_followup")
    }


def answer(text: str) -> Tuple[str | None, str | None]:
    """("affirm" | "deny" | "decline" | None, the pattern id) for a reply to the check-in question."""
    said = normalise(text)
    for section in ANSWERS:
        for pattern_id, regex in lexicon()[section]:
            if regex.fullmatch(said):
                return section, pattern_id
    for pattern_id, regex in lexicon()["deny_lead"]:  # a plain no, then more: the router reads the rest for risk
        if regex.match(said):
            return "deny", pattern_id
    return None, None


def risk_followup(text: str) -> str | None:
    """The id of the follow-up pattern that keeps a message on the crisis route, or None."""
    said = normalise(text)
    for pattern_id, regex in lexicon()["risk_followup"]:
        if regex.search(said):
            return pattern_id
    return None
