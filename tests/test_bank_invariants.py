"""Invariants of the answer bank that Rasa does not check (no trained model needed)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from bank import checks
from bank.loader import ROOT, load_bank
from scripts.validate_bank import number_checked_files

BANK = load_bank()


def _report(problems):
    assert not problems, "\n" + "\n".join(problems)


def test_bank_has_at_least_45_answer_keys():
    answers = [n for n in BANK.responses if n.startswith("utter_faq_")]
    assert len(answers) >= 45, f"only {len(answers)} faq answers"


def test_every_response_has_sources_and_a_review_by_schema():
    _report(checks.schema_problems(BANK))


def test_every_review_is_bound_to_the_exact_text():
    _report(checks.review_problems(BANK))


def test_editing_a_text_voids_its_review():
    name, _, variant = next(BANK.variants())
    edited = dict(variant, text=variant["text"] + " Edited.")
    assert checks.fingerprint(edited) != variant["metadata"]["review"]["text_sha256"]


def test_clinical_review_is_honestly_pending_or_signed():
    for name, _i, variant in BANK.variants():
        status = variant["metadata"]["review"]["clinical_review"]
        assert status == "pending" or status.startswith("signed: "), name


def test_answers_read_at_grade_8_or_below():
    _report(checks.readability_problems(BANK))


def test_no_dose_like_number_and_unit_in_any_response():
    _report(checks.dose_problems(BANK))


def test_dose_pattern_catches_amounts():
    for said in ["take 2 g", "about 5 grams", "a teaspoon", "two capsules", "50mg", "half a spoon"]:
        assert checks.DOSE_PATTERN.search(said), said
    for said in ["12 sessions", "8 in 100 people", "in 2018", "90 minutes"]:
        assert not checks.DOSE_PATTERN.search(said), said


def test_changing_facts_are_not_stale():
    _report(checks.stale_facts(BANK, dt.date.today()))


def test_stale_check_reports_old_facts():
    long_after = dt.date.today() + dt.timedelta(days=checks.STALE_AFTER_DAYS + 400)
    assert checks.stale_facts(BANK, long_after), "facts_checked_on dates must exist and age"


def test_every_intent_has_enough_distinct_examples_and_none_shared():
    _report(checks.example_problems(BANK))


def test_no_answer_example_is_routed_elsewhere_by_a_guardrail():
    _report(checks.guard_conflicts(BANK))


def test_every_intent_is_answered_by_a_rule_with_an_existing_response():
    _report(checks.rule_problems(BANK))


def test_every_intent_has_held_out_phrasings():
    from bank.loader import load_nlu_file

    held_out = {}
    for path in sorted((ROOT / "tests" / "heldout").glob("*.yml")):
        for intent, examples in load_nlu_file(path).items():
            held_out.setdefault(intent, []).extend(examples)
    guard_intents = {i for i in BANK.examples if i.startswith("guard_")}  # evaluated by their own sets
    missing = sorted(set(BANK.examples) - set(held_out) - guard_intents)
    assert not missing, f"intents without held-out phrasings in tests/heldout/: {missing}"
    training = {" ".join(e.lower().split()) for ex in BANK.examples.values() for e in ex}
    leaked = [e for ex in held_out.values() for e in ex if " ".join(e.lower().split()) in training]
    assert not leaked, f"held-out phrasings that are also training examples: {leaked}"


def test_no_hotline_number_outside_the_directory():
    assert "988" in checks.hotline_numbers() and "1-800-222-1222" in checks.hotline_numbers()
    _report(checks.numbers_outside_directory(number_checked_files()))


def test_number_check_sees_other_spellings(tmp_path):
    leak = ROOT / "tests" / "_leak_probe.txt"
    leak.write_text("call 1 800 222 1222 or 988 now")
    try:
        problems = checks.numbers_outside_directory([leak])
    finally:
        leak.unlink()
    assert any("1-800-222-1222" in p for p in problems) and any("988" in p for p in problems)


def test_generated_files_are_current():
    for script in ("generate_contacts.py", "sync_domain.py"):
        result = subprocess.run(
            [sys.executable, f"scripts/{script}", "--check"], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("key", ["faq_about_sources"])
def test_assistant_says_clinical_review_is_pending(key):
    text = BANK.responses[f"utter_{key}"][0]["text"].lower()
    assert "pending" in text or "not yet" in text or "has not" in text
