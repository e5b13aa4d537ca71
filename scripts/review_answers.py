"""Record a review of one answer (or every answer whose review is missing or void).

The review is bound to the exact words (bank.fingerprint): editing the text later voids it.
A clinical review is never recorded here: it stays `pending` until a clinician signs
(`--clinician "Name, credentials"` records that signature, for a clinician to run).

Usage:
  python scripts/review_answers.py --key faq_ptsd_what --by "Name" --against "the cited sources"
  python scripts/review_answers.py --unreviewed --by "Name" --against "the cited sources"
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank.fingerprint import fingerprint  # noqa: E402
from bank.loader import data_files  # noqa: E402

GENERATED = {ROOT / "data" / "guardrails" / "contacts.yml"}  # reviewed through its directory


def needs_review(variant) -> bool:
    review = (variant.get("metadata") or {}).get("review") or {}
    return review.get("text_sha256") != fingerprint(variant)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", help="answer key, e.g. faq_ptsd_what (the response name without utter_)")
    which.add_argument("--unreviewed", action="store_true", help="every answer with no valid review")
    parser.add_argument("--by", required=True, help="who checked the text")
    parser.add_argument("--against", required=True, help="what it was checked against")
    parser.add_argument("--on", default=dt.date.today().isoformat(), help="date (default: today)")
    parser.add_argument("--clinician", help="a clinician's signature: 'Name, credentials'")
    args = parser.parse_args()
    if not args.by.strip() or not args.against.strip():
        parser.error("--by and --against must not be empty")

    yaml = YAML()  # round-trip: keeps comments and layout
    yaml.width = 100
    yaml.preserve_quotes = True
    target = None if args.unreviewed else f"utter_{args.key.removeprefix('utter_')}"
    recorded = 0
    for path in data_files():
        if path in GENERATED:
            continue
        doc = yaml.load(path.read_text(encoding="utf-8"))
        responses = (doc or {}).get("responses") or {}
        changed = False
        for name, variants in responses.items():
            if target and name != target:
                continue
            for variant in variants:
                if args.unreviewed and not needs_review(variant):
                    continue
                metadata = variant.setdefault("metadata", {})
                previous = metadata.get("review") or {}
                clinical = f"signed: {args.clinician}" if args.clinician else "pending"
                if not args.clinician and previous.get("text_sha256") == fingerprint(variant):
                    clinical = previous.get("clinical_review", "pending")  # same words: keep a signature
                metadata["review"] = {
                    "text_sha256": fingerprint(variant),
                    "checked_by": args.by,
                    "checked_on": args.on,
                    "checked_against": args.against,
                    "clinical_review": clinical,
                }
                changed = True
                recorded += 1
                print(f"reviewed {name} ({path.relative_to(ROOT)})")
        if changed:
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(doc, handle)
    if target and not recorded:
        print(f"No response named {target} under data/.", file=sys.stderr)
        return 1
    print(f"{recorded} review(s) recorded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
