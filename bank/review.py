"""Write reviews and clinical signatures into the bank files: the one code path for `make review`, the staff
console's review queue and `make review-import`.

Two records live in each answer's `metadata.review`:
- the maintainers' review (`text_sha256`, `checked_by`, `checked_on`, `checked_against`): the text was checked
  against its cited sources; an edit voids it because `text_sha256` no longer matches (bank.fingerprint);
- the clinical review, `clinical_review`: "pending", or a clinician's signature bound to the same fingerprint,
  "signed: <name>, <credential> <YYYY-MM-DD> <fingerprint>". A signature whose fingerprint is not the text's is
  no signature: the answer is back in the review queue and the release gate refuses it.

Files are edited round-trip (ruamel.yaml), so comments and layout survive and `git diff` shows one line.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from ruamel.yaml import YAML

from bank.fingerprint import fingerprint

DEFAULT_AGAINST = "the sources cited in this answer, as summarised in docs/evidence.md"
GENERATED = ("data/guardrails/contacts.yml",)  # reviewed through the hotline directory (make contacts)
PENDING = "pending"
_SIGNATURE = re.compile(r"^signed: (?P<signer>.+) (?P<date>\d{4}-\d{2}-\d{2}) (?P<fingerprint>[0-9a-f]{64})$")
_SIGNER_PART = re.compile(r"^[^\n\r\t]{2,120}$")


class ReviewError(ValueError):
    """A review or signature that cannot be recorded; the message says why and what to do."""


@dataclass(frozen=True)
class Signature:
    signer: str  # "Name, credential"
    date: str
    fingerprint: str


def parse_signature(clinical_review: Any) -> Signature | None:
    found = _SIGNATURE.match(str(clinical_review or ""))
    return Signature(found["signer"], found["date"], found["fingerprint"]) if found else None


def signature_text(signer: str, on: str, text_fingerprint: str) -> str:
    return f"signed: {signer} {on} {text_fingerprint}"


def signer_line(name: str, credential: str) -> str:
    """'Name, credential' for a signature; both parts are required and single-line."""
    name, credential = " ".join(str(name or "").split()), " ".join(str(credential or "").split())
    if not _SIGNER_PART.match(name) or not _SIGNER_PART.match(credential):
        raise ReviewError("A signature needs the clinician's name and credential (2-120 characters each).")
    return f"{name}, {credential}"


def review_of(variant: Dict[str, Any]) -> Dict[str, Any]:
    return (variant.get("metadata") or {}).get("review") or {}


def review_matches(variant: Dict[str, Any]) -> bool:
    """The maintainers' review is bound to the text as it is now."""
    return review_of(variant).get("text_sha256") == fingerprint(variant)


def valid_signature(variant: Dict[str, Any]) -> Signature | None:
    """The clinician's signature, if there is one and it is bound to the text as it is now."""
    signed = parse_signature(review_of(variant).get("clinical_review"))
    if signed is None or signed.fingerprint != fingerprint(variant) or not review_matches(variant):
        return None
    return signed


_SLOT = re.compile(r"\\\{[A-Za-z_][A-Za-z0-9_]*\\\}")  # an escaped {slot} in re.escape(template)


def is_template(variant: Dict[str, Any]) -> bool:
    """Words with slots ({subject_label}) that Rasa fills in when it sends them."""
    said = [variant.get("text", "")] + [b.get("title", "") for b in variant.get("buttons") or []]
    return any(re.search(r"\{[A-Za-z_][A-Za-z0-9_]*\}", part) for part in said)


def _pattern(template: str) -> re.Pattern:
    # a slot holds a short label ("EMDR", "What is PTSD?"), never a sentence of its own
    return re.compile(_SLOT.sub(lambda _: r"([^.!\n]{1,80}?)", re.escape(template)))


def instance_of(variant: Dict[str, Any], text: str, button_titles: List[str]) -> bool:
    """The sent words are the template's words with its slots filled in (the review covers the template;
    what fills a slot is another reviewed answer's label or question)."""
    titles = [b.get("title", "") for b in variant.get("buttons") or []]
    if len(titles) != len(button_titles) or not _pattern(variant.get("text", "")).fullmatch(text):
        return False
    return all(_pattern(t).fullmatch(sent) for t, sent in zip(titles, button_titles))


def _yaml() -> YAML:
    yaml = YAML()  # round-trip: keeps comments and layout (the same settings as scripts/new_intent.py)
    yaml.width = 100
    yaml.preserve_quotes = True
    return yaml


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One writer at a time per file (two reviewers signing at once must not lose either signature)."""
    with path.open("a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def bank_files(root: Path) -> List[Path]:
    return sorted(p for p in (root / "data").rglob("*.yml") if p.relative_to(root).as_posix() not in GENERATED)


def edit_yaml(path: Path, change) -> Any:
    yaml = _yaml()
    with _locked(path):
        doc = yaml.load(path.read_text(encoding="utf-8"))
        result = change(doc)
        if result is not None:
            with path.open("w", encoding="utf-8") as handle:
                yaml.dump(doc, handle)
    return result


def find_response(root: Path, key: str, generated_too: bool = False) -> Path:
    """The file under data/ that defines utter_<key>. Generated files (the contacts) only when asked: their
    text comes from guardrails/hotlines.yml, but a clinician signs the words visitors see, and the generator
    keeps a signature while the words are unchanged."""
    name = f"utter_{key.removeprefix('utter_')}"
    pattern = re.compile(rf"^  {re.escape(name)}:\s*$", re.M)
    for path in bank_files(root):
        if pattern.search(path.read_text(encoding="utf-8")):
            return path
    for rel in GENERATED:
        if (root / rel).exists() and pattern.search((root / rel).read_text(encoding="utf-8")):
            if generated_too:
                return root / rel
            raise ReviewError(f"{name} is generated ({rel}): change guardrails/hotlines.yml, then make contacts.")
    raise ReviewError(f"No response named {name} under data/.")


def record_review(
    root: Path, key: str | None, by: str, against: str, on: str | None = None, only_void: bool = False
) -> List[Tuple[str, Path]]:
    """The maintainers' review of one answer (every variant), or of every answer whose review is void.

    Keeps a clinical signature only when it is bound to the same words."""
    if not by.strip() or not against.strip():
        raise ReviewError("Who reviewed (BY) and against what (AGAINST) must not be empty.")
    on = on or dt.date.today().isoformat()
    target = f"utter_{key.removeprefix('utter_')}" if key else None
    paths = [find_response(root, key)] if key else bank_files(root)
    recorded: List[Tuple[str, Path]] = []

    def change(doc):
        changed = False
        for name, variants in ((doc or {}).get("responses") or {}).items():
            if target and name != target:
                continue
            for variant in variants:
                if only_void and review_matches(variant):
                    continue
                metadata = variant.setdefault("metadata", {})
                previous = metadata.get("review") or {}
                said = fingerprint(variant)
                clinical = previous.get("clinical_review", PENDING)
                signed = parse_signature(clinical)
                metadata["review"] = {
                    "text_sha256": said,
                    "checked_by": by,
                    "checked_on": on,
                    "checked_against": against,
                    "clinical_review": clinical if signed and signed.fingerprint == said else PENDING,
                }
                changed = True
                recorded.append((name, path))
        return True if changed else None

    for path in paths:
        edit_yaml(path, change)
    if target and not recorded:
        raise ReviewError(f"No response named {target} under data/.")
    return recorded


def record_signature(
    root: Path, key: str, index: int, text_fingerprint: str, signer: str, on: str | None = None
) -> Tuple[Path, str]:
    """Sign one variant, only if its words are still those the clinician read (`text_fingerprint`).

    Returns (the file, the clinical_review value written). Raises ReviewError, saying why, when the text
    changed, the maintainers' review is void, or the key or variant does not exist."""
    on = on or dt.date.today().isoformat()
    dt.date.fromisoformat(on)
    name = f"utter_{key.removeprefix('utter_')}"
    path = find_response(root, key, generated_too=True)
    written: Dict[str, str] = {}

    def change(doc):
        variants = ((doc or {}).get("responses") or {}).get(name) or []
        if not 0 <= index < len(variants):
            raise ReviewError(f"{name} has no variant {index + 1}.")
        variant = variants[index]
        said = fingerprint(variant)
        if said != text_fingerprint:
            raise ReviewError(
                f"{name} variant {index + 1} changed since it was read (fingerprint {text_fingerprint[:12]} is now "
                f"{said[:12]}): read the new text and sign again."
            )
        if not review_matches(variant):
            raise ReviewError(
                f"{name}: the maintainers' review does not match the text. Fix first: make review KEY={key} BY=... "
                "AGAINST=..."
            )
        variant["metadata"]["review"]["clinical_review"] = signature_text(signer, on, said)
        written["value"] = variant["metadata"]["review"]["clinical_review"]
        return True

    edit_yaml(path, change)
    return path, written["value"]
