"""Bank checks on a scratch copy: the duplicate-example check ignores case and punctuation and names the file
and line of both copies."""

from __future__ import annotations

import re

from bank import checks
from bank.loader import example_lines, load_bank, same_question
from tests.test_maintainer_path import scratch_copy


def test_same_question_ignores_case_apostrophes_and_punctuation():
    assert same_question("What's EMDR?") == same_question("whats emdr") == "whats emdr"
    assert same_question("TF-CBT, please!") == same_question("tf cbt please")
    assert same_question("what is emdr") != same_question("what is cpt")


def test_a_question_taught_to_two_intents_is_named_with_file_and_line(tmp_path):
    root = scratch_copy(tmp_path)
    path = root / "data" / "answer_bank" / "treatments.yml"
    text = path.read_text(encoding="utf-8")
    emdr_line = next(n for i, e, n in example_lines(path) if i == "faq_treatment_emdr")
    first_cpt = next((i, e, n) for i, e, n in example_lines(path) if i == "faq_treatment_cpt")
    lines = text.splitlines(keepends=True)
    indent = re.match(r"\s*", lines[first_cpt[2] - 1]).group(0)
    original = next(e for i, e, n in example_lines(path) if n == emdr_line)
    lines.insert(first_cpt[2], f"{indent}- {original.upper()}?!\n")  # same question, shouted, under CPT
    path.write_text("".join(lines), encoding="utf-8")
    problems = [p for p in checks.example_problems(load_bank(root / "data")) if "same question" in p]
    assert len(problems) == 1, problems
    # both copies are named, each by file and line (the EMDR line moved down by the inserted one)
    assert f"treatments.yml:{first_cpt[2] + 1}" in problems[0] and f"treatments.yml:{emdr_line + 1}" in problems[0]
    assert "faq_treatment_cpt" in problems[0] and "faq_treatment_emdr" in problems[0] and "Fix:" in problems[0]


def test_the_repository_has_no_question_taught_to_two_intents():
    assert not [p for p in checks.example_problems(load_bank()) if "same question" in p]
