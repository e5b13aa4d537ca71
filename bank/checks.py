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
from bank.loader import ROOT, Bank, example_lines, same_question

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
                f"or never reviewed). Fix: make review KEY={name[len('utter_') :]} BY=... AGAINST=..."
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
            problems.append(
                f"{_label(bank, name)}[{i}]: '{match.group(0)}' could read as a dose. Fix: remove the amount."
            )
    return problems


def is_stale(checked, today: dt.date | None = None, after_days: int = STALE_AFTER_DAYS) -> bool:
    """A `facts_checked_on` date older than `after_days` (an unreadable date counts as stale)."""
    if not checked:
        return False
    try:
        when = dt.date.fromisoformat(str(checked))
    except ValueError:
        return True
    return ((today or dt.date.today()) - when).days > after_days


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
    """Enough examples per intent, and no question taught to two intents (case and punctuation ignored:
    "What is EMDR?" and "what is emdr" are the same question to a visitor)."""
    problems = []
    for intent, examples in bank.examples.items():
        if len(examples) < MIN_EXAMPLES:
            problems.append(
                f"{bank.example_files[intent].relative_to(ROOT)}: {intent} has {len(examples)} examples, needs {MIN_EXAMPLES}."
            )
    seen: Dict[str, tuple] = {}
    for path in sorted(set(bank.example_files.values())):
        where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for intent, example, line in example_lines(path):
            key = same_question(example)
            first = seen.get(key)
            if first and first[0] != intent:
                problems.append(
                    f"{where}:{line}: '{example}' ({intent}) is the same question as '{first[1]}' ({first[0]}, "
                    f"{first[2]}) once case and punctuation are ignored. Fix: keep it in one intent."
                )
            elif not first:
                seen[key] = (intent, example, f"{where}:{line}")
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
            problems.append(
                f"{bank.example_files[intent].relative_to(ROOT)}: intent {intent} has no rule that answers it."
            )
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


def number_pattern(number: str) -> re.Pattern[str]:
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
                problems.append(
                    f"{path.relative_to(ROOT)}: contains hotline number {number}. Fix: it lives only in guardrails/hotlines.yml."
                )
    return problems


def guard_conflicts(bank: Bank) -> List[str]:
    """Training examples a deterministic guardrail would send to another intent.

    Such an example teaches the classifier one answer while visitors get another; and an answer
    intent whose examples look like a crisis would hide crisis wording from the learned layer.
    """
    from guardrails import crisis, kratom, resolved

    problems = []
    for intent, examples in bank.examples.items():
        if intent.startswith("guard_"):
            continue
        for example in examples:
            for verdict in (crisis.assess(example), kratom.assess(example)):
                if verdict is None or not verdict.intent or verdict.intent == intent:
                    continue
                if verdict.kind in resolved.KINDS and resolved.told_as_past(example):
                    continue  # danger told as over gets its answer from the router (guardrails/resolved.py)
                problems.append(
                    f"{bank.example_files[intent].relative_to(ROOT)}: '{example}' ({intent}) is routed to "
                    f"{verdict.intent} by guardrail pattern {verdict.pattern}. Fix: move or reword the example."
                )
                break
    return problems


# --- Checks added for the maintainers' path (scripts/validate_bank.py) ---------------------------

MIN_HELD_OUT = 4
PLACEHOLDER = re.compile(r"\bTODO\b")
# Hosts that only copy, mirror or summarise someone else's publication: never the first (primary)
# source. Cite the publisher's own page first (VA, NIDA, FDA, NICE, CDC, APA, the journal).
SECONDARY_HOSTS = (
    "wikipedia.org",  # encyclopaedias and health-content sites summarise others
    "healthline.com",
    "webmd.com",
    "verywellmind.com",
    "medicalnewstoday.com",
    "docksci.com",  # copies and mirrors named in the content brief
    "medluna.com",
    "wixlib.com",
    "altruwe.org",
    "gradpsych.apags.org",
    "hcpnetwork.com",
    "thefederalregister.org",  # an unofficial copy; the Federal Register is federalregister.gov
    "web.archive.org",
    "webarchive.library.unt.edu",
    "georgiawrongfuldeathattorney.com",  # law-firm and newsletter summaries
    "phillipslytle.com",
    "jdsupra.com",
    "journeyom.life",
    "ourveteranssite.wordpress.com",  # blog and staging copies of VA pages (the brief marks them as copies)
    "va-ptsd-decisionaid.staging.urbanemu.com",
    "api-pubmed-ncbi.laibokeji.com",  # mirrors of PubMed and library records
    "bib-bvb.de",
    "docslib.org",
    "onlinefirstaid.com",  # sites that quote or re-host another publisher's page
    "sonomapti.com",
    "centertrw.cloud",
    "aaets.org",
    "ocalaaccidentlaw.com",
)
_SECONDARY_WORDS = re.compile(r"\b(?:secondary|mirror|copy)\b", re.IGNORECASE)


def is_secondary_source(source: Dict) -> bool:
    from urllib.parse import urlparse

    host = (urlparse(str(source.get("url", ""))).hostname or "").lower()
    if any(host == h or host.endswith("." + h) for h in SECONDARY_HOSTS):
        return True
    return bool(_SECONDARY_WORDS.search(f"{source.get('title', '')} {source.get('publisher', '')}"))


def primary_source_problems(bank: Bank) -> List[str]:
    """The first source of every answer is a primary source, not a copy or a summary of one."""
    problems = []
    for name, i, variant in bank.variants():
        sources = (variant.get("metadata") or {}).get("sources") or []
        if sources and isinstance(sources[0], dict) and is_secondary_source(sources[0]):
            problems.append(
                f"{_label(bank, name)}[{i}]: the first source ({sources[0].get('url')}) is a secondary copy or "
                "summary, not the primary source. Fix: put the publisher's own page or the journal first "
                "(a copy may follow it), or find another primary source."
            )
    return problems


_KEY_LINE = re.compile(r"^\s*-\s*(?:intent|rule|story):\s*(.+?)\s*$|^  (utter_\w+):\s*$")
_SECTION_LINE = re.compile(r"^(\w+):")


def _placeholder_fix(rel: str, section: str, line: str) -> str:
    if line.lstrip().startswith("#"):
        return "replace the TODO comment with a line on what this part covers"
    if rel.startswith("tests/heldout/"):
        return f"write {MIN_HELD_OUT}+ phrasings a visitor might use that are not training examples"
    if rel.endswith("test_stories.yml"):
        return "write a visitor's message in words that are not a training example"
    if section == "nlu":
        return f"replace it with {MIN_EXAMPLES}+ varied ways a visitor asks this (docs/adding-an-intent.md)"
    if section == "responses" and re.match(r"\s*(?:-\s*)?(?:title|publisher|year|url):", line):
        return "cite the primary source: its title, publisher, year and https URL"
    if section == "responses":
        return "write the answer: plain words, grade <= 8, no doses, no phone numbers (utter_contacts_<route>)"
    return "replace the TODO with the real content"


def placeholder_problems(paths: Iterable[Path]) -> List[str]:
    """Scaffolded TODO placeholders (scripts/new_intent.py) left in data or test files."""
    problems = []
    for path in paths:
        rel = str(path.relative_to(ROOT))
        section, key, found = "", "(header comment)", {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if _SECTION_LINE.match(line):
                section = _SECTION_LINE.match(line).group(1)
                key = f"({section})" if section != "version" else "(header comment)"
            named = _KEY_LINE.match(line)
            if named:
                key = (named.group(1) or named.group(2)).strip().strip("'\"")
            if PLACEHOLDER.search(line):
                fix = _placeholder_fix(rel, section, line)
                first, count = found.get((key, fix), (number, 0))
                found[(key, fix)] = (first, count + 1)
        for (key, fix), (first, count) in found.items():
            problems.append(f"{rel}:{first}: {key}: {count} TODO placeholder(s) left. Fix: {fix}.")
    return problems


def held_out_problems(bank: Bank, held_out: Dict[str, List[str]], held_out_files: Dict[str, Path]) -> List[str]:
    """Every answer intent has MIN_HELD_OUT held-out phrasings, none of them a training example.

    guard_* intents are evaluated by their own sets (tests/guardrails/*_cases.yml)."""
    problems = []
    training = {same_question(e): i for i, ex in bank.examples.items() for e in ex}
    for intent in sorted(bank.examples):
        if intent.startswith("guard_"):
            continue
        count = len(held_out.get(intent, []))
        if count < MIN_HELD_OUT:
            where = held_out_files.get(intent)
            where = where.relative_to(ROOT) if where else f"tests/heldout/{bank.example_files[intent].name}"
            problems.append(
                f"{where}: {intent}: {count} held-out phrasing(s), needs {MIN_HELD_OUT}. Fix: add different "
                "wordings (never training examples) to this file."
            )
    for intent, phrasings in sorted(held_out.items()):
        where = held_out_files[intent].relative_to(ROOT)
        if intent not in bank.examples:
            problems.append(
                f"{where}: {intent}: no such intent in data/. Fix: remove the block or rename it to the intent."
            )
        for text in phrasings:
            other = training.get(same_question(text))
            if other:
                problems.append(
                    f"{where}: {intent}: held-out phrasing '{text}' is also a training example of {other}. "
                    "Fix: reword one of them."
                )
    return problems


# --- Citations a reader can follow from the clone ---------------------------------------------------------

UNKNOWN_HOMES = ("https://github.com/ptsd-assistant/",)  # no such public repository is known
_NAMED_FILE = re.compile(r"\b([\w./-]+\.md)\b")


def reference_problems(bank: Bank, root: Path = ROOT) -> List[str]:
    """Review records naming a document that is not in the clone, and sources at an address that is not known to
    exist. scripts/point_sources_home.py fixes both (the assistant's own pages; docs/evidence.md)."""
    problems = []
    for name, i, variant in bank.variants():
        metadata = variant.get("metadata") or {}
        for source in metadata.get("sources") or []:
            if str(source.get("url", "")).startswith(UNKNOWN_HOMES):
                problems.append(
                    f"{_label(bank, name)}[{i}]: cites {source['url']}, which is not known to exist. "
                    "Fix: python scripts/point_sources_home.py"
                )
        against = str((metadata.get("review") or {}).get("checked_against", ""))
        for named in _NAMED_FILE.findall(against):
            if not (root / named).exists():
                problems.append(
                    f"{_label(bank, name)}[{i}]: its review was checked against {named}, which is not in the "
                    "repository. Fix: python scripts/point_sources_home.py"
                )
    return problems
