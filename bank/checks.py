"""Checks the answer bank must pass that Rasa itself does not make.

Each check returns a list of problems, each naming the file, the key and the fix, so that
tests/test_bank_invariants.py (and a maintainer) can read them.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List

import jsonschema
import textstat
import yaml

from bank.fingerprint import fingerprint
from bank.loader import ROOT, Bank

SCHEMA = yaml.safe_load((Path(__file__).parent / "schema.yml").read_text(encoding="utf-8"))
GENERATED_CONTACTS = ROOT / "data" / "guardrails" / "contacts.yml"
MAX_GRADE = 8.0
MIN_EXAMPLES = 15
STALE_AFTER_DAYS = 180

# A number with a unit, or a spelled-out amount, that could read as a dose.
_NUMBER = r"(?:\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|hundred|half|a|an|a few|several)"
_UNIT = (
    r"(?:mg|milligrams?|mcg|micrograms?|g|grams?|gr|kg|ml|milliliters?|cc|oz|ounces?|tsp|teaspoons?|"
    r"tbsp|tablespoons?|spoons?|spoonfuls?|scoops?|capsules?|caps|pills?|tablets?|tabs?|drops?|"
    r"shots?|cups? of|doses?|servings?|puffs?|hits?)"
)
DOSE_PATTERN = re.compile(rf"\b{_NUMBER}[\s-]*{_UNIT}\b", re.IGNORECASE)


def _label(bank: Bank, name: str) -> str:
    return f"{bank.response_files[name].relative_to(ROOT)}: {name}"


def schema_problems(bank: Bank) -> List[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = []
    for name, i, variant in bank.variants():
        for error in validator.iter_errors(variant):
            where = "/".join(str(p) for p in error.path) or "(variant)"
            problems.append(f"{_label(bank, name)}[{i}] {where}: {error.message}")
    return problems


def review_problems(bank: Bank) -> List[str]:
    problems = []
    for name, i, variant in bank.variants():
        review = (variant.get("metadata") or {}).get("review") or {}
        if review.get("text_sha256") != fingerprint(variant):
            problems.append(
                f"{_label(bank, name)}[{i}]: the review does not match the text (edited since review, "
                f"or never reviewed). Fix: make review KEY={name[len('utter_'):]} BY=... AGAINST=..."
            )
    return problems


def readability_problems(bank: Bank) -> List[str]:
    problems = []
    for name, i, variant in bank.variants():
        if bank.response_files[name] == GENERATED_CONTACTS:
            continue  # directory entries: names and numbers, not prose
        grade = textstat.flesch_kincaid_grade(variant["text"])
        if grade > MAX_GRADE:
            problems.append(
                f"{_label(bank, name)}[{i}]: reading grade {grade} > {MAX_GRADE}. Fix: shorter sentences, plainer words."
            )
    return problems


def dose_problems(bank: Bank) -> List[str]:
    problems = []
    for name, i, variant in bank.variants():
        said = " ".join([variant["text"]] + [b.get("title", "") for b in variant.get("buttons") or []])
        for match in DOSE_PATTERN.finditer(said):
            problems.append(f"{_label(bank, name)}[{i}]: '{match.group(0)}' could read as a dose. Fix: remove the amount.")
    return problems


def stale_facts(bank: Bank, today: dt.date, after_days: int = STALE_AFTER_DAYS) -> List[str]:
    problems = []
    for name, i, variant in bank.variants():
        checked = (variant.get("metadata") or {}).get("facts_checked_on")
        if checked and (today - dt.date.fromisoformat(str(checked))).days > after_days:
            problems.append(
                f"{_label(bank, name)}[{i}]: changing facts last checked {checked}, over {after_days} days ago. "
                "Fix: re-check them against the sources, then update facts_checked_on and review."
            )
    return problems


def example_problems(bank: Bank) -> List[str]:
    problems, seen = [], {}
    for intent, examples in bank.examples.items():
        if len(examples) < MIN_EXAMPLES:
            problems.append(f"{bank.example_files[intent].relative_to(ROOT)}: {intent} has {len(examples)} examples, needs {MIN_EXAMPLES}.")
        for example in examples:
            key = " ".join(example.lower().split())
            if key in seen and seen[key] != intent:
                problems.append(f"'{example}' is a training example of both {seen[key]} and {intent}. Fix: keep it in one.")
            seen[key] = intent
    return problems


def rule_problems(bank: Bank) -> List[str]:
    """Every intent is answered by a rule, and every utter_ action a rule names exists."""
    problems, answered = [], set()
    for rule in bank.rules:
        steps = rule.get("steps") or []
        intents = [s["intent"] for s in steps if "intent" in s]
        actions = [s["action"] for s in steps if "action" in s]
        answered.update(intents)
        for action in actions:
            if action.startswith("utter_") and action not in bank.responses:
                problems.append(f"rule '{rule.get('rule')}': response {action} does not exist.")
    for intent in bank.examples:
        if intent not in answered:
            problems.append(f"{bank.example_files[intent].relative_to(ROOT)}: intent {intent} has no rule that answers it.")
    return problems


@lru_cache(maxsize=1)
def hotline_numbers() -> Dict[str, str]:
    """Every phone number, text code and short code in the hotline directory, by service."""
    from guardrails.hotlines import load_directory

    numbers = {}
    for service_id, service in load_directory()["services"].items():
        for match in re.finditer(r"\d[\d -]*\d|\d", service["how"]):
            numbers[match.group(0).strip()] = service_id
    return numbers


def number_pattern(number: str) -> "re.Pattern[str]":
    """Match a number however it is spaced or dashed: 1-800-x, 1 800 x and 1800x are one number."""
    groups = re.findall(r"\d+", number)  # separators may differ, but only between the groups
    # not inside a word, a hex fingerprint, a CSS colour or a larger number such as "10,000"
    return re.compile(r"(?<![\w,.#-])" + r"[\s.-]?".join(groups) + r"(?!\w|[,.]\d)")


def numbers_outside_directory(paths: Iterable[Path]) -> List[str]:
    patterns = {n: number_pattern(n) for n in hotline_numbers() if len(re.sub(r"\D", "", n)) >= 3}
    problems = []
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="ignore")
        for number, pattern in patterns.items():
            if pattern.search(text):
                problems.append(f"{path.relative_to(ROOT)}: contains hotline number {number}. Fix: it lives only in guardrails/hotlines.yml.")
    return problems


def guard_conflicts(bank: Bank) -> List[str]:
    """Training examples a deterministic guardrail would send to another intent.

    Such an example teaches the classifier one answer while visitors get another; and an answer
    intent whose examples look like a crisis would hide crisis wording from the learned layer.
    """
    from guardrails import crisis, kratom

    problems = []
    for intent, examples in bank.examples.items():
        if intent.startswith("guard_"):
            continue
        for example in examples:
            for verdict in (crisis.assess(example), kratom.assess(example)):
                if verdict is not None and verdict.intent and verdict.intent != intent:
                    problems.append(
                        f"{bank.example_files[intent].relative_to(ROOT)}: '{example}' ({intent}) is routed to "
                        f"{verdict.intent} by guardrail pattern {verdict.pattern}. Fix: move or reword the example."
                    )
                    break
    return problems
