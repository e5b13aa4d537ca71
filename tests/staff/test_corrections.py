"""Corrections that become tests and phrasings that become training data (staff/corrections.py), on scratch
copies: the visitor's words are checked before saving; a correction is a known-failure story that fails on the
model that got it wrong and passes on a model trained with the fix (a small scratch model, trained here)."""

from __future__ import annotations

import asyncio
import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from bank.loader import load_bank
from staff import corrections
from staff.stories import mismatches, turns_of
from tests.conftest import ROOT
from tests.test_maintainer_path import scratch_copy


def turn(event_id: int, text: str, intent: str, actions, keys):
    return {"event_id": event_id, "text": text, "intent": intent, "actions": list(actions), "answer_keys": list(keys)}


def test_suggested_redaction_removes_numbers_addresses_and_links_and_points_at_names():
    text = "I'm Maria from Leeds, 34, call 07700 900123 or mail maria.k@example.org, see www.x.org @mk"
    done = corrections.suggest_redaction(text)
    assert "34" not in done["suggested"] and "07700" not in done["suggested"]
    assert "[email]" in done["suggested"] and "[link]" in done["suggested"] and "@mk" not in done["suggested"]
    assert set(done["check"]) >= {"Maria", "Leeds"} and "I'm" not in done["check"]
    assert corrections.suggest_redaction("What is EMDR? My friend Tom said")["check"] == ["Tom"]


@pytest.mark.parametrize("text", ["i am 34", "mail me a@b.org", "see https://x.org", "ask @someone", " ", None])
def test_words_still_holding_numbers_addresses_or_links_are_not_saved(text):
    with pytest.raises(corrections.CorrectionError):
        corrections.confirmed_text(text)


def test_a_wrong_reply_becomes_a_known_failure_story_with_its_note(tmp_path):
    root = scratch_copy(tmp_path)
    turns = [
        turn(3, "hi there", "greet", ["utter_greet"], ["greet"]),
        turn(7, "there is a loaded gun at home", "nlu_fallback", ["utter_fallback"], ["fallback"]),
    ]
    texts = {3: "hi there", 7: "there is a loaded gun at home"}
    path, story = corrections.save_story(
        root, turns, texts, "ana", right=False, expected_key="guard_crisis_harm_others", note="a gun is a crisis"
    )
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    saved = doc["stories"][-1]
    assert doc["version"] == "3.1" and saved["metadata"]["known_failure"] is True
    assert saved["metadata"]["note"] == "a gun is a crisis" and saved["metadata"]["got"] == ["fallback"]
    steps = turns_of(saved)
    assert steps[0] == {"user": "hi there", "intent": "greet", "actions": ["utter_greet"]}
    assert steps[1]["intent"] == "guard_crisis_harm_others"
    assert steps[1]["actions"][:2] == ["utter_guard_crisis_harm_others", "utter_contacts_crisis"]
    path, _ = corrections.save_story(root, turns[:1], {3: "hi there"}, "ana", right=True)
    right = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"][-1]
    assert "known_failure" not in right["metadata"] and turns_of(right)[0]["actions"] == ["utter_greet"]


def test_a_correction_needs_an_answer_from_the_bank_a_note_and_clean_words(tmp_path):
    root = scratch_copy(tmp_path)
    judged = [turn(7, "x", "nlu_fallback", ["utter_fallback"], ["fallback"])]
    for kwargs, texts in (
        ({"expected_key": "guard_crisis_harm_others", "note": ""}, {7: "a gun"}),
        ({"expected_key": "no_such_answer", "note": "n"}, {7: "a gun"}),
        ({"expected_key": "contacts_crisis", "note": "n"}, {7: "a gun"}),
        ({"expected_key": "guard_crisis_harm_others", "note": "n"}, {7: "my number is 555"}),
    ):
        with pytest.raises(corrections.CorrectionError):
            corrections.save_story(root, judged, texts, "ana", right=False, **kwargs)
    assert not (root / corrections.STORIES).exists()


def test_a_phrasing_joins_the_answers_examples_unless_another_intent_or_a_guardrail_has_it(tmp_path):
    root = scratch_copy(tmp_path)
    path, intent, line = corrections.add_example(root, "faq_treatment_emdr", "that eye wiggle therapy thing")
    assert intent == "faq_treatment_emdr" and path.name == "treatments.yml"
    assert "that eye wiggle therapy thing" in load_bank(root / "data").examples[intent]
    assert path.read_text(encoding="utf-8").splitlines()[line - 1].strip() == "- that eye wiggle therapy thing"
    with pytest.raises(corrections.CorrectionError, match="Already a training example"):
        corrections.add_example(root, "faq_treatment_cpt", "That eye-wiggle therapy thing!")
    with pytest.raises(corrections.CorrectionError, match="guardrails send these words"):
        corrections.add_example(root, "faq_treatment_emdr", "i want to kill myself")


def test_answer_choices_are_answers_a_single_message_gets():
    choices = {c["key"]: c for c in corrections.answer_choices(ROOT)}
    assert choices["faq_treatment_emdr"]["intent"] == "faq_treatment_emdr"
    assert choices["guard_crisis_suicide"]["actions"][1] == "utter_contacts_crisis"
    assert "contacts_crisis" not in choices
    assert [c["key"] for c in corrections.answer_choices(ROOT, "emdr")][0] == "faq_treatment_emdr"


# --- A correction on a small scratch model: fails on the model that got it wrong, passes once it is fixed ----

TINY_DOMAIN = """\
version: "3.1"
entities: [region, topic]
slots:
  region: {type: text, influence_conversation: false, mappings: [{type: from_entity, entity: region}]}
  topic: {type: text, influence_conversation: false, mappings: [{type: from_entity, entity: topic}]}
intents: [faq_treatment_emdr, faq_treatment_cpt, greet]
"""
TINY_EXAMPLES = {
    "faq_treatment_emdr": "what is emdr|tell me about emdr|emdr therapy|how does emdr work|explain emdr|is emdr good"
    "|emdr meaning|what happens in emdr|does emdr help|emdr sessions|whats emdr|eye movement desensitization"
    "|info on emdr|emdr for trauma|describe emdr",
    "faq_treatment_cpt": "what is cpt|tell me about cpt|cpt therapy|how does cpt work|explain cpt|is cpt good"
    "|cognitive processing therapy|what happens in cpt|does cpt help|cpt sessions|whats cpt|cognitive processing"
    "|info on cpt|cpt for trauma|describe cognitive processing therapy",
    "greet": "hi|hello|hey|good morning|hi there|hello there|hey there|good evening|greetings|howdy|hiya"
    "|good afternoon|yo|hey hey|hello hello",
}
PHRASE = "the one where you follow a moving light with your gaze"


def tiny_project(root: Path) -> Path:
    """A bank of three answers, trained with the project's real pipeline (config.yml)."""
    (root / "data").mkdir(parents=True)
    shutil.copy(ROOT / "config.yml", root / "config.yml")
    (root / "domain.yml").write_text(TINY_DOMAIN, encoding="utf-8")
    nlu = [{"intent": i, "examples": "".join(f"- {e}\n" for e in ex.split("|"))} for i, ex in TINY_EXAMPLES.items()]
    rules = [{"rule": i, "steps": [{"intent": i}, {"action": f"utter_{i}"}]} for i in TINY_EXAMPLES]
    rules.append({"rule": "nlu_fallback", "steps": [{"intent": "nlu_fallback"}, {"action": "utter_fallback"}]})
    responses = {f"utter_{i}": [{"text": f"About {i}."}] for i in [*TINY_EXAMPLES, "fallback"]}
    doc = {"version": "3.1", "nlu": nlu, "rules": rules, "responses": responses}
    text = yaml.safe_dump(doc, sort_keys=False, width=1000)
    for i in TINY_EXAMPLES:  # examples as the literal blocks Rasa files use (add_example edits them in place)
        block = "".join(f"- {e}\n" for e in TINY_EXAMPLES[i].split("|"))
        text = text.replace(
            yaml.safe_dump({"examples": block}, width=1000).strip(), "examples: |\n" + textwrap.indent(block, "    ")
        )
    (root / "data" / "bank.yml").write_text(text, encoding="utf-8")
    return root


def train(project: Path) -> Path:
    """Train in this process: Rasa and its model libraries are loaded once already (a new process spends
    most of its time importing them). The training cache goes into the project, not the repository."""
    from rasa.model_training import train as rasa_train

    done = rasa_train(
        str(project / "domain.yml"),
        str(project / "config.yml"),
        [str(project / "data")],
        str(project / "models"),
        fixed_model_name="model",
    )
    assert done.code == 0, project
    return project / "models" / "model.tar.gz"


def test_a_correction_fails_on_the_model_that_got_it_wrong_and_passes_once_fixed(tmp_path, monkeypatch, agent):
    from rasa.core.agent import Agent

    from staff.explain import in_memory

    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))

    before, after = tiny_project(tmp_path / "before"), tmp_path / "after"
    # staff saw PHRASE get a wrong reply and corrected it, and added the words to EMDR's examples
    judged = [turn(1, PHRASE, "nlu_fallback", ["utter_fallback"], ["fallback"])]
    path, _ = corrections.save_story(
        before, judged, {1: PHRASE}, "ana", right=False, expected_key="faq_treatment_emdr", note="means EMDR"
    )
    story = yaml.safe_load(path.read_text(encoding="utf-8"))["stories"][-1]
    shutil.copytree(before, after)
    corrections.add_example(after, "faq_treatment_emdr", PHRASE)
    models = [train(before), train(after)]
    loop = asyncio.new_event_loop()
    try:
        wrong, fixed = [loop.run_until_complete(mismatches(in_memory(Agent.load(str(m))), story)) for m in models]
    finally:
        loop.close()
    assert wrong and "expected faq_treatment_emdr" in wrong[0]
    assert fixed == [], fixed
