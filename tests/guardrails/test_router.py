"""The routing decision (pure) and its thin Rasa wrapper, without a trained model."""

from __future__ import annotations

import pytest

from guardrails import router
from guardrails.region import detect_region

NOTHING = [("faq_ptsd_what", 0.9), ("faq_ptsd_symptoms", 0.05)]


def test_deterministic_crisis_overrides_any_classifier_intent_including_fallback():
    routing = router.route("i want to kill myself", "nlu_fallback", [("nlu_fallback", 0.3), ("greet", 0.2)])
    assert routing.intent == "guard_crisis_suicide"
    assert routing.guardrail["layer"] == "deterministic" and routing.guardrail["pattern"]


def test_learned_crisis_routes_when_the_classifier_is_sure_enough():
    ranking = [("guard_crisis_suicide", 0.4), ("guard_crisis_general", 0.3), ("greet", 0.1)]
    routing = router.route("zzqx blorp", "guard_crisis_suicide", ranking, learned_crisis_threshold=0.5)
    assert routing.intent == "guard_crisis_suicide" and routing.guardrail["layer"] == "learned"


def test_learned_crisis_below_threshold_is_demoted_to_the_next_answer_or_fallback():
    ranking = [("guard_crisis_suicide", 0.3), ("greet", 0.25)]
    routing = router.route("zzqx blorp", "guard_crisis_suicide", ranking, learned_crisis_threshold=0.5)
    assert routing.intent == "nlu_fallback" and routing.guardrail["demoted"]
    ranking = [("guard_crisis_suicide", 0.4), ("faq_meds_prazosin_nightmares", 0.35)]
    routing = router.route("zzqx blorp", "guard_crisis_suicide", ranking, learned_crisis_threshold=0.5)
    assert routing.intent == "faq_meds_prazosin_nightmares"


def test_a_vetoed_message_never_keeps_a_crisis_intent_from_the_classifier():
    ranking = [("guard_crisis_suicide", 0.8), ("faq_meds_prazosin_nightmares", 0.15)]
    routing = router.route("im not suicidal, i just cant sleep", "guard_crisis_suicide", ranking)
    assert routing.intent is not None and not routing.intent.startswith("guard_crisis_")
    assert routing.guardrail["vetoed"]


def test_question_about_suicide_as_a_topic_gets_the_informational_answer():
    routing = router.route("what is the suicide rate among veterans with ptsd", "guard_crisis_suicide", [])
    assert routing.intent == "faq_ptsd_suicide_risk"


def test_kratom_dose_request_routes_to_the_refusal_and_sets_the_topic():
    routing = router.route("how many grams of kratom for anxiety", "faq_kratom_what", NOTHING)
    assert routing.intent == "guard_kratom_dose" and routing.entities["topic"] == "kratom"


def test_crisis_beats_a_kratom_dose_request():
    routing = router.route("how much kratom would it take to end my life", "faq_kratom_what", NOTHING)
    assert routing.intent.startswith("guard_crisis_")


def test_region_from_text_wins_over_the_page_setting():
    routing = router.route("I live in the UK", "inform_region", NOTHING, metadata={"region": "au"})
    assert routing.entities["region"] == "uk"
    assert router.route("hello", "greet", NOTHING, metadata={"region": "au"}).entities["region"] == "au"


def test_unknown_page_region_is_ignored():
    assert "region" not in router.route("hello", "greet", NOTHING, metadata={"region": "mars"}).entities


@pytest.mark.parametrize(
    "text,region",
    [
        ("I live in the UK", "uk"),
        ("i'm in toronto", "ca"),
        ("we moved to australia", "au"),
        ("uk", "uk"),
        ("here in dublin", "ie"),
        ("is kratom legal in germany", None),
        ("i am in pain", None),
        ("tell us more", None),
    ],
)
def test_region_detection(text, region):
    assert detect_region(text) == region


def _component_message(text):
    from rasa.shared.nlu.training_data.message import Message

    message = Message(data={"text": text, "metadata": {}})
    message.set("intent", {"name": "nlu_fallback", "confidence": 0.3})
    message.set("intent_ranking", [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "greet", "confidence": 0.2}])
    return message


def test_component_fails_closed_to_the_crisis_safe_reply(monkeypatch):
    from guardrails import crisis
    from guardrails.rasa_component import GuardrailRouter

    def broken(text):
        raise RuntimeError("lexicon failed to load")

    monkeypatch.setattr(crisis, "assess", broken)
    message = GuardrailRouter({}).process([_component_message("anything at all")])[0]
    assert message.get("intent")["name"] == router.FAIL_SAFE_INTENT
    assert message.get("guardrail")["layer"] == "error"


def test_component_records_the_pattern_in_parse_output():
    from guardrails.rasa_component import GuardrailRouter

    message = GuardrailRouter({}).process([_component_message("i want to end my life")])[0]
    output = message.as_dict(only_output_properties=True)
    assert output["intent"]["name"].startswith("guard_crisis_")
    assert output["guardrail"]["pattern"]
    assert output["intent_ranking"][0]["name"] == output["intent"]["name"]
