"""Which region's help lines to show, from what the visitor says ("I live in the UK", "I'm in Toronto").

Only first-person location statements count, so a question such as "is kratom legal in Germany"
does not change the help lines a visitor sees.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Tuple

from guardrails.hotlines import regions

# "I live in", "I'm in", "we are based in", "I'm from", "here in", "my country is" ...
_FRAME = (
    r"(?:\b(?:i|we)\s*(?:'?m|am|are|'re|re)?\s*(?:currently\s+|now\s+)?"
    r"(?:live|living|lives|reside|residing|based|located|staying|calling|writing|moved|"
    r"from|in|over)\s*(?:in|from|to)?"
    r"|\bhere\s+in|\bmy\s+(?:country|home)\s+is|\bi\s*'?m\s+(?:a\s+)?(?:visitor|resident)\s+(?:in|of|from))"
)


@lru_cache(maxsize=1)
def _patterns() -> Tuple[Tuple[str, re.Pattern[str], re.Pattern[str]], ...]:
    compiled = []
    for code, spec in regions().items():
        alternatives = "|".join(re.escape(alias) for alias in sorted(spec["aliases"], key=len, reverse=True))
        place = rf"(?:the\s+)?(?:{alternatives})(?![\w.])"
        framed = re.compile(rf"{_FRAME}\s+{place}", re.IGNORECASE)
        alone = re.compile(rf"^\s*(?:in\s+)?{place}\s*[.!]?\s*$", re.IGNORECASE)
        compiled.append((code, framed, alone))
    return tuple(compiled)


def detect_region(text: str) -> str | None:
    """The region code the visitor says they are in, or None."""
    for code, framed, alone in _patterns():
        if framed.search(text) or alone.match(text):
            return code
    return None
