"""Record the maintainers' review of one answer (or of every answer whose review is missing or void).

The review is bound to the exact words (bank.fingerprint): editing the text later voids it. A clinician's
signature is not recorded here: it is given in the staff console's review queue or on the review packet
(make review-packet, then make review-import), both through bank/review.py like this script. A signature
is kept when the words it was given for are unchanged.

Usage:
  python scripts/review_answers.py --key faq_ptsd_what --by "Name" --against "the cited sources"
  python scripts/review_answers.py --unreviewed --by "Name" --against "the cited sources"
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank.review import DEFAULT_AGAINST, ReviewError, record_review  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--key", help="answer key, e.g. faq_ptsd_what (the response name without utter_)")
    which.add_argument("--unreviewed", action="store_true", help="every answer with no valid review")
    parser.add_argument("--by", required=True, help="who checked the text")
    parser.add_argument("--against", default=DEFAULT_AGAINST, help=f"what it was checked against ({DEFAULT_AGAINST})")
    parser.add_argument("--on", default=dt.date.today().isoformat(), help="date (default: today)")
    args = parser.parse_args()
    try:
        recorded = record_review(ROOT, args.key, args.by, args.against, args.on, only_void=args.unreviewed)
    except ReviewError as error:
        print(error, file=sys.stderr)
        return 1
    for name, path in recorded:
        print(f"reviewed {name} ({path.relative_to(ROOT)})")
    print(f"{len(recorded)} review(s) recorded.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
