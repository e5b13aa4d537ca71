"""The plain-language verdict for every outcome the pipeline records (tests on synthetic parse data, both the
current record shape and the older one), and the red banner."""

from __future__ import annotations

import pytest

from staff.verdict import KINDS, guard_record, verdict

BAND = {"checkin_from": 0.5, "crisis_from": 0.9, "notice_from": 0.2}


def parse(intent="faq_treatment_emdr", confidence=0.96, guardrail=None, context=None, ranking=None):
    return {
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "guardrail": guardrail,
        "context": context or {"classifier_intent": intent},
    }


def crisis(outcome, **extra):
    record = {"guard": "crisis", "outcome": outcome, "kind": "suicide", "layer": "lexicon", "pattern": None}
    record.update({"matched": None, "probability": None, "band": BAND, "set_aside_intent": None})
    record.update(extra)
    return record


CASES = [
    (
        "crisis",
        parse("guard_crisis_suicide", 1.0, crisis("crisis", pattern="sui.kill_myself", matched="kill myself")),
        ["guard_crisis_suicide", "contacts_crisis", "guard_crisis_continue"],
        None,
        ["Crisis route: suicide", "matched the phrase \u201ckill myself\u201d", "sui.kill_myself", "contacts_crisis"],
    ),
    (
        "checkin",
        parse("guard_checkin", 1.0, crisis("checkin", layer="learned", probability=0.7, set_aside_intent="faq_x")),
        ["guard_checkin", "contacts_crisis"],
        None,
        ["Possible crisis (70%, over the check-in bar of 50%)", "help lines sent"],
    ),
    (
        "checkin",
        parse("guard_checkin", 1.0, crisis("checkin", layer="classifier", probability=0.06)),
        ["guard_checkin", "contacts_crisis"],
        None,
        ["Possible crisis (the intent classifier read it as a message to ask about)", "help lines sent"],
    ),
    (
        "checkin_answer",
        parse("guard_checkin_safe", 1.0, crisis("checkin_safe", layer="checkin_reply")),
        ["guard_checkin_safe"],
        None,
        ["the visitor said they are safe"],
    ),
    (
        "checkin_answer",
        parse("guard_checkin_declined", 1.0, crisis("checkin_declined", layer="checkin_reply")),
        ["guard_checkin_declined", "contacts_crisis"],
        None,
        ["would rather not say"],
    ),
    (
        "followup",
        parse("guard_crisis_followup", 1.0, crisis("followup", layer="followup")),
        ["guard_crisis_followup", "contacts_crisis"],
        None,
        ["Stayed on the crisis route"],
    ),
    (
        "set_aside",
        parse(
            "nlu_fallback",
            0.3,
            crisis("set_aside", kind="domestic_violence", layer="learned", probability=0.7012),
            ranking=[{"name": "guard_crisis_domestic_violence", "confidence": 0.7}],
        ),
        ["fallback", "contacts_pointer"],
        "red",
        [
            "Looked like a possible crisis (70%, domestic violence) but below the check-in bar of 50%",
            "not-understood reply",
            "only the one-line help pointer",
            "NO full help lines",
        ],
    ),
    (
        "faint",
        parse("faq_care_cost", 0.4, crisis("faint", layer="learned", probability=0.13)),
        ["faq_care_cost", "contacts_pointer"],
        None,
        ["A faint crisis signal (13%, below the notice bar of 20%)", "the one-line help pointer"],
    ),
    (
        "past",
        parse("faq_meds_overview", 0.4, crisis("past", kind="overdose", pattern="in_year+clean_sober")),
        ["faq_meds_overview", "contacts_overdose"],
        "amber",
        ["Danger told as over (overdose", "in_year+clean_sober", "faq_meds_overview", "contacts_overdose"],
    ),
    (
        "vetoed",
        parse("faq_ptsd_suicide", 0.8, crisis("vetoed", kind="idiom", pattern="neg.idiom", matched="killing me")),
        ["faq_ptsd_suicide"],
        "amber",
        ["\u201ckilling me\u201d", "everyday idiom", "faq_ptsd_suicide"],
    ),
    (
        "refused",
        parse(
            "guard_kratom_dose",
            1.0,
            {
                "guard": "kratom",
                "outcome": "refused",
                "kind": "dose",
                "layer": "lexicon",
                "pattern": "how_much_take",
                "matched": "how much kratom",
            },
        ),
        ["guard_kratom_dose"],
        None,
        ["Refused a kratom dose", "how much kratom"],
    ),
    (
        "error",
        parse("guard_crisis_general", 1.0, crisis("error", kind="general", layer="error")),
        ["guard_crisis_general", "contacts_crisis"],
        "amber",
        ["A safety check failed", "crisis-safe reply", "help lines sent"],
    ),
    (
        "clarify",
        parse(
            "faq_treatment_cpt",
            0.45,
            context={"rule": "clarify", "candidates": [["faq_treatment_cpt", 0.45], ["faq_treatment_pe", 0.41]]},
        ),
        ["clarify"],
        None,
        ["Asked to clarify between faq_treatment_cpt (45%) and faq_treatment_pe (41%)"],
    ),
    (
        "aspect_unknown",
        parse(
            "faq_treatment_emdr",
            0.9,
            context={"rule": "aspect", "subject": "emdr", "aspect": "cost", "subject_from": "slot"},
        ),
        ["aspect_unknown"],
        None,
        ["subject (emdr)", "no answer about cost"],
    ),
    (
        "compare",
        parse("compare", 0.9, context={"rule": "compare", "comparison": "cpt_emdr"}),
        ["compare_cpt_emdr"],
        None,
        ["Compared cpt and emdr"],
    ),
    ("compare", parse("compare", 0.9, context={"rule": "compare"}), ["compare"], None, ["which two"]),
    (
        "fallback",
        parse(
            "nlu_fallback",
            0.3,
            ranking=[{"name": "nlu_fallback", "confidence": 0.3}, {"name": "goodbye", "confidence": 0.17}],
        ),
        ["fallback", "contacts_pointer"],
        None,
        ["Not understood", "goodbye at 17%"],
    ),
    ("out_of_scope", parse("out_of_scope", 0.88), ["out_of_scope", "contacts_pointer"], None, ["Out of scope (88%)"]),
    ("answered", parse(), ["faq_treatment_emdr"], None, ["Answered faq_treatment_emdr with 96% confidence"]),
    (
        "answered",
        parse(
            "faq_med_sertraline_side_effects",
            0.8,
            context={"rule": "subject_only", "subject": "sertraline", "subject_from": "slot"},
        ),
        ["faq_med_sertraline_side_effects"],
        None,
        ["subject (sertraline) from earlier"],
    ),
    (
        "answered",
        parse(
            "faq_treatment_net_sessions",
            0.8,
            context={"rule": "subject_only_new", "subject": "net", "answer_first": "faq_treatment_net"},
        ),
        ["faq_treatment_net", "faq_treatment_net_sessions"],
        None,
        ["Answered faq_treatment_net_sessions", "after faq_treatment_net (what the subject is"],
    ),
    ("low_confidence", parse("faq_ptsd_what", 0.41), ["faq_ptsd_what"], None, ["only 41% sure"]),
]


@pytest.mark.parametrize("kind,data,keys,alarm,words", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_outcome_has_its_plain_verdict(kind, data, keys, alarm, words):
    v = verdict(data, keys)
    assert v["kind"] == kind and v["label"] == KINDS[kind]
    assert v["alarm"] == alarm, v
    for word in words:
        assert word in v["text"], (word, v["text"])
    assert "=" not in v["text"] and "nlu_fallback" not in v["text"]  # no engineering notation


def test_every_outcome_kind_is_covered_by_a_case():
    assert {c[0] for c in CASES} == set(KINDS)


def test_a_set_aside_crisis_signal_gets_the_red_banner():
    data = parse("nlu_fallback", 0.3, crisis("set_aside", layer="learned", probability=0.64))
    v = verdict(data, ["fallback"])
    assert v["alarm"] == "red" and "NO full help lines" in v["banner"]


def test_a_faint_signal_without_the_line_is_red():
    data = parse("faq_care_cost", 0.4, crisis("faint", layer="learned", probability=0.13))
    assert verdict(data, ["faq_care_cost"])["alarm"] == "red"


def test_danger_told_as_over_without_its_line_is_red():
    data = parse("faq_meds_overview", 0.4, crisis("past", kind="overdose", pattern="in_year+clean_sober"))
    assert verdict(data, ["faq_meds_overview"])["alarm"] == "red"


def test_a_crisis_route_without_help_lines_is_red():
    v = verdict(parse("guard_crisis_suicide", 1.0, crisis("crisis", matched="end it")), ["guard_crisis_suicide"])
    assert v["alarm"] == "red" and "no help line" in v["banner"].lower()


@pytest.mark.parametrize(
    "old,outcome",
    [
        (
            {
                "guard": "crisis",
                "kind": "suicide",
                "layer": "deterministic",
                "vetoed": False,
                "pattern": "sui.x",
                "matched": "x",
            },
            "crisis",
        ),
        (
            {
                "guard": "crisis",
                "kind": "domestic_violence",
                "layer": "learned",
                "vetoed": False,
                "confidence": 0.7012,
                "demoted": True,
            },
            "set_aside",
        ),
        (
            {
                "guard": "crisis",
                "kind": "idiom",
                "layer": "deterministic",
                "vetoed": True,
                "pattern": "neg.i",
                "matched": "kill me",
            },
            "vetoed",
        ),
        (
            {
                "guard": "kratom",
                "kind": "dose",
                "layer": "deterministic",
                "vetoed": False,
                "pattern": "p",
                "matched": "how much",
            },
            "refused",
        ),
        ({"guard": "crisis", "kind": "general", "layer": "error", "error": "ValueError"}, "error"),
    ],
)
def test_the_older_record_shape_reads_the_same(old, outcome):
    assert guard_record(old)["outcome"] == outcome
    v = verdict(parse("x", 1.0, old), ["fallback"])
    assert v["kind"] == outcome


def test_the_issue_example_loaded_gun_reads_as_set_aside_with_no_help_lines():
    old = {
        "guard": "crisis",
        "intent": "guard_crisis_domestic_violence",
        "kind": "domestic_violence",
        "layer": "learned",
    }
    old.update({"confidence": 0.7012, "demoted": True, "vetoed": False, "pattern": None, "matched": None})
    v = verdict(parse("nlu_fallback", 1.0, old), ["fallback"])
    assert v["text"].startswith("Looked like a possible crisis (70%, domestic violence) but below the check-in bar")
    assert "not-understood reply and NO help lines" in v["text"] and v["alarm"] == "red"


def test_a_refusal_that_also_set_aside_a_crisis_signal_keeps_the_red_banner():
    nested = crisis("set_aside", kind="suicide", layer="learned", probability=0.62)
    refused = {
        "guard": "kratom",
        "outcome": "refused",
        "kind": "dose",
        "layer": "lexicon",
        "matched": "how much",
        "crisis": nested,
    }
    v = verdict(parse("guard_kratom_dose", 1.0, refused), ["guard_kratom_dose"])
    assert v["kind"] == "refused" and v["alarm"] == "red"
    assert "Refused a kratom dose" in v["text"] and "Also: Looked like a possible crisis (62%, suicide)" in v["text"]


def test_an_answer_asked_of_ptsd_care_in_general_says_so_not_earlier_in_the_conversation():
    context = {"rule": "aspect", "subject": "ptsd", "aspect": "cost", "subject_from": "default"}
    said = str(verdict(parse("faq_care_cost", 0.9, context=context), ["faq_care_cost"]))
    assert "PTSD care in general" in said and "earlier in the conversation" not in said


def test_a_crisis_route_that_also_answered_the_question_says_which_answer_followed_the_lines():
    record = crisis(
        "crisis", kind="sexual_assault", matched="sexually assaulted", answer_too="faq_trauma_sexual_assault"
    )
    keys = ["guard_crisis_sexual_assault", "contacts_sexual_assault", "faq_trauma_sexual_assault"]
    v = verdict(parse("guard_crisis_sexual_assault", 1.0, record), keys)
    assert v["alarm"] is None and "then the answer faq_trauma_sexual_assault" in v["text"]
