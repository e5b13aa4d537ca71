"""The project's own checks of the answer bank, beyond `rasa data validate`.

Usage: python scripts/validate_bank.py [--today YYYY-MM-DD]     (make validate runs it)

Prints one line per problem (file: key: problem. Fix: ...), then a summary; exits 1 on any problem.
Checks: the bank's schema (bank/schema.yml), a review bound to each text's fingerprint, a primary first
source, no TODO placeholder left (scripts/new_intent.py), reading grade, no dose-like amounts, changing
facts checked within the last 180 days (reported as STALE), training examples (count, none shared),
rules, guardrail conflicts, held-out phrasings, and no hotline number outside guardrails/hotlines.yml.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank import checks  # noqa: E402
from bank.loader import load_bank, load_nlu_file  # noqa: E402

HELDOUT_DIR = ROOT / "tests" / "heldout"
STORIES = ROOT / "tests" / "test_stories.yml"

# As in tests/test_bank_invariants.py: where a hotline number may legitimately appear.
NUMBERS_ALLOWED = {"guardrails/hotlines.yml", "data/guardrails/contacts.yml", "tests/test_bank_invariants.py"}
NUMBERS_SKIP_SUFFIXES = (".png", ".jpg", ".ico", ".gz", ".woff", ".woff2")
WALK_SKIP_DIRS = {".git", ".venv", "node_modules", "models", "results", ".rasa", "var", "__pycache__"}
WALK_SKIP_DIRS |= {".pytest_cache", ".ruff_cache"}

SCHEMA_FIXES = [
    (
        "'review' is a required property",
        'check the text against its sources, then run make review KEY={key} BY="Your Name" AGAINST="the sources"',
    ),
    ("'sources' is a required property", "add metadata.sources, the primary source first (docs/answer-bank.md)"),
    ("year", 'write the year as a string: "2023" or "n.d."'),
    ("url", "use the source's https:// address"),
]
EXAMPLES_FIX = (
    "add varied ways a visitor asks it: questions, statements, typos, short forms (docs/adding-an-intent.md)."
)
RULES_FIX = "each intent needs a rule (intent, then utter_<key>) beside it, and each utter_ action a response."


def repo_files() -> List[str]:
    """Files git would track (tracked plus untracked, not ignored); on a copy outside git, walk the tree."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        if Path(top).resolve() == ROOT:
            listed = subprocess.run(
                ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
            return sorted(listed)
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if path.is_file() and not WALK_SKIP_DIRS.intersection(rel.parts):
            found.append(rel.as_posix())
    return sorted(found)


def number_checked_files() -> Iterator[Path]:
    for rel in repo_files():
        path = ROOT / rel
        if rel in NUMBERS_ALLOWED or rel.endswith(NUMBERS_SKIP_SUFFIXES) or not path.is_file():
            continue
        # visitors' own words in evaluation sets may mention a hotline number
        if rel.startswith(("tests/guardrails/", "tests/heldout/", "evaluation/")) and rel.endswith(".yml"):
            continue
        yield path


def placeholder_files() -> List[Path]:
    paths = sorted((ROOT / "data").rglob("*.yml")) + sorted(HELDOUT_DIR.glob("*.yml"))
    return paths + ([STORIES] if STORIES.exists() else [])


def held_out() -> Tuple[Dict[str, List[str]], Dict[str, Path]]:
    phrasings: Dict[str, List[str]] = {}
    files: Dict[str, Path] = {}
    for path in sorted(HELDOUT_DIR.glob("*.yml")):
        for intent, examples in load_nlu_file(path).items():
            phrasings.setdefault(intent, []).extend(examples)
            files.setdefault(intent, path)
    return phrasings, files


def with_schema_fix(problem: str) -> str:
    if "Fix:" in problem:
        return problem
    key = problem.split(": ", 2)[1].split("[", 1)[0].removeprefix("utter_") if ": " in problem else "..."
    for needle, fix in SCHEMA_FIXES:
        if needle in problem:
            return f"{problem}. Fix: {fix.format(key=key)}."
    return f"{problem}. Fix: see bank/schema.yml and docs/answer-bank.md."


def with_fix(problem: str, fix: str) -> str:
    return problem if "Fix:" in problem else f"{problem} Fix: {fix}"


def run_checks(today: dt.date) -> List[Tuple[str, List[str]]]:
    try:
        bank = load_bank()
    except Exception as error:  # a YAML error or a response defined twice: nothing else can run
        return [("load", [f"data/: the bank does not load: {error}. Fix: correct the file it names."])]
    phrasings, phrasing_files = held_out()
    suite: List[Tuple[str, Callable[[], List[str]]]] = [
        ("schema", lambda: [with_schema_fix(p) for p in checks.schema_problems(bank)]),
        ("review", lambda: checks.review_problems(bank)),
        ("primary source", lambda: checks.primary_source_problems(bank)),
        ("placeholders", lambda: checks.placeholder_problems(placeholder_files())),
        ("reading grade", lambda: checks.readability_problems(bank)),
        ("doses", lambda: checks.dose_problems(bank)),
        ("stale facts", lambda: ["STALE " + p for p in checks.stale_facts(bank, today)]),
        ("training examples", lambda: [with_fix(p, EXAMPLES_FIX) for p in checks.example_problems(bank)]),
        ("rules", lambda: [with_fix(p, RULES_FIX) for p in checks.rule_problems(bank)]),
        ("guardrail conflicts", lambda: checks.guard_conflicts(bank)),
        ("held-out phrasings", lambda: checks.held_out_problems(bank, phrasings, phrasing_files)),
        ("hotline numbers", lambda: checks.numbers_outside_directory(number_checked_files())),
        ("citations inside the clone", lambda: checks.reference_problems(bank)),
    ]
    results = []
    for name, check in suite:
        try:
            results.append((name, check()))
        except Exception as error:  # a malformed entry must fail validation, not crash it
            results.append((name, [f"the {name} check could not run: {type(error).__name__}: {error}"]))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(), help="for the stale check")
    args = parser.parse_args()
    results = run_checks(args.today)
    failed = [(name, problems) for name, problems in results if problems]
    for _name, problems in failed:
        for problem in problems:
            print(problem)
    total = sum(len(p) for _n, p in failed)
    if failed:
        counts = ", ".join(f"{name} {len(problems)}" for name, problems in failed)
        print(f"\nvalidate_bank: {total} problem(s) ({counts}). The walkthrough: docs/adding-an-intent.md")
        return 1
    print(f"validate_bank: all {len(results)} checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
