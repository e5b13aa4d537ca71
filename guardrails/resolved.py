"""Danger told as the past, by a visitor who says it is over ("I overdosed eight years ago; I've been clean
since. Which PTSD medicines are safe for me?"): the answer, with the help line for its kind beside it.

Pure Python; patterns and the reasons for them live in lexicons/resolved.yml, on text normalised like the
crisis lexicon's. The router asks only about a first reading (not after a crisis reply or a check-in), only
for kinds where the past is a common preamble to a question, and only when the message has an answer.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from guardrails.crisis import compile_pattern, normalise

LEXICON_PATH = Path(__file__).resolve().parent / "lexicons" / "resolved.yml"
SECTIONS = ("past", "now_safe", "present")
# Harm to others, a medical emergency, someone else at risk or a crisis with no named kind is never read as over.
KINDS = ("suicide", "self_harm", "overdose", "domestic_violence", "sexual_assault")


@lru_cache(maxsize=1)
def lexicon() -> Dict[str, List[Tuple[str, re.Pattern[str]]]]:
    doc = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    return {section: [(item["id"], compile_pattern(item)) for item in doc[section]] for section in SECTIONS}


def _first(section: str, said: str) -> str | None:
    return next((pattern_id for pattern_id, regex in lexicon()[section] if regex.search(said)), None)


def told_as_past(text: str) -> str | None:
    """ "past+now_safe" pattern ids when the message says when it happened and that it is over, with nothing
    that brings it into now; else None."""
    said = normalise(text)
    if _first("present", said):
        return None
    past, safe = _first("past", said), _first("now_safe", said)
    return f"{past}+{safe}" if past and safe else None
