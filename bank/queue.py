"""The clinical review queue: every answer a clinician has not signed, or whose words changed since they did.

For each variant: its exact words and buttons, the difference from the last signed version (from git
history: the newest commit where its signature matched its words), its sources, the questions that lead to
it (training examples and held-out phrasings of the intents whose rules give it), where it appears (those
rules), and why it is here. Flagged answers (changes requested, a void review, a signature that no longer
matches) come first, then answers with stale changing facts, then changed since signed, then never signed.

Pure: reads the checkout's files (and `git`, when the checkout is a repository). The staff console
(staff/review_routes.py) and the review packet (bank/packet.py) both build from here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

import yaml

from bank.checks import is_stale
from bank.fingerprint import fingerprint
from bank.loader import Bank, load_bank, load_nlu_file
from bank.release import label
from bank.review import parse_signature, review_matches, valid_signature

SHOWN_QUESTIONS = 40
HISTORY_COMMITS = 200


def word_diff(old: str, new: str) -> List[Dict[str, str]]:
    """Segments {"op": equal|delete|insert, "text"} turning `old` into `new`, word by word."""
    a, b = old.split(), new.split()
    out: List[Dict[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("equal", "delete", "replace") and i2 > i1:
            out.append({"op": "equal" if op == "equal" else "delete", "text": " ".join(a[i1:i2])})
        if op in ("insert", "replace") and j2 > j1:
            out.append({"op": "insert", "text": " ".join(b[j1:j2])})
    return out


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def last_signed_versions(root: Path) -> Dict[Tuple[str, int], Dict[str, Any]]:
    head = (_git(root, "rev-parse", "HEAD") or "").strip()
    return dict(_last_signed(str(root), head)) if head else {}


@lru_cache(maxsize=4)
def _last_signed(root_text: str, head: str) -> Tuple[Tuple[Tuple[str, int], Dict[str, Any]], ...]:
    """(response, variant) -> the newest committed version a clinician's signature was bound to.
    Only commits that touched a `signed:` line are read (git log -G), newest first; cached per HEAD."""
    root = Path(root_text)
    listed = _git(root, "log", f"-n{HISTORY_COMMITS}", "--format=%H", "-G", "clinical_review: .?signed: ", "--", "data")
    found: Dict[Tuple[str, int], Dict[str, Any]] = {}
    for commit in (listed or "").split():
        names = _git(root, "diff-tree", "--no-commit-id", "--name-only", "-r", commit, "--", "data") or ""
        for rel in names.split():
            text = _git(root, "show", f"{commit}:{rel}")
            try:
                doc = yaml.safe_load(text or "") or {}
            except yaml.YAMLError:
                continue
            for name, variants in (doc.get("responses") or {}).items() if isinstance(doc, dict) else ():
                for index, variant in enumerate(variants or []):
                    signed = parse_signature(
                        ((variant.get("metadata") or {}).get("review") or {}).get("clinical_review")
                    )
                    if signed and signed.fingerprint == fingerprint(variant) and (name, index) not in found:
                        found[(name, index)] = {
                            "text": variant.get("text", ""),
                            "buttons": [b.get("title", "") for b in variant.get("buttons") or []],
                            "signer": signed.signer,
                            "date": signed.date,
                            "commit": commit[:12],
                        }
    return tuple(found.items())


def rules_giving(bank: Bank) -> Dict[str, List[Tuple[str, str | None]]]:
    """response name -> [(rule name, the intent it answers)] for every rule that utters it."""
    out: Dict[str, List[Tuple[str, str | None]]] = {}
    for rule in bank.rules:
        steps = rule.get("steps") or []
        intent = next((s["intent"] for s in steps if "intent" in s), None)
        for step in steps:
            if step.get("action", "").startswith("utter_"):
                out.setdefault(step["action"], []).append((str(rule.get("rule", "")), intent))
    return out


def held_out_phrasings(root: Path) -> Dict[str, List[str]]:
    phrasings: Dict[str, List[str]] = {}
    for path in sorted((root / "tests" / "heldout").glob("*.yml")):
        for intent, examples in load_nlu_file(path).items():
            phrasings.setdefault(intent, []).extend(examples)
    return phrasings


def _why(variant: Dict[str, Any], name: str, index: int, history: Dict, requests: Sequence[Dict]) -> List[str]:
    reasons = []
    said = fingerprint(variant)
    for request in requests:
        if request["answer"] == name and request["variant"] == index and request["fingerprint"] == said:
            reasons.append(f"changes requested by {request['by']}: {request['comment']}")
    if not review_matches(variant):
        reasons.append("the maintainers' review does not match the words (check against the sources first)")
    signed = parse_signature(((variant.get("metadata") or {}).get("review") or {}).get("clinical_review"))
    if signed and signed.fingerprint != said:
        reasons.append(f"signed by {signed.signer} on {signed.date}, but the words changed since")
    return reasons


def build(root: Path, requests: Sequence[Dict[str, Any]] = (), today: dt.date | None = None) -> List[Dict[str, Any]]:
    """The queue, in reading order. `requests`: open change requests (answer, variant, fingerprint, comment, by)."""
    bank = load_bank(root / "data")
    giving = rules_giving(bank)
    held_out = held_out_phrasings(root)
    history = last_signed_versions(root)
    items = []
    for name, variants in bank.responses.items():
        for index, variant in enumerate(variants):
            if valid_signature(variant) is not None:
                continue
            metadata = variant.get("metadata") or {}
            reasons = _why(variant, name, index, history, requests)
            previous = history.get((name, index))
            rules = giving.get(name, [])
            intents = sorted({i for _, i in rules if i})
            examples = [e for i in intents for e in bank.examples.get(i, [])]
            phrasings = [p for i in intents for p in held_out.get(i, [])]
            stale = is_stale(metadata.get("facts_checked_on"), today)
            state = "changed since signed" if previous else "never signed"
            items.append(
                {
                    "answer": name,
                    "key": name.removeprefix("utter_"),
                    "variant": index,
                    "label": label(name, index, variant, len(variants)),
                    "file": str(bank.response_files[name].relative_to(root)),
                    "fingerprint": fingerprint(variant),
                    "text": variant.get("text", ""),
                    "buttons": [b.get("title", "") for b in variant.get("buttons") or []],
                    "sources": metadata.get("sources") or [],
                    "facts_checked_on": str(metadata["facts_checked_on"]) if metadata.get("facts_checked_on") else None,
                    "stale": stale,
                    "review": {k: v for k, v in (metadata.get("review") or {}).items() if k != "text_sha256"},
                    "state": state,
                    "flagged": reasons,
                    "last_signed": previous,
                    "diff": word_diff(previous["text"], variant.get("text", "")) if previous else None,
                    "rules": [r for r, _ in rules],
                    "intents": intents,
                    "examples": examples[:SHOWN_QUESTIONS],
                    "examples_total": len(examples),
                    "held_out": phrasings[:SHOWN_QUESTIONS],
                    "held_out_total": len(phrasings),
                    "words": len(variant.get("text", "").split()),
                }
            )
    order = {"changed since signed": 0, "never signed": 1}
    items.sort(
        key=lambda x: (
            not x["flagged"],
            not x["stale"],
            order[x["state"]],
            not x["file"].startswith("data/guardrails/"),  # what a visitor in danger reads, first
            x["file"],
            x["answer"],
            x["variant"],
        )
    )
    return items


def counts(root: Path) -> Dict[str, int]:
    bank = load_bank(root / "data")
    total = sum(1 for _ in bank.variants())
    signed = sum(1 for _, _, v in bank.variants() if valid_signature(v) is not None)
    return {"answers": total, "signed": signed, "unsigned": total - signed}
