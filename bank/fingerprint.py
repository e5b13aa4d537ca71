"""A review is bound to the exact words a visitor sees: text, button titles, and the answer's label and
question (the words shown when the assistant asks "Did you mean ...?")."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict

# Metadata a visitor can see: the short label and the canonical question of an answer (clarify buttons),
# and the cells of a comparison table. Each is covered only when present, so older reviews stay valid.
_SEEN_METADATA = ("label", "question", "table")


def fingerprint(variant: Dict[str, Any]) -> str:
    said: Dict[str, Any] = {
        "text": variant.get("text", ""),
        "buttons": [b.get("title", "") for b in variant.get("buttons") or []],
    }
    metadata = variant.get("metadata") or {}
    for key in _SEEN_METADATA:
        if metadata.get(key) is not None:
            said[key] = metadata[key]
    canonical = json.dumps(said, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
