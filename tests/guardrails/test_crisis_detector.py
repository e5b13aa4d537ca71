"""Tests for the deterministic crisis detector (guardrails/crisis.py) and its evaluation set.

Run: cd /work/main && .venv/bin/pytest -q tests/guardrails/test_crisis_detector.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bank.loader import parse_examples  # noqa: E402
from guardrails.crisis import KINDS, assess, load_lexicon, normalise  # noqa: E402
from guardrails.verdict import Verdict  # noqa: E402
from scripts.eval_crisis import CASES, MAX_FPR, evaluate, format_report, load_cases  # noqa: E402

TRAINING = ROOT / "data" / "guardrails" / "crisis.yml"


def crisis_kind(text: str):
    v = assess(text)
    return v.kind if v is not None and not v.vetoed else None


# ----------------------------------------------------------------------------- unit tests per kind


@pytest.mark.parametrize(
    "text, kind",
    [
        ("I want to kill myself", "suicide"),
        ("i want to commit suicide", "suicide"),
        ("kms", "suicide"),
        ("thinking about unaliving myself", "suicide"),
        ("i wish i could go to sleep and not wake up", "suicide"),
        ("everybody would be better off without me", "suicide"),
        ("how many tylenol would it take", "suicide"),
        ("cant stop thinking about the bridge", "suicide"),
        ("my gun is loaded", "suicide"),
        ("i finished writing my goodbye letters", "suicide"),
        ("i keep cutting myself", "self_harm"),
        ("i burn myself when i get triggered", "self_harm"),
        ("I took a whole bottle of pills", "overdose"),
        ("ill take the whole bag", "overdose"),
        ("i want to kill my neighbour", "harm_others"),
        ("my boyfriend hits me", "domestic_violence"),
        ("my mom beats me with a belt", "domestic_violence"),
        ("i was raped", "sexual_assault"),
        ("i was molested when i was 8", "sexual_assault"),
        ("my dad is having a heart attack", "medical"),
        ("she is not breathing", "medical"),
        ("my friend says he wants to die", "third_party"),
        ("my brother is talking about killing himself", "third_party"),
        ("i'm in crisis", "general"),
        ("i cant go on", "general"),
    ],
)
def test_each_kind(text, kind):
    v = assess(text)
    assert isinstance(v, Verdict) and v.guard == "crisis" and not v.vetoed
    assert v.kind == kind and v.intent == f"guard_crisis_{kind}"
    assert v.pattern and v.matched  # the deciding lexicon entry and span are recorded


@pytest.mark.parametrize(
    "text",
    [
        "i want to commit sucide",
        "feeling suicidel",
        "i wanna kil myself",
        "i feel like dieing",
        "I WANT TO DIEEEEE",
        "i want to dieeee!!!",
        "im    so   suicidal...",
        "i dont wanna live anymore",
        "suiside is all i think about",
        "kill my self",
    ],
)
def test_misspellings_and_noise(text):
    assert crisis_kind(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "this paperwork is killing me",
        "that cheesecake is to die for",
        "im dying to know the ending",
        "i could kill for a coffee",
        "she is killing it at work",
        "my phone died",
        "i nearly died laughing",
        "dead tired",
        "how do i cut onions",
        "the battery died",
        "overdosed on coffee lol",
    ],
)
def test_idioms_are_not_crisis(text):
    v = assess(text)
    assert v is None or v.vetoed, f"{text!r} -> {v}"


def test_idiom_verdict_records_the_veto():
    v = assess("this paperwork is killing me")
    assert v is not None and v.vetoed and v.intent is None and v.pattern.startswith("idiom.")


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, I just can't sleep",
        "I don't want to kill myself, I want to know about EMDR",
        "i would never hurt myself",
    ],
)
def test_negations_veto(text):
    v = assess(text)
    assert v is not None and v.vetoed and v.intent is None and v.kind == "negation"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("I'm not sure I want to live", "suicide"),
        ("im not suicidal but i want to die", "suicide"),
        ("i dont want to kill myself but i keep thinking about it", "suicide"),
        ("i'm not suicidal. i cut myself last night though", "self_harm"),
        ("not suicidal, just wish i would not wake up", "suicide"),
    ],
)
def test_negation_only_vetoes_what_it_negates(text, kind):
    assert crisis_kind(text) == kind


def test_topic_question_routes_to_information():
    v = assess("what is the suicide rate among veterans")
    assert v is not None and v.vetoed and v.intent == "faq_ptsd_suicide_risk"


def test_crisis_after_topic_question_still_wins():
    assert crisis_kind("what is the suicide rate among veterans? asking because i want to kill myself") == "suicide"


@pytest.mark.parametrize(
    "text",
    [
        "hi i have a question about kratom i have been using it for about two years for my back and my ptsd "
        "and my wife says i should stop but honestly some nights i just want to die and kratom is the only "
        "thing that takes the edge off so how do i taper",
        "can kratom help with ptsd nightmares? also i took a whole bottle of my pills an hour ago",
        "long story short the va lost my paperwork again, my therapist left, i cant sleep, and i have been "
        "thinking about ending my life, anyway what is cpt",
    ],
)
def test_crisis_buried_in_long_message(text):
    assert crisis_kind(text) is not None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("quiero morir", "suicide"),
        ("me quiero matar", "suicide"),
        ("no quiero vivir", "suicide"),
        ("me voy a suicidar", "suicide"),
        ("je veux mourir", "suicide"),
        ("je vais me suicider", "suicide"),
        ("j'ai envie de mourir", "suicide"),
        ("je vais me tuer", "suicide"),
        ("mi esposo me pega", "domestic_violence"),
        ("me violaron", "sexual_assault"),
        ("mon ami veut se suicider", "third_party"),
    ],
)
def test_spanish_and_french(text, kind):
    assert crisis_kind(text) == kind


@pytest.mark.parametrize("text", ["me muero de risa", "no quiero morir, quiero mejorar", "je ne suis pas suicidaire"])
def test_spanish_and_french_negatives(text):
    v = assess(text)
    assert v is None or v.vetoed


def test_precedence_overdose_beats_suicide():
    assert crisis_kind("i want to die so i took all my pills") == "overdose"


def test_no_crisis_language_returns_none():
    assert assess("how long does prolonged exposure therapy take") is None


def test_lexicon_is_complete_and_documented():
    lex = load_lexicon()
    assert sorted(lex.precedence) == sorted(KINDS)
    assert {e.kind for e in lex.crisis} == set(KINDS)
    raw = yaml.safe_load((ROOT / "guardrails" / "lexicons" / "crisis.yml").read_text(encoding="utf-8"))
    for section in ("crisis", "idioms", "negations", "topics"):
        for item in raw[section]:
            assert item.get("id") and item.get("why"), item


# ----------------------------------------------------------------------------- the evaluation set


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_evaluation_set_size():
    cases = load_cases()
    pos, neg = cases["positives"], cases["negatives"]
    assert len(pos) >= 330 and len(neg) >= 220
    per_kind = {k: sum(1 for c in pos if c["kind"] == k) for k in KINDS}
    for kind, n in per_kind.items():
        assert n >= (1 if kind == "general" else 25), (kind, n)


def test_every_positive_is_detected(report):
    print(format_report(report))  # shows per-kind recall, wrong kinds and false positives with -s
    assert not report.misses, "missed crises:\n" + "\n".join(f"[{k}] {t}" for k, t in report.misses)


def test_false_positive_rate(report):
    assert report.fpr <= MAX_FPR, "false positives:\n" + "\n".join(t for _, _, t in report.false_positives)


def test_evaluation_texts_never_used_for_training():
    doc = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    training = {normalise(e) for item in doc["nlu"] for e in parse_examples(item.get("examples", ""))}
    cases = load_cases(CASES)
    overlap = [c["text"] for c in cases["positives"] + cases["negatives"] if normalise(c["text"]) in training]
    assert not overlap, f"evaluation texts found in training data: {overlap}"


def test_the_evaluation_can_fail(tmp_path):
    """Guard against a vacuous evaluation: a planted miss and a planted false positive must both fail."""
    bad = {
        "positives": [{"kind": "suicide", "text": "the weather is nice today"}],
        "negatives": [{"type": "idiom", "text": "i want to kill myself"}],
    }
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    r = evaluate(path)
    assert r.misses and r.false_positives and not r.passed
