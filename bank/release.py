"""The gates between the bank and a visitor: what may be trained, and what a server may send.

- Training (`make train`, tests' ensure_model): no answer whose maintainers' review is void. A model trained
  from edited text would serve words nobody checked.
- Serving (`python -m server`, at start): the same check on the responses packed in the model (what the
  server can actually send). With REQUIRE_CLINICAL_SIGNOFF=1 also every response needs a clinician's signature
  bound to its words: crisis openers and help-line contacts included.
- `make release-check` prints the clinical list for the model and exits 1 while it is not empty.

    python -m bank.release --training               (before rasa train: the bank under data/)
    python -m bank.release --model models/current.tar.gz [--require-signoff]
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from bank.loader import ROOT, load_bank
from bank.review import review_matches, valid_signature

Variant = Tuple[str, int, Dict[str, Any]]


def model_responses(model: Path) -> Dict[str, List[Dict[str, Any]]]:
    """The responses a trained model carries (its domain, from metadata.json in the archive)."""
    with tarfile.open(model, "r:gz") as archive:
        for member in archive:
            if member.name.lstrip("/") == "metadata.json":
                handle = archive.extractfile(member)
                if handle is not None:
                    return (json.load(handle).get("domain") or {}).get("responses") or {}
    raise ValueError(f"{model}: no metadata.json in the archive (not a Rasa 3 model?)")


def variants_of(responses: Dict[str, List[Dict[str, Any]]]) -> Iterator[Variant]:
    for name, variants in sorted(responses.items()):
        for index, variant in enumerate(variants or []):
            yield name, index, variant


def label(name: str, index: int, variant: Dict[str, Any], count: int) -> str:
    """'key' or 'key (variant 2 of 7: region=uk)' for people."""
    key = name.removeprefix("utter_")
    if count < 2:
        return key
    where = ", ".join(f"{c.get('name')}={c.get('value')}" for c in variant.get("condition") or []) or "default"
    return f"{key} (variant {index + 1} of {count}: {where})"


def void_reviews(responses: Dict[str, List[Dict[str, Any]]]) -> List[str]:
    """One line per variant whose maintainers' review is not bound to its words, with the fix."""
    out = []
    for name, index, variant in variants_of(responses):
        if not review_matches(variant):
            key = name.removeprefix("utter_")
            out.append(
                f"{label(name, index, variant, len(responses[name]))}: the review does not match the text (edited "
                f"after review, or never reviewed). Fix: check it, then make review KEY={key} BY=... AGAINST=..."
            )
    return out


def unsigned(responses: Dict[str, List[Dict[str, Any]]]) -> List[str]:
    """Every variant without a clinician's signature bound to its words (the release gate's list)."""
    return [
        label(name, index, variant, len(responses[name]))
        for name, index, variant in variants_of(responses)
        if valid_signature(variant) is None
    ]


def serving_problems(responses: Dict[str, List[Dict[str, Any]]], require_signoff: bool) -> List[str]:
    """Why a server must not start with these responses (empty: it may)."""
    problems = [f"void review: {line}" for line in void_reviews(responses)]
    if problems:
        problems.append("Then retrain (make train).")
    if require_signoff:
        missing = unsigned(responses)
        if missing:
            problems.append(
                f"REQUIRE_CLINICAL_SIGNOFF=1 and {len(missing)} answer(s) the assistant can send are not signed by a "
                "clinician: " + "; ".join(missing) + ". Sign them in the staff console's review queue or with "
                "make review-packet / make review-import, retrain, or unset REQUIRE_CLINICAL_SIGNOFF."
            )
    return problems


def bank_responses(root: Path = ROOT) -> Dict[str, List[Dict[str, Any]]]:
    return load_bank(root / "data").responses


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--training", action="store_true", help="refuse training while a review is void")
    which.add_argument("--model", help="check what this trained model can send")
    parser.add_argument("--require-signoff", action="store_true", help="also list answers without a signature")
    args = parser.parse_args(argv)
    if args.training:
        problems = void_reviews(bank_responses())
        for line in problems:
            print(f"refusing to train: {line}")
        return 1 if problems else 0
    responses = model_responses(Path(args.model))
    void = void_reviews(responses)
    missing = unsigned(responses)
    for line in void:
        print(f"void review: {line}")
    if args.require_signoff:
        for line in missing:
            print(f"not clinically signed: {line}")
        total = sum(len(v) for v in responses.values())
        print(f"{total - len(missing)} of {total} answers signed by a clinician; {len(missing)} not signed.")
    return 1 if void or (args.require_signoff and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
