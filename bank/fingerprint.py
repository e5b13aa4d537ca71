"""A review is bound to the exact words a visitor sees: text and button titles."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Dict


def fingerprint(variant: Dict[str, Any]) -> str:
    said = {
        "text": variant.get("text", ""),
        "buttons": [b.get("title", "") for b in variant.get("buttons") or []],
    }
    canonical = json.dumps(said, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
