"""Follow-ups, comparisons and clarification (understanding/context.py), decided without a trained model."""

from __future__ import annotations

import pytest

from bank.subjects import build, load_grid
from understanding import context
from understanding.context import ClarifyBand, Labels, Turn, named_subjects, resolve

GRID = load_grid()
LABELS = Labels(
    label={"faq_meds_overview": "PTSD medicines", "faq_treatment_overview": "Treatments that work"},
    question={"faq_meds_overview": "What medicines help PTSD?", "faq_treatment_overview": "Which treatments work?"},
)
BAND = ClarifyBand(below=0.5, margin=0.1, follow_up_floor=0.15)


def run(intent, subjects=(), current=None, history=(), ranking=None, text=""):
    ranking = ranking if ranking is not None else [(intent, 0.9)]
    return resolve(intent, ranking, list(subjects), current, list(history), GRID, LABELS, BAND, text)


def test_an_aspect_without_a_subject_is_answered_for_the_current_subject():
    res = run("aspect_side_effects", current="sertraline")
    assert res.intent == "faq_meds_sertraline_side_effects"
    assert res.entities["current_subject"] == "sertraline" and res.record["subject_from"] == "slot"


def test_a_subject_named_in_the_message_wins_over_the_slot():
    assert run("aspect_side_effects", ["paroxetine"], current="sertraline").intent == "faq_meds_paroxetine_side_effects"


def test_ptsd_named_alongside_does_not_take_the_subject_away():
    res = run("aspect_effectiveness", ["ptsd"], current="emdr", text="does it work for ptsd")
    assert res.intent == "faq_treatment_emdr"


def test_an_aspect_with_no_answer_for_that_subject_is_said_honestly_never_borrowed():
    res = run("aspect_side_effects", current="mdma")
    assert res.intent == "aspect_side_effects"  # its rule: the honest aspect_unknown reply
    assert res.entities["subject_label"] == "MDMA-assisted therapy" and res.entities["aspect_label"] == "side effects"
    assert res.record["answer"] is None


def test_an_aspect_with_no_subject_at_all_asks_which_one():
    res = run("aspect_how_long")
    assert res.intent == "aspect_how_long" and res.entities["subject_label"] == context.NO_VALUE


def test_a_session_count_about_a_therapy_is_its_sessions_answer():
    assert run("aspect_how_long", current="emdr").intent == "faq_treatment_emdr_sessions"


def test_and_x_keeps_the_last_detail_when_the_bank_has_it_instead_asks_what_it_is():
    history = [Turn("faq_meds_sertraline_side_effects", "sertraline", "side_effects", ("sertraline",))]
    for same_detail in ("and paxil?", "what about paxil?", "ok what about paxil"):
        kept = run("subject_only", ["paroxetine"], "sertraline", history, text=same_detail)
        assert kept.intent == "faq_meds_paroxetine_side_effects"
    for new_topic in ("paxil instead?", "what about paxil instead", "what about paxil, is it any good for sleep"):
        assert run("subject_only", ["paroxetine"], "sertraline", history, text=new_topic).intent == (
            "faq_meds_paroxetine"
        )
    # after a general answer (how long medicines take), "what about zoloft" is a new topic
    for general in (
        [Turn("faq_meds_how_long_to_work", "medication", "how_long", ("medication",))],
        [Turn("faq_meds_how_long_to_work", "fluoxetine", "how_long", ())],
    ):
        assert run("subject_only", ["sertraline"], "fluoxetine", general, text="what about zoloft").intent == (
            "faq_meds_sertraline"
        )
    same = run("subject_only", ["paroxetine"], "sertraline", history, text="same question for paxil")
    assert same.intent == "faq_meds_paroxetine_side_effects"
    history = [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",))]
    assert run("subject_only", ["emdr"], "cpt", history, text="and EMDR?").intent == "faq_treatment_emdr"
    history = [Turn("faq_treatment_pe_sessions", "pe", "how_long", ("pe",))]
    assert run("subject_only", ["emdr"], "pe", history, text="and emdr?").intent == "faq_treatment_emdr_sessions"
    # a detail the new subject has no answer for: what it is, unless "same question" asks for it outright
    history = [Turn("faq_meds_sertraline_side_effects", "sertraline", "side_effects", ("sertraline",))]
    assert run("subject_only", ["emdr"], "sertraline", history, text="and emdr?").intent == "faq_treatment_emdr"


def test_a_detail_carried_to_a_subject_not_met_yet_says_what_it_is_first():
    # round 20: "and NET?" after WET's sessions: NET's sessions, with what NET is before them
    history = [
        Turn("faq_treatment_wet", "wet", "what", ("wet",)),
        Turn("faq_treatment_wet_sessions", "wet", "how_long", ()),
    ]
    res = run("subject_only", ["net"], "wet", history, text="and NET?")
    assert res.intent == "faq_treatment_net_sessions" and res.record["answer_first"] == "faq_treatment_net"
    assert res.record["rule"] == "subject_only_new"
    # a subject already met in the conversation: the detail alone
    met = [Turn("faq_treatment_net", "net", "what", ("net",)), *history]
    res = run("subject_only", ["net"], "wet", met, text="and NET?")
    assert res.intent == "faq_treatment_net_sessions" and "answer_first" not in res.record
    # a new topic ("instead") or no detail carried: what it is, alone
    pills = [Turn("faq_meds_sertraline_side_effects", "sertraline", "side_effects", ("sertraline",))]
    res = run("subject_only", ["paroxetine"], "sertraline", pills, text="paxil instead?")
    assert res.intent == "faq_meds_paroxetine" and "answer_first" not in res.record
    res = run("subject_only", ["emdr"], "cpt", [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",))], text="and EMDR?")
    assert res.intent == "faq_treatment_emdr" and "answer_first" not in res.record


def test_a_medicine_first_told_as_offered_is_what_it_is():
    # round 20: the classifier reads a prescription told as news as a question about side effects
    text = "my son is 24, back from the army, and they prescribed him sertraline"
    ranking = [("faq_meds_sertraline_side_effects", 0.59), ("faq_meds_sertraline", 0.1)]
    res = run("faq_meds_sertraline_side_effects", ["sertraline"], ranking=ranking, text=text)
    assert res.intent == "faq_meds_sertraline" and res.record["rule"] == "what_it_is_unasked"
    text = "Doc at the clinic wants to start me on Zoloft. Never been on anything like that"
    assert run("faq_meds_sertraline_side_effects", ["sertraline"], ranking=ranking, text=text).intent == (
        "faq_meds_sertraline"
    )
    # its side effects told, or asked, or a plain statement with no offer: the classifier's answer stands
    for text in (
        "they prescribed me sertraline and now im dizzy all day",
        "they prescribed me sertraline, is it safe?",
        "I get tired on sertraline",
    ):
        res = run("faq_meds_sertraline_side_effects", ["sertraline"], ranking=ranking, text=text)
        assert res.intent in (None, "faq_meds_sertraline_side_effects"), text


def test_a_detail_about_another_subject_is_never_borrowed():
    # "is it risky" while talking about kratom, classified as the benzodiazepine risks answer
    res = run("faq_meds_benzodiazepines_risks", [], "kratom", text="is it risky")
    assert res.intent == "faq_kratom_risks" and res.record["rule"] == "slot_remap"
    # a subject with no answer for that detail gets the honest reply, not benzodiazepines' risks
    res = run("faq_meds_benzodiazepines_risks", [], "emdr", text="is it risky")
    assert res.intent != "faq_meds_benzodiazepines_risks" and res.record["answer"] is None
    # named, the benzodiazepines keep their answer
    named = run("faq_meds_benzodiazepines_risks", ["benzodiazepines"], "kratom")
    assert named.intent is None and named.entities["current_subject"] == "benzodiazepines"


def test_a_bare_follow_up_with_no_known_subject_is_not_guessed():
    res = run("subject_only")
    assert res.intent == context.FALLBACK_INTENT and res.entities["clarify"] == "no"


def test_a_subject_answer_that_names_another_subject_is_re_asked_for_it():
    res = run("faq_meds_sertraline_side_effects", ["venlafaxine"])
    assert res.intent == "faq_meds_venlafaxine_side_effects" and res.record["rule"] == "cell_remap"


def test_answers_set_the_current_subject_for_the_next_follow_up():
    res = run("faq_meds_sertraline", ["sertraline"])
    assert res.intent is None and res.entities["current_subject"] == "sertraline"
    assert res.record["aspect"] == "what"  # an answer's first aspect in the registry is its own


@pytest.mark.parametrize(
    "subjects,history,expected",
    [
        (["cpt", "emdr"], [], "cpt_emdr"),
        (["emdr", "cpt"], [], "cpt_emdr"),  # one key per pair, whatever the order
        (["sertraline", "pe"], [], "pe_medication"),
        (
            [],
            [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",)), Turn("faq_treatment_emdr", "emdr", "what", ("emdr",))],
            "cpt_emdr",
        ),
        (["wet"], [Turn("faq_treatment_pe", "pe", "what", ("pe",))], "pe_wet"),
        ([], [], context.NO_VALUE),
        (["sertraline", "paroxetine"], [], context.NO_VALUE),  # both are medicine: no side-by-side
    ],
)
def test_comparisons_find_their_pair(subjects, history, expected):
    res = run("compare", subjects, None, history)
    assert res.intent == "compare" and res.entities["comparison"] == expected


def test_two_subjects_and_a_comparison_word_compare_even_if_the_classifier_did_not():
    unsure = [("faq_treatment_emdr", 0.4), ("faq_treatment_cpt", 0.3)]
    res = run("faq_treatment_emdr", ["cpt", "emdr"], ranking=unsure, text="cpt or emdr for nightmares?")
    assert res.intent == "compare" and res.entities["comparison"] == "cpt_emdr"


def test_close_candidates_ask_did_you_mean_with_both_labels():
    ranking = [("faq_meds_overview", 0.42), ("faq_treatment_overview", 0.38), ("greet", 0.1)]
    res = run("faq_meds_overview", ranking=ranking)
    assert res.intent == context.FALLBACK_INTENT and res.entities["clarify"] == "yes"
    assert res.entities["clarify_first_label"] == "PTSD medicines"
    assert res.entities["clarify_second_question"] == "Which treatments work?"


def test_a_clear_winner_or_an_unlabelled_candidate_is_not_asked_about():
    assert (
        run("faq_meds_overview", ranking=[("faq_meds_overview", 0.45), ("faq_treatment_overview", 0.2)]).intent is None
    )
    assert run("faq_meds_overview", ranking=[("faq_meds_overview", 0.42), ("greet", 0.4)]).intent is None


def test_the_registry_has_no_broken_cells_and_every_name_has_one_subject():
    from bank.loader import load_bank
    from bank.subjects import grid_problems

    bank = load_bank()
    assert grid_problems(GRID, set(bank.responses), set(bank.examples)) == []


def test_registry_order_survives_a_round_trip_through_the_model_file():
    import json

    import yaml

    from bank.subjects import REGISTRY

    doc = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))
    again = build(json.loads(json.dumps(doc)))
    assert again.primary_aspect("faq_meds_sertraline") == "what" == GRID.primary_aspect("faq_meds_sertraline")


def test_a_vague_follow_up_prefers_an_answer_about_the_current_subject():
    ranking = [("faq_ptsd_causes", 0.22), ("faq_kratom_opioid", 0.2), ("greet", 0.1)]
    res = run("nlu_fallback", current="kratom", ranking=ranking)
    assert res.intent == "faq_kratom_opioid" and res.record["rule"] == "family"


def test_a_confident_answer_is_not_pulled_towards_the_current_subject():
    ranking = [("faq_ptsd_causes", 0.8), ("faq_kratom_opioid", 0.1)]
    assert run("faq_ptsd_causes", current="kratom", ranking=ranking).intent is None


def test_no_did_you_mean_between_two_answers_about_the_subject_the_message_names():
    ranking = [("faq_meds_venlafaxine", 0.4), ("faq_meds_venlafaxine_side_effects", 0.35)]
    assert run("faq_meds_venlafaxine", ["venlafaxine"], ranking=ranking).intent is None


def test_a_short_follow_up_below_the_fallback_bar_counts_when_there_is_a_subject():
    ranking = [("nlu_fallback", 0.3), ("aspect_side_effects", 0.2), ("greet", 0.1)]
    assert run("nlu_fallback", current="sertraline", ranking=ranking).intent == "faq_meds_sertraline_side_effects"
    assert run("nlu_fallback", ranking=ranking).intent is None  # no subject: stays not understood


def test_an_unsure_guess_about_the_subject_the_message_names_is_answered():
    ranking = [("faq_treatment_emdr", 0.22), ("faq_ptsd_what", 0.2)]
    res = run("nlu_fallback", ["emdr"], ranking=ranking, text="what is the EMDR, my doctor say this word")
    assert res.intent == "faq_treatment_emdr" and res.record["lifted_from_fallback"]
    assert res.entities["current_subject"] == "emdr"
    assert run("nlu_fallback", ["emdr"], ranking=[("faq_ptsd_what", 0.22)]).intent is None  # not about EMDR


def test_two_treatments_and_little_else_or_one_with_a_comparison_word_compare():
    unsure = [("faq_treatment_cpt", 0.4), ("faq_treatment_pct", 0.35)]
    assert (
        run("faq_treatment_cpt", ["cpt", "pct"], ranking=unsure, text="cpt and pct").entities["comparison"] == "cpt_pct"
    )
    history = [Turn("faq_treatment_wet", "wet", "what", ("wet",))]
    res = run(
        "faq_treatment_cpt", ["cpt"], "wet", history, text="How does it compare with cognitive processing therapy?"
    )
    assert res.intent == "compare" and res.entities["comparison"] == "cpt_wet"
    assert run("faq_treatment_cpt", ["cpt"], "wet", history, text="what is cpt").intent is None
    history = [Turn("faq_treatment_emdr", "emdr", "what", ("emdr",))]
    res = run("faq_treatment_tf_cbt", ["tf_cbt"], "emdr", history, text="How's it different from trauma-focused CBT?")
    assert res.intent == "compare" and res.entities["comparison"] == "emdr_tf_cbt"


def test_a_long_story_that_names_two_treatments_is_not_a_comparison_without_asking_for_one():
    text = "my therapist said we start cpt next week and my sister did some other therapy or something for anxiety, what is it"
    assert run("faq_treatment_cpt", ["cpt", "therapy"], text=text).intent is None
    same_column = run("faq_meds_sertraline", ["sertraline", "medication"], text="is sertraline or an antidepressant ok")
    assert same_column.intent is None  # both are medicine: nothing to put side by side


def test_pe_gets_what_pe_is_when_its_sessions_answer_is_only_just_ahead():
    # "homework" is one of the sessions answer's words, so only the closeness of the two candidates decides
    ranking = [("faq_treatment_pe_sessions", 0.41), ("faq_treatment_pe", 0.38)]
    res = run("faq_treatment_pe_sessions", ["pe"], ranking=ranking, text="what's pe, is there homework")
    assert res.intent == "faq_treatment_pe" and res.record["rule"] == "what_it_is"
    clear = [("faq_treatment_pe_sessions", 0.8), ("faq_treatment_pe", 0.1)]
    assert run("faq_treatment_pe_sessions", ["pe"], ranking=clear, text="is there homework in pe").intent is None


def test_a_confident_answer_is_not_turned_into_a_comparison_by_or():
    text = "How do I find a therapist trained in CPT, PE or EMDR?"
    sure = [("faq_care_find_trained_therapist", 0.8)]
    assert run("faq_care_find_trained_therapist", ["cpt", "pe", "emdr"], ranking=sure, text=text).intent is None


def test_a_particular_therapy_makes_the_word_therapy_part_of_its_name():
    assert context.named_subjects(["pe", "therapy"], GRID) == ["pe"]
    assert context.named_subjects(["therapy", "medication"], GRID) == ["therapy", "medication"]
    assert context.named_subjects(["sertraline", "medication", "cpt"], GRID) == ["sertraline", "cpt"]


@pytest.mark.parametrize(
    "intent, subject, text, expected",
    [
        ("faq_treatment_pe_sessions", "pe", "whats pe", "faq_treatment_pe"),
        (
            "faq_meds_prazosin_side_effects",
            "prazosin",
            "explain prazosin to me. va doc wants me on it",
            "faq_meds_prazosin_nightmares",
        ),
        ("faq_treatment_pe_sessions", "pe", "how many sessions of pe", None),
        ("faq_meds_prazosin_side_effects", "prazosin", "does prazosin make you dizzy", None),
        ("faq_meds_sertraline", "sertraline", "what is sertraline", None),
    ],
)
def test_a_named_subject_without_the_details_words_gets_what_it_is(intent, subject, text, expected):
    res = run(intent, [subject], text=text)
    assert res.intent == expected
    assert (res.record["rule"] == "what_it_is_unasked") == (expected is not None)


def test_a_detail_asked_in_other_words_is_never_turned_into_what_it_is():
    # symptom words are endless: without "what is ...", the classifier's detail answer stands
    assert not GRID.asks_what_it_is("could prazosin make me faint")
    assert run("faq_meds_prazosin_side_effects", ["prazosin"], text="could prazosin make me faint").intent is None
    assert GRID.asks_what_it_is("And Cognitive Processing Therapy?") and GRID.asks_what_it_is("what about effexor")


def test_a_general_answer_to_a_follow_up_is_asked_of_the_current_subject():
    res = run("faq_treatment_length", current="emdr", text="how many sessions would i need")
    assert res.intent == "faq_treatment_emdr_sessions" and res.record["rule"] == "slot_remap"
    # a subject in the message, PTSD included, is what the visitor asks about
    assert run("faq_ptsd_go_away", ["ptsd"], current="emdr", text="how long does ptsd last").intent is None
    assert run("faq_treatment_length", ["therapy"], current="emdr", text="how long is therapy").intent is None


def test_which_is_better_after_two_therapies_compares_them():
    history = [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",)), Turn("faq_treatment_pe", "pe", "what", ("pe",))]
    res = run(context.FALLBACK_INTENT, [], "pe", history, ranking=[("nlu_fallback", 0.6)], text="wich is beter for me")
    assert res.intent == context.COMPARE_INTENT and res.entities["comparison"] == GRID.comparison("cpt", "pe")
    # one therapy so far: nothing to compare, so no comparison is invented
    alone = run(context.FALLBACK_INTENT, [], "pe", history[1:], ranking=[("nlu_fallback", 0.6)], text="which is better")
    assert alone.intent != context.COMPARE_INTENT


def test_which_is_better_between_two_named_treatments_compares_them_however_sure_the_classifier_is():
    text = "therapy or meds, which one actually works better for PTSD"
    res = run("faq_treatment_overview", ["therapy", "medication"], text=text)
    assert res.intent == context.COMPARE_INTENT and res.entities["comparison"] == GRID.comparison(
        "therapy", "medication"
    )


def test_as_well_as_and_separates_ask_for_a_comparison():
    history = [Turn("faq_treatment_wet", "wet", "what", ("wet",))]
    res = run("faq_treatment_cpt", ["cpt"], "wet", history, text="does it work as well as cpt")
    assert res.intent == context.COMPARE_INTENT and res.entities["comparison"] == GRID.comparison("wet", "cpt")
    res = run("faq_treatment_net", ["net", "tf_cbt"], text="What separates narrative exposure therapy from TF-CBT?")
    assert res.entities["comparison"] == GRID.comparison("net", "tf_cbt")


def test_a_session_count_the_classifier_took_for_a_dose_is_answered_for_the_therapy():
    res = run("guard_dose_followup", [], "wet", text="How many times would I need to go?")
    assert res.intent == "faq_treatment_wet_sessions" and res.record["rule"] == "session_not_dose"
    # about a medicine, or with a medicine named, the refusal stands
    assert run("guard_dose_followup", [], "sertraline", text="how many times a day").intent is None
    assert run("guard_dose_followup", ["kratom"], "wet", text="how many times a day").intent is None
    # the classifier's other amount intent, with no substance named, is the same session question
    other = run("guard_dose_other", [], "emdr", text="How much sessions is normal?")
    assert other.intent == "faq_treatment_emdr_sessions" and other.record["rule"] == "session_not_dose"
    assert run("guard_dose_other", ["sertraline"], "emdr", text="how much sertraline is normal").intent is None
    # "how often would she have to go" the classifier could not place: visits to the therapy in hand
    went = run("nlu_fallback", [], "pe", text="how often would she have to go")
    assert went.intent == "faq_treatment_pe_sessions" and went.record["rule"] == "session_not_dose"
    assert run("nlu_fallback", [], "yoga_mindfulness", text="How often would I have to do it?").record.get("rule") != (
        "session_not_dose"
    )


def test_a_general_word_never_overrides_the_classifiers_answer_about_a_particular_kind_of_it():
    # "what is written exposer therapy": WET is misspelt, so only "therapy" is named
    res = run(
        "faq_treatment_wet", ["therapy"], ranking=[("faq_treatment_wet", 0.8)], text="what is written exposer therapy"
    )
    assert res.intent in (None, "faq_treatment_wet")
    # a particular subject named still wins: "what are prazosin's side effects" classified as sertraline's
    res = run("faq_meds_sertraline_side_effects", ["prazosin"], ranking=[("faq_meds_sertraline_side_effects", 0.8)])
    assert res.intent == "faq_meds_prazosin_side_effects"


def test_that_pill_points_back_at_the_medicine_in_hand():
    history = [Turn(intent="faq_meds_prazosin_nightmares", subject="prazosin", aspect="what", named=("prazosin",))]
    for text, expected in (
        ("does that pill have side effects", "faq_meds_prazosin_side_effects"),
        ("do ptsd medicines have side effects", "faq_meds_side_effects"),  # medicines in general stay general
    ):
        assert run("aspect_side_effects", ["medication"], "prazosin", history, text=text).intent == expected, text


def test_online_is_its_own_aspect_of_a_therapy():
    history = [Turn(intent="faq_treatment_emdr", subject="emdr", aspect="what", named=("emdr",))]
    assert run("aspect_online", [], "emdr", history, text="can i do it online").intent == "faq_treatment_online"
    # no reviewed answer: the honest reply
    assert run("aspect_online", [], "sertraline", text="can i do it online").intent == "aspect_online"


def test_is_it_free_after_an_app_is_the_apps_own_answer():
    history = [Turn(intent="faq_tools_ptsd_coach", subject="ptsd_coach", aspect="what", named=("ptsd_coach",))]
    for intent in ("faq_care_cost", "aspect_cost"):  # the classifier's general answer, or the aspect
        res = run(intent, [], "ptsd_coach", history, ranking=[(intent, 0.8)], text="is it free")
        assert res.intent == "faq_tools_ptsd_coach", intent
    # about a therapy, the cost of care
    res = run("aspect_cost", [], "emdr", ranking=[("aspect_cost", 0.8)], text="does it cost anything")
    assert res.intent == "faq_care_cost"


def test_a_medicine_nobody_named_is_not_the_answer_when_a_close_candidate_needs_none():
    ranking = [("faq_meds_prazosin_nightmares", 0.52), ("faq_coping_nightmares", 0.41)]
    text = "my girlfriend has nightmares almost every night. is there anything that helps"
    res = run("faq_meds_prazosin_nightmares", ["ptsd"], ranking=ranking, text=text)
    assert res.intent == "faq_coping_nightmares" and res.record["rule"] == "unnamed_medicine"
    # a medicine asked for, prazosin named, or a conversation about prazosin: its answer stands
    for subjects, current, said in (
        (["medication"], None, "is there a medicine for the nightmares"),
        (["prazosin"], None, "does prazosin help with nightmares"),
        ([], "prazosin", "does it help with nightmares"),
    ):
        res = run("faq_meds_prazosin_nightmares", subjects, current, ranking=ranking, text=said)
        assert res.intent in (None, "faq_meds_prazosin_nightmares"), said
    # no close candidate: the classifier's answer stands
    far = [("faq_meds_prazosin_nightmares", 0.9), ("faq_coping_nightmares", 0.05)]
    assert run("faq_meds_prazosin_nightmares", ranking=far, text="anything for the bad dreams").intent is None


def test_an_aspect_the_subject_lacks_gives_way_to_the_one_its_words_ask_for():
    # "is it on line" after PE, classified as whether it is approved (PE has no such answer): online
    res = run("aspect_approved", [], "pe", ranking=[("aspect_approved", 0.5)], text="is it on line")
    assert res.intent == "faq_treatment_online"
    # words of no answered aspect, or of the aspect chosen itself: the honest reply stays
    assert (
        run("aspect_approved", [], "pe", ranking=[("aspect_approved", 0.5)], text="is it legit").intent
        == "aspect_approved"
    )
    assert run("aspect_side_effects", [], "mdma", text="any side effects").intent == "aspect_side_effects"


def test_an_aspect_with_no_subject_anywhere_is_asked_of_ptsd_care_in_general():
    # "Is very expensive?" after "how do I find a therapist?" (an answer of several subjects): the cost of care
    res = run("aspect_cost", text="is very expensive?")
    assert res.intent == "faq_care_cost" and res.record["subject_from"] == "default"
    assert run("aspect_online", text="online is possible?").intent == "faq_treatment_online"
    # ... and of its treatment: "what happens at the first appointment?", but only in those words
    assert (
        run("aspect_session_like", text="what happens at the first appointment").intent == "faq_care_first_appointment"
    )
    assert run("aspect_session_like", text="how do they treat it").intent == "aspect_session_like"
    assert run("aspect_talk_trauma", text="do i have to tell my boss").intent == "aspect_talk_trauma"
    # an aspect PTSD itself has no answer for stays honest
    assert run("aspect_side_effects", text="side effects?").intent == "aspect_side_effects"


def test_a_pill_for_that_after_the_nightmares_answer_is_the_medicine_for_nightmares():
    nightmares = [Turn(intent="faq_coping_nightmares")]
    res = run("faq_meds_overview", history=nightmares, text="is there a pill for that")
    assert res.intent == "faq_meds_prazosin_nightmares" and res.record["rule"] == "nightmare_medicine"
    meds = run("faq_meds_overview", ["medication"], history=nightmares, text="any meds for that")
    assert meds.intent == "faq_meds_prazosin_nightmares"
    # ... also after any answer to a question about nightmares ("are nightmares part of PTSD?" then "any meds for them?")
    asked = [Turn(intent="faq_ptsd_symptoms", nightmares=True)]
    assert run("faq_meds_overview", ["medication"], history=asked, text="any meds for them?").intent == (
        "faq_meds_prazosin_nightmares"
    )
    assert run("faq_ptsd_symptoms", text="are nightmares normal with ptsd").record["nightmares"] is True
    # medicines in general after another answer, or a medicine named, stay as they were
    elsewhere = run("faq_meds_overview", history=[Turn(intent="faq_ptsd_what")], text="is there a pill for that")
    assert elsewhere.intent in (None, "faq_meds_overview") and elsewhere.record["rule"] == "answer"
    named = run("faq_meds_sertraline", ["sertraline"], history=nightmares, text="would zoloft help that")
    assert named.intent in (None, "faq_meds_sertraline") and named.record["rule"] != "nightmare_medicine"


def test_talking_about_the_trauma_is_answered_by_the_answer_that_sets_every_therapy_side_by_side():
    # it says how much each therapy asks you to retell, PE and NET (in detail) included
    for therapy in ("cpt", "pe", "emdr", "wet", "net", "pct", "tf_cbt"):
        res = run("aspect_talk_trauma", current=therapy, text="do i have to talk about what happened")
        assert res.intent == "faq_treatment_talk_about_trauma", therapy


def test_does_it_help_ptsd_asks_how_well_the_subject_in_hand_works():
    text = "does it actually help ptsd or is that just internet talk"
    res = run("faq_treatment_overview", ["ptsd"], current="kratom", text=text)
    assert res.intent == "faq_kratom_ptsd_evidence" and res.record["rule"] == "it_for_ptsd"
    # PTSD itself asked about keeps its answer: "it" is not the subject of a treatment question here
    assert run("faq_ptsd_go_away", ["ptsd"], current="kratom", text="does ptsd go away on its own").intent is None


def test_a_treatment_question_in_a_conversation_about_ptsd_is_asked_of_its_treatment():
    # "would I have to go over everything?" with PTSD the subject: PTSD has no such answer, its treatment has
    text = "would I have to go over everything that happened"
    assert run("aspect_talk_trauma", current="ptsd", text=text).intent == "faq_treatment_talk_about_trauma"
    # "do I have to tell my boss I have it?" is not about retelling the trauma: the honest reply stays
    assert run("aspect_talk_trauma", current="ptsd", text="do i have to tell my boss i have it").intent == (
        "aspect_talk_trauma"
    )
    # "does it take very long?" right after the treatments answer: how long treatment takes
    after_treatments = [Turn(intent="faq_treatment_overview", subject="ptsd")]
    res = run("aspect_how_long", current="ptsd", history=after_treatments, text="does it take very long?")
    assert res.intent == "faq_treatment_length" and res.record["subject"] == "therapy"
    assert (
        run("aspect_how_long", current="ptsd", text="how many sessions is it usually").intent == "faq_treatment_length"
    )
    # how long PTSD itself lasts stays PTSD's answer, even right after the treatments answer
    after_what = [Turn(intent="faq_ptsd_what", subject="ptsd")]
    assert run("aspect_how_long", current="ptsd", history=after_what, text="how long does it last").intent == (
        "faq_ptsd_go_away"
    )
    untreated = run("aspect_how_long", current="ptsd", history=after_treatments, text="how long without treatment")
    assert untreated.intent == "faq_ptsd_go_away"


def test_x_or_y_answered_about_one_side_only_is_a_comparison():
    # "EMDR or trauma focused CBT for my son?": the classifier is sure of one side; the visitor asked for both
    res = run("faq_treatment_tf_cbt", ["emdr", "tf_cbt"], text="EMDR or trauma focused CBT for my son? he's 12")
    assert res.intent == context.COMPARE_INTENT and res.entities["comparison"] == "emdr_tf_cbt"
    text = "could you contrast narrative exposure therapy with cognitive processing therapy"
    contrast = run("subject_only", ["net", "cpt"], ranking=[("subject_only", 0.3)], text=text)
    assert contrast.intent == context.COMPARE_INTENT
    long_question = "Is narrative exposure therapy or CPT the better fit for someone with several traumas?"
    assert run("faq_treatment_net", ["net", "cpt"], text=long_question).intent == context.COMPARE_INTENT
    no_question = "pct or pe. I really don't want to dig into what happened over there"
    assert run("faq_treatment_pct", ["pct", "pe"], text=no_question).intent == context.COMPARE_INTENT
    # ... but not when the question is about one of them, the pair only in a statement before it
    for text, named in (
        ("VA offered me sertraline or a therapy program. does zoloft even work for ptsd?", ["sertraline", "therapy"]),
        ("my doctor gave me a choice of zoloft or cpt. what's zoloft like for ptsd", ["sertraline", "cpt"]),
    ):
        one = run("faq_meds_sertraline", named, text=text)
        assert one.intent in (None, "faq_meds_sertraline"), text
    # a sure answer about neither side is not second-guessed by "or"
    find = run(
        "faq_care_find_trained_therapist", ["cpt", "pe", "emdr"], text="how do I find someone trained in CPT or PE"
    )
    assert find.intent in (None, "faq_care_find_trained_therapist")


def test_the_online_words_win_over_a_detail_not_asked_for():
    # "can u do emdr online", classified as EMDR's sessions answer: the online answer
    res = run("faq_treatment_emdr_sessions", ["emdr"], text="can u do emdr online")
    assert res.intent == "faq_treatment_online" and res.record["rule"] == "online_in_words"
    # a detail whose own words are there stays ("how many sessions of emdr online")
    kept = run("faq_treatment_emdr_sessions", ["emdr"], text="how many sessions of emdr online")
    assert kept.intent in (None, "faq_treatment_emdr_sessions")


def test_a_name_given_after_which_one_do_you_mean_answers_the_aspect_that_was_asked():
    asked = [Turn("aspect_side_effects", None, "side_effects", ())]
    res = run("faq_meds_venlafaxine", ["venlafaxine"], history=asked, text="of venlafaxine")
    assert res.intent == "faq_meds_venlafaxine_side_effects" and res.record["rule"] == "which_one_answered"
    assert run("subject_only", ["sertraline"], history=asked, text="the zoloft one").intent == (
        "faq_meds_sertraline_side_effects"
    )
    # a new question about what it is, or a long message, is not the name asked for
    assert run("faq_meds_venlafaxine", ["venlafaxine"], history=asked, text="what is venlafaxine").intent is None
    # after an answer about a named subject there was no "which one?" question
    named = [Turn("faq_meds_sertraline_side_effects", "sertraline", "side_effects", ("sertraline",))]
    res = run("faq_meds_venlafaxine", ["venlafaxine"], history=named, text="of venlafaxine")
    assert res.record.get("rule") != "which_one_answered"


def test_a_bare_name_after_a_question_about_treatment_in_general_narrows_it():
    # "How many sessions does it usually take?" got the general answer; "CPT" next: CPT's sessions
    general = [Turn("faq_treatment_length", "therapy", "how_long", ())]
    res = run("faq_treatment_cpt", ["cpt"], current="therapy", history=general, text="CPT")
    assert res.intent == "faq_treatment_cpt_sessions" and res.record["rule"] == "which_one_answered"
    # after "what is therapy like" there is no detail to narrow; and a named treatment's answer is not carried
    what = [Turn("faq_treatment_overview", "therapy", "what", ())]
    assert run("faq_treatment_cpt", ["cpt"], current="therapy", history=what, text="CPT").intent is None
    named = [Turn("faq_treatment_pe_sessions", "pe", "how_long", ("pe",))]
    assert run("faq_treatment_cpt", ["cpt"], current="pe", history=named, text="CPT").record.get("rule") != (
        "which_one_answered"
    )
    # a question that is more than the name, or a generic name, is its own question
    side_effects = [Turn("faq_meds_side_effects", "medication", "side_effects", ())]
    text = "is prozac one of them"
    assert run("faq_meds_fluoxetine", ["fluoxetine"], history=side_effects, text=text).intent is None
    assert run("faq_meds_overview", ["medication"], history=general, text="medication").intent is None


def test_what_works_best_is_about_every_treatment_not_the_one_in_hand():
    text = "honestly what does the evidence say works best"
    res = run("aspect_effectiveness", current="ketamine", text=text)
    assert res.intent == "faq_treatment_overview" and res.record["rule"] == "best_in_general"
    # "does it work?" is still about ketamine
    assert run("aspect_effectiveness", current="ketamine", text="does it actually work").intent == "faq_alt_ketamine"


@pytest.mark.parametrize(
    "last, text, answer",
    [
        ("faq_ptsd_complex", "hw is it diff from reg ptsd", "faq_ptsd_complex"),
        ("faq_ptsd_complex", "How is it different from the ordinary kind?", "faq_ptsd_complex"),
        ("faq_ptsd_complex", "is it the same as reguler ptsd", "faq_ptsd_complex"),
        ("faq_ptsd_come_back", "and if it does?", "faq_ptsd_come_back"),
        ("faq_ptsd_go_away", "and if it goes then comes back?", "faq_ptsd_come_back"),
    ],
)
def test_a_short_reply_that_asks_more_of_the_answer_just_given_gets_it(last, text, answer):
    res = run("nlu_fallback", ["ptsd"] if "ptsd" in text else [], history=[Turn(last, "ptsd", None, ())], text=text)
    assert res.intent == answer and res.record["rule"] == "same_answer_again"


def test_the_same_words_after_another_answer_are_their_own_question():
    history = [Turn("faq_ptsd_symptoms", "ptsd", None, ())]
    assert (
        run("nlu_fallback", ["ptsd"], history=history, text="how is it diff from normal ptsd").record.get("rule")
        != "same_answer_again"
    )
    # "and if it doesn't?" after "does it go away?" is not about coming back
    gone = [Turn("faq_ptsd_go_away", "ptsd", None, ())]
    assert run("nlu_fallback", history=gone, text="and if it doesnt?").record.get("rule") != "same_answer_again"


def test_why_not_after_an_answer_that_advises_against_is_its_risks():
    history = [Turn("faq_meds_benzodiazepines", "benzodiazepines", "what", ("benzodiazepines",))]
    res = run("nlu_fallback", current="benzodiazepines", history=history, text="why not tho")
    assert res.intent == "faq_meds_benzodiazepines_risks" and res.record["rule"] == "why_not"
    # a subject named in the message, or a long message, is its own question
    text = "why not try sertraline first"
    assert run("faq_meds_sertraline", ["sertraline"], current="benzodiazepines", history=history, text=text).intent != (
        "faq_meds_benzodiazepines_risks"
    )


def test_asking_what_helps_with_nightmares_or_flashbacks_gets_the_coping_answer():
    dreams = [Turn("feeling_flashbacks_nightmares", None, None, (), nightmares=True)]
    res = run("nlu_fallback", history=dreams, text="is there anything for that")
    assert res.intent == "faq_coping_nightmares" and res.record["rule"] == "coping_help"
    flashes = [Turn("feeling_flashbacks_nightmares", None, None, (), flashbacks=True)]
    assert run("nlu_fallback", history=flashes, text="is there anything for that").intent == "faq_coping_flashbacks"
    # the message's own words win over the turn before
    after_flashbacks = [Turn("faq_coping_flashbacks", None, None, ())]
    assert run("feeling_flashbacks_nightmares", history=after_flashbacks, text="and the nighmares?").intent == (
        "faq_coping_nightmares"
    )
    # medicine asked for is the nightmare medicine's question; a disclosure without a question stays a disclosure
    assert run("nlu_fallback", history=dreams, text="any meds for them").record.get("rule") != "coping_help"
    text = "i keep having nightmares every night"
    assert run("feeling_flashbacks_nightmares", text=text).record.get("rule") != "coping_help"
    # "I don't want any more pills" asks for what helps without them
    text = "Is there anything I can do myself when I wake from a nightmare all shaky? I don't want any more pills."
    assert run("nlu_fallback", text=text).intent == "faq_coping_nightmares"


def test_whether_you_can_get_hooked_on_kratom_is_its_risks():
    res = run("faq_kratom_dependence_help", ["kratom"], text="can u get addicted to kratom? asking for me lol")
    assert res.intent == "faq_kratom_risks" and res.record["rule"] == "can_get_hooked"
    text = "my wife takes kratom every day for her ptsd, can she get addicted to it?"
    assert run("faq_kratom_dependence_help", ["kratom"], text=text).intent == "faq_kratom_risks"
    # being hooked, or asking for help to quit, keeps the help answer
    assert run("faq_kratom_dependence_help", ["kratom"], text="i think im hooked on kratom").intent is None
    text = "can you get addicted, and where do people get help to quit"
    assert run("faq_kratom_dependence_help", [], "kratom", text=text).intent is None


def test_kratom_with_a_medicine_taken_together_is_the_interactions_answer():
    res = run("faq_meds_fluoxetine_side_effects", ["fluoxetine"], current="kratom", text="does it mess with my prozac")
    assert res.intent == "faq_kratom_interactions" and res.record["rule"] == "kratom_interactions"
    text = "can you mix kratom and zoloft"
    assert run("faq_meds_sertraline", ["kratom", "sertraline"], text=text).intent == "faq_kratom_interactions"
    # a medicine asked about on its own, or without kratom in the conversation, keeps its answer
    assert run("faq_meds_sertraline", ["sertraline"], current="kratom", text="what is sertraline").intent is None
    assert run("faq_meds_sertraline", ["sertraline"], current="prazosin", text="can i take it with zoloft").intent != (
        "faq_kratom_interactions"
    )


def test_a_follow_up_the_classifier_was_unsure_of_is_about_the_subject_in_hand():
    # "does it help ptsd at all" after kratom: under the fallback bar, but its best guess is about kratom
    ranking = [("nlu_fallback", 0.3), ("faq_kratom_ptsd_evidence", 0.23), ("faq_ptsd_go_away", 0.1)]
    res = run("nlu_fallback", ["ptsd"], current="kratom", ranking=ranking, text="does it help ptsd at all")
    assert res.intent == "faq_kratom_ptsd_evidence"
    # a best guess about another subject is not lifted
    other = [("nlu_fallback", 0.3), ("faq_meds_prazosin", 0.23)]
    assert run("nlu_fallback", ["ptsd"], current="kratom", ranking=other, text="does it help ptsd").intent in (
        None,
        "nlu_fallback",
    )


def test_and_an_aspect_in_words_with_no_subject_named_is_asked_of_the_subject_in_hand():
    res = run("subject_only", current="kratom", text="and the withdrawal?")
    assert res.intent == "faq_kratom_withdrawal" and res.record["rule"] == "aspect_in_words"
    # nothing in hand: do not guess
    assert run("subject_only", text="and the withdrawal?").intent == "nlu_fallback"
    # "the written one" names a subject we could not read, not PE's homework
    assert run("subject_only", current="pe", text="wat about the writen one").record.get("rule") != "aspect_in_words"


def test_an_aspect_asked_with_nothing_named_asks_which_one_instead_of_not_understood():
    ranking = [("nlu_fallback", 0.3), ("aspect_how_long", 0.28), ("faq_treatment_length", 0.2)]
    res = run("nlu_fallback", ranking=ranking, text="how many sessions are there usually")
    assert res.intent == "aspect_how_long" and res.record["answer"] is None  # its reply: which one do you mean?
    # a guess whose words are not in the message stays "not understood"
    assert run("nlu_fallback", ranking=ranking, text="hmm ok then").intent in (None, "nlu_fallback")
    # an aspect that would be answered about care in general is not guessed from under the fallback
    cost = [("nlu_fallback", 0.3), ("aspect_cost", 0.25)]
    assert run("nlu_fallback", ranking=cost, text="Insurance pays out now.").intent in (None, "nlu_fallback")


def test_a_medicine_for_nightmares_asked_in_the_same_message_is_the_medicine_for_nightmares():
    ranking = [("faq_coping_nightmares", 0.55), ("faq_meds_prazosin_nightmares", 0.42)]
    text = "my boyfriend has nightmares pretty much every night since Iraq. is there a medicine for that"
    res = run("faq_coping_nightmares", ["medication"], ranking=ranking, text=text)
    assert res.intent == "faq_meds_prazosin_nightmares" and res.record["rule"] == "nightmare_medicine"
    # the medicine only mentioned, or refused, is not the question: the coping answer stands
    for text in (
        "he's on meds but still has nightmares every night, what else helps",
        "are there other things besides pills for the nightmares",
        "anything non-med for the nightmares",
    ):
        kept = run("faq_coping_nightmares", ["medication"], ranking=ranking, text=text)
        assert kept.intent != "faq_meds_prazosin_nightmares", text


def test_a_pill_for_them_read_as_an_aspect_after_nightmares_is_the_medicine_for_nightmares():
    dreams = [Turn("faq_coping_nightmares", None, None, (), nightmares=True)]
    res = run(
        "aspect_side_effects", history=dreams, ranking=[("aspect_side_effects", 0.5)], text="is ther a pill for them"
    )
    assert res.intent == "faq_meds_prazosin_nightmares"
    # the aspect's own words are there: it is asked of the subject in hand, not turned into prazosin
    prazosin = [Turn("faq_meds_prazosin_nightmares", "prazosin", "what", ("prazosin",), nightmares=True)]
    text = "Any side effects? I already take tablets for my blood pressure."
    asked = run("aspect_side_effects", [], "prazosin", prazosin, text=text)
    assert asked.intent == "faq_meds_prazosin_side_effects"


def test_why_not_with_the_subject_in_hand_named_again_is_its_risks():
    history = [Turn("faq_meds_benzodiazepines", "benzodiazepines", "what", ("benzodiazepines",))]
    text = "y not tho xanax is the only thing that knocks me out"
    res = run("faq_meds_benzodiazepines", ["benzodiazepines"], "benzodiazepines", history, text=text)
    assert res.intent == "faq_meds_benzodiazepines_risks" and res.record["rule"] == "why_not"


def test_whats_so_bad_about_it_is_its_risks():
    text = "whats so bad about benzos my doc wont give me xanax anymore"
    res = run("faq_meds_benzodiazepines_risks", ["benzodiazepines"], text=text)
    assert res.intent == "faq_meds_benzodiazepines_risks" and res.record["rule"] == "whats_bad"
    slot = run("faq_kratom_what", [], "kratom", text="what's wrong with it honestly")
    assert slot.intent == "faq_kratom_risks"
    # what it is, asked plainly, stays
    assert run("faq_meds_benzodiazepines", ["benzodiazepines"], text="whats a benzo").record["rule"] != "whats_bad"


def test_a_therapy_named_right_after_a_session_count_is_its_session_count_not_a_dose():
    history = [Turn("faq_treatment_cpt_sessions", "cpt", "how_long", ())]
    ranking = [("guard_dose_followup", 0.46), ("subject_only", 0.28)]
    res = run("guard_dose_followup", ["wet"], "cpt", history, ranking=ranking, text="and WET? same number or less")
    assert res.intent == "faq_treatment_wet_sessions" and res.record["rule"] == "session_not_dose"
    # after another detail, or about a medicine, the refusal stands
    other = [Turn("faq_treatment_cpt", "cpt", "what", ())]
    assert run("guard_dose_followup", ["wet"], "cpt", other, text="and WET? same number or less").intent is None
    pills = [Turn("faq_meds_how_long_to_work", "sertraline", "how_long", ())]
    assert run("guard_dose_followup", ["paroxetine"], "sertraline", pills, text="and paxil? same number").intent is None


def test_online_words_win_over_what_it_is_when_what_it_is_was_not_asked():
    ranking = [("faq_treatment_cpt", 0.30), ("faq_treatment_online", 0.29)]
    res = run("faq_treatment_cpt", ["cpt"], "pe", ranking=ranking, text="back to cpt, can that one be done online")
    assert res.intent == "faq_treatment_online" and res.record["rule"] == "online_in_words"
    what = run("faq_treatment_cpt", ["cpt"], ranking=ranking, text="what is cpt and is it online")
    assert what.intent in (None, "faq_treatment_cpt")


def test_x_or_y_in_one_sentence_with_no_question_word_is_a_comparison():
    res = run(
        "faq_treatment_wet",
        ["wet", "emdr"],
        ranking=[("faq_treatment_wet", 0.51)],
        text="wet or emdr if i want the shortest thing possible",
    )
    assert res.intent == context.COMPARE_INTENT and res.entities["comparison"] == "emdr_wet"


def test_which_treatment_is_best_with_no_two_to_compare_is_about_every_treatment():
    ranking = [("compare", 0.59), ("faq_treatment_overview", 0.40)]
    history = [Turn("faq_ptsd_go_away", "ptsd", "how_long", ())]
    res = run("compare", [], "ptsd", history, ranking=ranking, text="Which treatment is best one?")
    assert res.intent == "faq_treatment_overview" and res.record["rule"] == "best_in_general"
    # with no treatment word it is not about treatments ("which breed would be best" after service dogs)
    dogs = [Turn("faq_alt_service_dogs", "service_dogs", "what", ("service_dogs",))]
    breed = run("compare", [], "service_dogs", dogs, ranking=ranking, text="Which breed would be best for that?")
    assert breed.intent == context.COMPARE_INTENT


def test_whether_treatment_makes_it_worse_with_nothing_named_is_about_therapy_in_general():
    res = run("aspect_hard", ranking=[("aspect_hard", 0.34)], text="What if it makes me worse instead of better")
    assert res.intent == "faq_treatment_feel_worse" and res.record["subject_from"] == "default"
    for text in ("is it really hard to do", "is it a scary thing to go through"):  # which one? is the better reply
        assert run("aspect_hard", text=text).intent == "aspect_hard", text


def test_an_answer_about_care_in_general_is_not_traded_for_an_unnamed_medicine():
    ranking = [("faq_care_find_therapist", 0.53), ("faq_care_find_trained_therapist", 0.52)]
    text = "My husband he was soldier before. Where we can find a therapist for him near us?"
    res = run("faq_care_find_therapist", ranking=ranking, text=text)
    assert res.intent in (None, "faq_care_find_therapist")


@pytest.mark.parametrize(
    "intent, ranking, current, text, answer",
    [
        (
            "faq_care_find_trained_therapist",
            [("faq_care_find_trained_therapist", 0.95), ("aspect_find", 0.05)],
            "tf_cbt",
            "how do I find someone who is actually trained in that",
            "faq_care_find_trained_therapist",
        ),
        (
            "faq_care_find_therapist",
            [("faq_care_find_therapist", 0.55), ("faq_care_find_trained_therapist", 0.55)],
            None,
            "do i need a speical trauma therapist or can any councelor do ptsd",
            "faq_care_find_trained_therapist",
        ),
        (
            "faq_care_veterans",
            [("faq_care_veterans", 0.77), ("faq_care_disability_benefits", 0.10)],
            None,
            "Can I get a VA rating for PTSD if I never got treated while I was in?",
            "faq_care_disability_benefits",
        ),
        (
            "nlu_fallback",
            [("nlu_fallback", 0.53), ("subject_only", 0.53), ("faq_care_disability_benefits", 0.21)],
            "mst",
            "and disability for it?",
            "faq_care_disability_benefits",
        ),
        (
            "faq_tools_ptsd_coach",
            [("faq_tools_ptsd_coach", 0.95), ("faq_treatment_overview", 0.02)],
            None,
            "he refuses therapy rn. is there like an app he could use on his own",
            "faq_tools_ptsd_coach",
        ),
    ],
)
def test_decisive_words_pick_between_neighbouring_answers(intent, ranking, current, text, answer):
    named = ["therapy"] if "therapy" in text else []
    res = run(intent, named, current, ranking=ranking, text=text)
    assert (res.intent or intent) == answer and res.record["rule"] == "decisive_words"


def test_decisive_words_need_their_answer_among_the_candidates_and_their_words():
    # the words alone, with the neighbour nowhere in the ranking, change nothing
    ranking = [("faq_care_veterans", 0.9), ("faq_trauma_mst", 0.05)]
    assert run("faq_care_veterans", ranking=ranking, text="what is my VA rating").record.get("rule") != "decisive_words"
    # the neighbour close but none of its words: the classifier's answer stands
    ranking = [("faq_care_find_therapist", 0.5), ("faq_care_find_trained_therapist", 0.45)]
    assert run("faq_care_find_therapist", ranking=ranking, text="where do i find a therapist").record.get("rule") != (
        "decisive_words"
    )


def test_every_decisive_words_entry_names_real_answers_and_catches_its_own_example():
    import yaml

    doc = yaml.safe_load(context.DECISIVE_WORDS_FILE.read_text(encoding="utf-8"))
    from bank.loader import load_bank

    answers = set(load_bank().examples)  # every intent the classifier is trained on
    entries = {e.id: e for e in context.DECISIVE_WORDS}
    assert len(entries) == len(doc["entries"])
    for raw in doc["entries"]:
        entry = entries[raw["id"]]
        assert entry.words.search(raw["example"]), raw["id"]
        assert entry.to in answers and entry.to not in entry.sources, raw["id"]


def test_what_do_they_use_instead_after_a_medicine_is_the_other_medicines():
    history = [Turn("faq_meds_benzodiazepines_risks", "benzodiazepines", "side_effects", ())]
    ranking = [("faq_treatment_overview", 0.4), ("faq_meds_overview", 0.3)]
    for text in ("so what do they use instead", "so what do docs use instead", "what else can i take"):
        res = run("faq_treatment_overview", [], "benzodiazepines", history, ranking=ranking, text=text)
        assert res.intent == "faq_meds_overview" and res.record["rule"] == "what_instead", text
    # after a therapy, the other treatments; about kratom (neither kind), the classifier's answer stands
    emdr = [Turn("faq_treatment_emdr", "emdr", "what", ("emdr",))]
    assert run("nlu_fallback", [], "emdr", emdr, text="what would they try instead").intent == "faq_treatment_overview"
    kratom = [Turn("faq_kratom_risks", "kratom", "side_effects", ("kratom",))]
    res = run("faq_treatment_overview", [], "kratom", kratom, ranking=ranking, text="so what do people use instead")
    assert res.record.get("rule") != "what_instead"


def test_how_do_i_quit_in_a_conversation_about_kratom_is_where_to_get_help():
    ranking = [("faq_kratom_withdrawal", 0.73), ("aspect_stopping", 0.73)]
    for text in ("ok how do I actually get off it then", "I want stop but it is very hard for me", "ok how do u quit"):
        res = run("faq_kratom_withdrawal", [], "kratom", ranking=ranking, text=text)
        assert res.intent == "faq_kratom_dependence_help" and res.record["words"] == "how_to_quit", text
    # what happens when you stop is still withdrawal; "how do I get off it" about a medicine is that medicine's
    assert run("faq_kratom_withdrawal", [], "kratom", ranking=ranking, text="what happens if i stop").intent is None
    res = run("aspect_stopping", [], "sertraline", ranking=[("aspect_stopping", 0.8)], text="how do i get off it")
    assert res.intent == "faq_meds_stopping"


def test_what_kind_of_therapy_naming_none_is_about_every_therapy_unless_about_a_child():
    assault = [Turn("faq_trauma_sexual_assault", None, None, ())]
    res = run("faq_treatment_tf_cbt", ["therapy"], history=assault, text="what kind of therapy helps with that")
    assert res.intent == "faq_treatment_overview" and res.record["rule"] == "which_therapy_in_general"
    # about a child, in the message or the turn before, TF-CBT is the answer
    assert run("faq_treatment_tf_cbt", ["therapy"], text="what therapy works for teens").intent is None
    kids = [Turn("faq_ptsd_children", "ptsd", None, ("ptsd",))]
    assert run("faq_treatment_tf_cbt", ["therapy"], history=kids, text="what kind of therapy would help").intent is None
    # a particular therapy named, or asked about, keeps its answer
    assert run("faq_treatment_cpt", ["cpt"], text="what kind of therapy is cpt").intent is None
    # a question that describes who it is for is the classifier's to answer
    text = "which therapy is for people who have many bad events, like refugee"
    assert run("faq_treatment_net", ["therapy"], text=text).intent is None


def test_is_that_normal_with_ptsd_after_telling_how_one_feels_is_whether_it_is_a_symptom():
    told = [Turn("feeling_cant_sleep", None, None, ())]
    for text in ("is that normal with ptsd", "Is this PTSD?", "is that a ptsd thing?"):
        res = run("nlu_fallback", ["ptsd"], history=told, ranking=[("nlu_fallback", 0.4)], text=text)
        assert res.intent == "faq_ptsd_symptoms" and res.record["rule"] == "is_that_ptsd", text
    # not after a question answered, and not a longer question of its own
    asked = [Turn("faq_ptsd_what", "ptsd", "what", ("ptsd",))]
    assert run("nlu_fallback", ["ptsd"], history=asked, text="is that normal with ptsd").record.get("rule") != (
        "is_that_ptsd"
    )
    long = "is it normal with ptsd to feel this tired every single day even after sleeping"
    assert run("nlu_fallback", ["ptsd"], history=told, text=long).record.get("rule") != "is_that_ptsd"


def test_what_should_i_ask_for_instead_after_a_medicine_is_the_other_medicines():
    history = [Turn("faq_meds_benzodiazepines_risks", "benzodiazepines", "side_effects", ())]
    for text in ("k what should i ask for instead", "is there something better he could ask his doctor about"):
        res = run("nlu_fallback", [], "benzodiazepines", history, text=text)
        assert res.intent == "faq_meds_overview", text


def test_the_therapy_where_you_write_is_written_exposure_therapy():
    ranking = [("faq_care_first_appointment", 0.56), ("faq_treatment_wet", 0.13)]
    for text in ("what's the one where you write instead of talking", "wat about the writen one"):
        res = run("faq_care_first_appointment", [], "therapy", ranking=ranking, text=text)
        assert res.intent == "faq_treatment_wet" and res.entities["current_subject"] == "wet", text
    # writing asked about a therapy named is that therapy's question
    text = "in cpt do you write things down instead of talking"
    res = run(
        "faq_treatment_talk_about_trauma",
        ["cpt"],
        ranking=[("faq_treatment_talk_about_trauma", 0.6), ("faq_treatment_wet", 0.3)],
        text=text,
    )
    assert res.record.get("rule") != "decisive_words"


def test_whether_kratom_is_addictive_is_its_risks_but_being_hooked_is_where_to_get_help():
    ranking = [("faq_kratom_fda_dea", 0.34), ("aspect_approved", 0.34)]
    for text in ("is it adictive", "so u can get hooked"):
        res = run("aspect_approved", [], "kratom", ranking=ranking, text=text)
        assert res.intent == "faq_kratom_risks" and res.record["words"] == "is_it_addictive", text
    for text in ("im hooked on it", "is it addictive, how do i quit"):
        assert run("nlu_fallback", [], "kratom", text=text).record.get("words") != "is_it_addictive", text
    # about another subject, the words decide nothing
    assert run("aspect_side_effects", [], "sertraline", text="is it addictive").intent == (
        "faq_meds_sertraline_side_effects"
    )


@pytest.mark.parametrize(
    "intent, ranking, current, text, answer",
    [
        (
            "aspect_cost",
            [("aspect_cost", 0.6), ("faq_care_veterans", 0.08)],
            "ptsd",
            "would the VA cover it for him",
            "faq_care_veterans",
        ),
        (
            "aspect_find",
            [("aspect_find", 0.92), ("faq_care_veterans", 0.05)],
            "pe",
            "can i get it thru the va or do i gotta go private",
            "faq_care_veterans",
        ),
        (
            "faq_treatment_length",
            [("faq_treatment_length", 0.5), ("faq_ptsd_go_away", 0.4)],
            "therapy",
            "and if its been like 10 yrs no treatmnt will it just go away evntually",
            "faq_ptsd_go_away",
        ),
        (
            "faq_treatment_overview",
            [("faq_treatment_overview", 0.48), ("faq_treatment_tf_cbt", 0.23)],
            "ptsd",
            "whats the treatment for someone my age",
            "faq_treatment_tf_cbt",
        ),
        (
            "faq_kratom_fda_dea",
            [("faq_kratom_fda_dea", 0.85), ("faq_kratom_state_law", 0.14)],
            "kratom",
            "is it even legal? we're in alabama",
            "faq_kratom_state_law",
        ),
        (
            "faq_kratom_risks",
            [("faq_kratom_risks", 0.34), ("faq_kratom_fda_dea", 0.25)],
            "kratom",
            "what does the FDA say about it",
            "faq_kratom_fda_dea",
        ),
        (
            "compare",
            [("compare", 0.53), ("faq_care_cost", 0.06)],
            None,
            "What would that run out of pocket, roughly? He's between jobs",
            "faq_care_cost",
        ),
        (
            "nlu_fallback",
            [("nlu_fallback", 1.0), ("guard_crisis_suicide", 0.48)],
            None,
            "how do i file for ptsd comp, got my dd214 n everything ready",
            "faq_care_disability_benefits",
        ),
        (
            "faq_coping_flashbacks",
            [("faq_coping_flashbacks", 0.72), ("faq_tools_ptsd_coach", 0.05)],
            None,
            "anything on the phone that helps with that",
            "faq_tools_ptsd_coach",
        ),
    ],
)
def test_round_15_decisive_words(intent, ranking, current, text, answer):
    res = run(intent, [], current, ranking=ranking, text=text)
    assert (res.intent or intent) == answer and res.record["rule"] == "decisive_words"


@pytest.mark.parametrize(
    "intent, ranking, current, text",
    [
        # care outside the VA is what it costs, not care through the VA
        (
            "faq_care_cost",
            [("faq_care_cost", 0.6), ("faq_care_veterans", 0.3)],
            None,
            "how much does care cost if I'm not going through the VA",
        ),
        # two therapies set side by side for a child is a comparison, not the children's therapy
        (
            "faq_treatment_overview",
            [("faq_treatment_overview", 0.5), ("faq_treatment_tf_cbt", 0.3)],
            None,
            "for my 16 year old, is trauma focused cbt or cpt the better choice?",
        ),
        # "the States" is the country: the federal answer may stand
        (
            "faq_kratom_fda_dea",
            [("faq_kratom_fda_dea", 0.6), ("faq_kratom_state_law", 0.3)],
            "kratom",
            "Is kratom legal in the States? Heading over next month",
        ),
        # the cost of an app in hand is the app's own answer, not the cost of care
        ("compare", [("compare", 0.5), ("faq_care_cost", 0.3)], None, "does it cost anything"),
        # a complaint filed is not a disability claim
        ("nlu_fallback", [("nlu_fallback", 0.9)], None, "how do i file a complaint about my therapist"),
    ],
)
def test_round_15_decisive_words_leave_look_alikes(intent, ranking, current, text):
    named = [s for s in ("cpt", "tf_cbt") if s in text.replace("trauma focused cbt", "tf_cbt")]
    assert run(intent, named, current, ranking=ranking, text=text).record.get("rule") != "decisive_words", text


def test_a_rating_asked_of_the_va_is_the_disability_pointer_not_care_through_the_va():
    ranking = [("faq_care_disability_benefits", 0.6), ("faq_care_veterans", 0.3)]
    res = run("faq_care_disability_benefits", [], ranking=ranking, text="will the VA pay me a rating for it")
    assert (res.intent or "faq_care_disability_benefits") == "faq_care_disability_benefits"


def test_a_decisive_answer_with_no_cell_keeps_the_subject_its_entry_is_about():
    ranking = [("faq_kratom_fda_dea", 0.85), ("faq_kratom_state_law", 0.14)]
    res = run("faq_kratom_fda_dea", [], "kratom", ranking=ranking, text="is it even legal? we're in alabama")
    assert res.entities["current_subject"] == "kratom"


def test_kratom_taken_along_with_a_medicine_is_the_interactions_answer():
    text = "he takes it along with his zoloft. is that a problem??"
    res = run("faq_meds_sertraline_side_effects", ["sertraline"], current="kratom", text=text)
    assert res.intent == "faq_kratom_interactions"


def test_treating_both_at_once_right_after_drink_and_drugs_is_that_answer_again():
    history = [Turn("faq_ptsd_alcohol_drugs", "ptsd", None, ("ptsd",))]
    text = "Can they treat both things at the same time or do I have to quit first"
    res = run("aspect_stopping", [], "ptsd", history, text=text)
    assert res.intent == "faq_ptsd_alcohol_drugs" and res.record["rule"] == "same_answer_again"
    # the same words after another answer are their own question
    other = [Turn("faq_meds_sertraline", "sertraline", "what", ("sertraline",))]
    assert run("aspect_stopping", [], "sertraline", other, text=text).intent == "faq_meds_stopping"


def test_a_list_of_options_does_not_trade_the_classifiers_answer_for_the_first_one_named():
    text = (
        "So my psychologist gave me a list: CPT, PE, EMDR, WET, or medication, and said go home and think. "
        "Is there something that helps me decide?"
    )
    named = ["cpt", "pe", "emdr", "wet", "medication"]
    res = run("faq_tools_decision_aid", named, ranking=[("faq_tools_decision_aid", 0.96)], text=text)
    assert (
        res.record.get("rule") != "cell_remap" and (res.intent or "faq_tools_decision_aid") == "faq_tools_decision_aid"
    )
    # one subject named keeps the remap: "is PE on that decision tool" is about PE
    res = run("faq_tools_decision_aid", ["pe"], ranking=[("faq_tools_decision_aid", 0.9)], text="what is PE")
    assert res.record.get("rule") == "cell_remap"


def test_put_them_side_by_side_compares_the_two_that_came_up():
    history = [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",)), Turn("faq_treatment_net", "net", "what", ("net",))]
    res = run("nlu_fallback", [], "net", history, ranking=[("nlu_fallback", 1.0)], text="put them side by side for me")
    assert res.intent == "compare" and res.entities["comparison"] == "cpt_net"


def test_a_closing_what_is_x_among_several_named_is_what_x_is():
    text = 'The clinic brochure lists "PCT" alongside CPT and PE. What is PCT?'
    res = run("compare", ["pct", "cpt", "pe"], ranking=[("compare", 0.3)], text=text)
    assert res.intent == "faq_treatment_pct" and res.record["rule"] == "what_the_question_names"
    # a comparison asked in words stays one
    text = "The brochure lists CPT and PE. What is the difference between CPT and PE?"
    assert run("compare", ["cpt", "pe"], ranking=[("compare", 0.9)], text=text).intent == "compare"


def test_a_misspelt_therapy_asked_what_it_is_opening_a_conversation_is_what_it_is():
    ranking = [("faq_treatment_pe_sessions", 0.9), ("faq_treatment_pe", 0.06)]
    res = run("faq_treatment_pe_sessions", [], ranking=ranking, text="wat is prolonged exposur")
    assert res.intent == "faq_treatment_pe" and res.record["rule"] == "what_it_is_unasked"
    # its session count asked for keeps the count; a later "and ...?" is not a what-is question
    assert run("faq_treatment_pe_sessions", [], ranking=ranking, text="what is the number of sessions").intent is None
    history = [Turn("faq_treatment_pe", "pe", "what", ("pe",))]
    assert (
        run("faq_treatment_pe_sessions", [], "pe", history, ranking=ranking, text="wat is it like").record.get("rule")
        != "what_it_is_unasked"
    )


def test_a_first_therapy_appointment_is_not_traded_for_what_therapy_is():
    ranking = [("faq_care_first_appointment", 0.92), ("faq_treatment_overview", 0.05)]
    # the subject's own name is taken out before the cues are read: "first therapy appointment" is a first appointment
    for text in ("What's a first therapy appointment like?", "my first therapy appointment, what happens"):
        res = run("faq_care_first_appointment", ["therapy"], ranking=ranking, text=text)
        assert (res.intent or "faq_care_first_appointment") == "faq_care_first_appointment", text


def test_the_first_one_you_said_is_the_earlier_of_the_two_subjects():
    history = [
        Turn("faq_treatment_cpt", "cpt", "what", ("cpt",)),
        Turn("faq_treatment_emdr", "emdr", "what", ("emdr",)),
    ]
    ranking = [("faq_treatment_emdr_sessions", 0.4)]
    text = "how many sesions for the first one u said"
    res = run("faq_treatment_emdr_sessions", [], "emdr", history, ranking=ranking, text=text)
    assert res.intent == "faq_treatment_cpt_sessions" and res.record["rule"] == "the_one_before"
    # read as a dose by the classifier: the aspect its words name
    res = run("guard_dose_followup", [], "emdr", history, ranking=[("guard_dose_followup", 0.4)], text=text)
    assert res.intent == "faq_treatment_cpt_sessions"
    # with one subject so far there is no one before; a subject named wins
    assert run("aspect_how_long", [], "emdr", history[1:], text=text).record.get("rule") != "the_one_before"
    res = run("aspect_how_long", ["pe"], "emdr", history, text="the other one, PE, how long")
    assert res.record.get("rule") != "the_one_before"


@pytest.mark.parametrize(
    "intent, ranking, current, text, answer",
    [
        (
            "aspect_session_like",
            [("aspect_session_like", 0.5), ("faq_care_first_appointment", 0.3)],
            "cpt",
            "what goes down at the first appt, lowkey nervous",
            "faq_care_first_appointment",
        ),
        (
            "feeling_afraid_of_therapy",
            [("feeling_afraid_of_therapy", 0.6), ("faq_treatment_feel_worse", 0.3)],
            None,
            "what if therapy makes it worse. heard a couple guys say that",
            "faq_treatment_feel_worse",
        ),
        (
            "feeling_flashbacks_nightmares",
            [("feeling_flashbacks_nightmares", 0.6), ("faq_coping_nightmares", 0.3)],
            None,
            "Any tricks for the nightmares? Had the same one on and off for 20 years.",
            "faq_coping_nightmares",
        ),
        (
            "faq_care_first_appointment",
            [("faq_care_first_appointment", 0.5), ("faq_ptsd_screening", 0.2)],
            "ptsd",
            "is there like a quiz i can do first",
            "faq_ptsd_screening",
        ),
        (
            "faq_ptsd_diagnosis",
            [("faq_ptsd_diagnosis", 0.5), ("faq_ptsd_symptoms", 0.4)],
            None,
            "Please what are the signs of PTSD? I think my brother have it but he say no.",
            "faq_ptsd_symptoms",
        ),
        (
            "faq_care_find_trained_therapist",
            [("faq_care_find_trained_therapist", 0.7)],
            None,
            "Which CPT code should a physiotherapist use for a 45-minute manual therapy session?",
            "out_of_scope",
        ),
        (
            "guard_dose_other",
            [("guard_dose_other", 0.4), ("faq_care_first_appointment", 0.3)],
            None,
            "they booked me for an intake. Do I bring a list of meds? How long is it? What happens at a first appointment?",
            "faq_care_first_appointment",
        ),
        (
            "faq_alt_yoga_mindfulness",
            [("faq_alt_yoga_mindfulness", 0.9)],
            None,
            "Does hot yoga burn substantially more calories than a regular yoga class?",
            "out_of_scope",
        ),
    ],
)
def test_round_16_decisive_words(intent, ranking, current, text, answer):
    res = run(intent, [], current, ranking=ranking, text=text)
    assert (res.intent or intent) == answer and res.record["rule"] == "decisive_words"


@pytest.mark.parametrize(
    "intent, ranking, current, text",
    [
        # fear said outright is the feeling, met warmly first
        (
            "feeling_afraid_of_therapy",
            [("feeling_afraid_of_therapy", 0.6), ("faq_treatment_feel_worse", 0.3)],
            None,
            "im scared therapy will make it worse",
        ),
        # telling of nightmares, asking nothing, is the disclosure
        (
            "feeling_flashbacks_nightmares",
            [("feeling_flashbacks_nightmares", 0.6), ("faq_coping_nightmares", 0.3)],
            None,
            "the nightmares came back this week and i am wrecked",
        ),
        # how PTSD is diagnosed stays the diagnosis answer
        (
            "faq_ptsd_diagnosis",
            [("faq_ptsd_diagnosis", 0.6), ("faq_ptsd_symptoms", 0.3)],
            None,
            "what symptoms does a doctor need to see to diagnose ptsd",
        ),
        # yoga for tense muscles is yoga for PTSD
        (
            "faq_alt_yoga_mindfulness",
            [("faq_alt_yoga_mindfulness", 0.9)],
            None,
            "my muscles are so tense, would yoga help",
        ),
        # the therapy, not its billing code
        ("faq_treatment_cpt", [("faq_treatment_cpt", 0.8)], None, "what is cpt and does it help with guilt"),
    ],
)
def test_round_16_decisive_words_leave_look_alikes(intent, ranking, current, text):
    assert run(intent, [], current, ranking=ranking, text=text).record.get("rule") != "decisive_words", text


def test_a_therapy_set_against_regular_talk_therapy_is_a_comparison_of_the_two():
    text = "emdr vs regular talk therapy, what's the deal"
    res = run("faq_treatment_emdr", ["emdr", "therapy"], ranking=[("faq_treatment_emdr", 0.8)], text=text)
    assert res.intent == "compare" and res.entities["comparison"] == "emdr_therapy"
    # "PE therapy" names PE alone
    res = run("faq_treatment_pe", ["pe", "therapy"], ranking=[("faq_treatment_pe", 0.8)], text="what is PE therapy")
    assert res.intent != "compare"


def test_someone_who_does_that_is_a_therapist_trained_in_it():
    ranking = [("faq_care_find_therapist", 0.6), ("faq_care_find_trained_therapist", 0.3)]
    text = "how do I find someone near us who does that"
    res = run("faq_care_find_therapist", [], "ptsd", ranking=ranking, text=text)
    assert res.intent == "faq_care_find_trained_therapist" and res.record["rule"] == "decisive_words"
    # finding any therapist stays that answer
    text = "how do I find a therapist near me"
    assert run("faq_care_find_therapist", [], None, ranking=ranking, text=text).record.get("rule") != "decisive_words"


def test_a_choice_between_a_medicine_and_a_therapy_is_a_comparison():
    # round 17: "deciding between", "what you recommend" set the two named side by side
    text = "my wife is trying to decide between zoloft and going to therapy for her ptsd"
    res = run("nlu_fallback", ["sertraline", "therapy"], ranking=[("nlu_fallback", 0.3), ("compare", 0.25)], text=text)
    assert res.intent == "compare" and res.entities["comparison"] == "therapy_medication"
    # ... and a neighbour's decisive words ("the writing therapy") never pick one side of it
    text = "Prozac or the writing therapy (WET), what you recommend? I am 35"
    res = run("faq_treatment_wet", ["fluoxetine", "wet"], ranking=[("faq_treatment_wet", 0.45)], text=text)
    assert res.intent == "compare" and res.entities["comparison"] == "wet_medication"
    # one of them asked about, with no choice in it, is that one's answer
    res = run("faq_meds_sertraline", ["sertraline"], ranking=[("faq_meds_sertraline", 0.9)], text="what is zoloft")
    assert res.intent != "compare"


def test_medicine_misspelt_past_the_lookup_table_is_medicine_in_general():
    res = run("compare", ["emdr"], ranking=[("compare", 0.9)], text="emdr vs medecine which is beter")
    assert res.intent == "compare" and res.entities["comparison"] == "emdr_medication"
    assert "medication" not in named_subjects(["cannabis"], GRID, "is medicinal cannabis legal")


def test_a_pasted_note_naming_two_then_asking_what_one_is_gets_that_answer():
    text = (
        'Copying this from my visit summary: "Discussed options incl. prolonged exposure and written exposure therapy.'
        ' Pt to consider." What is written exposure?'
    )
    res = run(
        "faq_treatment_pe", ["pe", "wet"], ranking=[("faq_treatment_pe", 0.6), ("faq_treatment_wet", 0.2)], text=text
    )
    assert res.intent == "faq_treatment_wet" and res.record["rule"] == "what_the_question_names"
    # a question about one aspect of it is not "what is it"
    text = "I did prolonged exposure. Then they offered written exposure. How many sessions is written exposure?"
    res = run("faq_treatment_wet_sessions", ["pe", "wet"], ranking=[("faq_treatment_wet_sessions", 0.6)], text=text)
    assert res.record.get("rule") != "what_the_question_names"


def test_a_therapy_where_you_write_is_written_exposure_even_when_the_classifier_barely_lists_it():
    text = "heard theres a therapy where you just write about it instead of talking. real thing?"
    ranking = [("faq_treatment_talk_about_trauma", 0.95), ("faq_treatment_wet", 0.01)]
    res = run("faq_treatment_talk_about_trauma", [], ranking=ranking, text=text)
    assert res.intent == "faq_treatment_wet" and res.record["rule"] == "decisive_words"


def test_asking_to_talk_with_a_real_person_reaches_a_person():
    text = "he will not go to doctor. can i talk with a real person about this?"
    ranking = [("nlu_fallback", 0.3), ("faq_care_help_loved_one", 0.25)]
    res = run("nlu_fallback", [], ranking=ranking, text=text)
    assert res.intent == "reach_person" and res.record["rule"] == "decisive_words"
    # asking whether this is a person is the bot question, which the words leave alone
    res = run("bot_challenge", [], ranking=[("bot_challenge", 0.9)], text="am i talking to a real person")
    assert res.record.get("rule") != "decisive_words"


def test_the_duration_or_length_of_a_course_asks_how_long_it_takes():
    # round 17: "What is the usual duration of a course of NET?" keeps the session count, not what NET is
    ranking = [("faq_treatment_net_sessions", 0.5), ("faq_treatment_net", 0.4)]
    for text in ("What is the usual duration of a course of NET?", "what's the typical length of NET"):
        res = run("faq_treatment_net_sessions", ["net"], ranking=ranking, text=text)
        assert (res.intent or "faq_treatment_net_sessions") == "faq_treatment_net_sessions", text
    assert run("faq_treatment_net_sessions", ["net"], ranking=ranking, text="what is NET").intent == "faq_treatment_net"


def test_reading_about_it_online_does_not_ask_whether_it_is_done_online():
    text = "I've read a few things online and some of it sounds odd. Is EMDR a proper evidence-based treatment?"
    res = run("faq_treatment_emdr", ["emdr"], text=text)
    assert res.intent in (None, "faq_treatment_emdr") and res.record["rule"] != "online_in_words"
    asks = run("faq_treatment_emdr_sessions", ["emdr"], text="can u do emdr online")
    assert asks.intent == "faq_treatment_online"


def test_an_aspect_asked_of_nothing_that_the_classifier_also_reads_as_out_of_scope_is_out_of_scope():
    text = "How long is passport processing taking in the UK at the moment?"
    ranking = [("aspect_how_long", 0.67), ("out_of_scope", 0.3)]
    res = run("aspect_how_long", ranking=ranking, text=text)
    assert res.intent == "out_of_scope" and res.record["rule"] == "aspect_outside"
    # ... but with a subject in the conversation it is asked of that subject, and without the out-of-scope share
    # it stays the honest "which one do you mean?"
    assert run("aspect_how_long", current="cpt", ranking=ranking, text=text).intent == "faq_treatment_cpt_sessions"
    assert (
        run("aspect_how_long", ranking=[("aspect_how_long", 0.9)], text="how long does it take").intent
        != "out_of_scope"
    )


def test_an_answer_decided_by_its_words_keeps_the_subject_named_whose_family_it_is_in():
    # "Kratom is legal in America?" answered with kratom's state laws: "and the FDA, they approve it?" is about kratom
    ranking = [("faq_kratom_state_law", 0.89), ("faq_kratom_fda_dea", 0.09)]
    res = run("faq_kratom_state_law", ["kratom"], ranking=ranking, text="Kratom is legal in America? I move to Indiana")
    assert res.entities.get("current_subject") == "kratom"


def test_an_unsure_follow_up_takes_an_aspect_candidate_asked_of_the_subject_in_hand():
    # "are they addictive" after Xanax, read as PTSD with drinking or drugs (0.37), the side-effects aspect close
    ranking = [("faq_ptsd_alcohol_drugs", 0.37), ("aspect_side_effects", 0.32), ("faq_meds_benzodiazepines_risks", 0.1)]
    res = run("faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=ranking, text="are they addictive")
    assert res.intent == "faq_meds_benzodiazepines_risks" and res.record["rule"] == "family"


def test_wtf_is_asks_what_it_is():
    res = run("faq_treatment_wet_sessions", ["wet"], text="wtf is WET, my counselor keeps bringin it up")
    assert res.intent == "faq_treatment_wet"


def test_an_unsure_follow_up_never_takes_an_aspect_candidate_whose_words_are_not_there():
    # an aspect candidate whose words are not there is not taken ("so which one? he hates homework" is no homework question)
    vague = [("faq_ptsd_alcohol_drugs", 0.37), ("aspect_side_effects", 0.32)]
    assert run("faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=vague, text="so what now").intent != (
        "faq_meds_benzodiazepines_risks"
    )
    # ... nor one in a choice between two, nor an aspect of PTSD itself ("they" are its treatments)
    choice = [("everyday_statement", 0.31), ("aspect_homework", 0.3)]
    text = "so for my husband which one? he hates homework of any kind"
    assert context._family_answer("everyday_statement", choice, "wet", GRID, BAND, text) is None
    assert context._family_answer("everyday_statement", choice, "wet", GRID, BAND, "is there homework") is not None
    about_ptsd = [("out_of_scope", 0.34), ("aspect_how_long", 0.31)]
    assert context._family_answer("nlu_fallback", about_ptsd, "ptsd", GRID, BAND, "how long do they tkae") is None


def test_a_sure_topic_answer_to_a_follow_up_that_points_back_is_the_subject_in_hands_aspect():
    # "are they addictve" after benzos, read surely (0.76) as PTSD with alcohol and drugs: "they" and the words of
    # the risks answer point at benzodiazepines
    ranking = [
        ("faq_ptsd_alcohol_drugs", 0.76),
        ("faq_meds_benzodiazepines_risks", 0.05),
        ("aspect_side_effects", 0.04),
    ]
    res = run("faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=ranking, text="are they addictve")
    assert res.intent == "faq_meds_benzodiazepines_risks" and res.record["rule"] == "pronoun_aspect"
    # "does it actually work for the bad dreams" after prazosin, read as coping with nightmares: how well it works
    ranking = [("faq_coping_nightmares", 0.76), ("aspect_effectiveness", 0.17), ("faq_meds_prazosin_nightmares", 0.04)]
    res = run(
        "faq_coping_nightmares", current="prazosin", ranking=ranking, text="Does it actually work for the bad dreams?"
    )
    assert res.intent == "faq_meds_prazosin_nightmares"
    # no pointer, the aspect's words missing, a long message, or PTSD itself in hand: the classifier's answer stands
    sure = [("faq_ptsd_alcohol_drugs", 0.76), ("faq_meds_benzodiazepines_risks", 0.05)]
    assert run(
        "faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=sure, text="is drinking bad with ptsd"
    ).intent in (None, "faq_ptsd_alcohol_drugs")
    sure = [("faq_ptsd_alcohol_drugs", 0.76), ("faq_meds_benzodiazepines_risks", 0.05)]
    assert run("faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=sure, text="is it common").intent in (
        None,
        "faq_ptsd_alcohol_drugs",
    )
    long = "my brother drinks every night since he got back and honestly I think it is getting addictive for him now"
    assert run("faq_ptsd_alcohol_drugs", current="benzodiazepines", ranking=sure, text=long).intent in (
        None,
        "faq_ptsd_alcohol_drugs",
    )
    assert run("faq_ptsd_alcohol_drugs", current="ptsd", ranking=sure, text="are they addictive").intent in (
        None,
        "faq_ptsd_alcohol_drugs",
    )


def test_what_to_take_instead_read_as_a_detail_of_the_medicine_in_hand_is_the_other_medicines():
    history = [Turn("faq_meds_benzodiazepines_risks", "benzodiazepines", "side_effects", ())]
    ranking = [("faq_meds_benzodiazepines_risks", 0.33), ("aspect_stopping", 0.33)]
    res = run(
        "faq_meds_benzodiazepines_risks",
        [],
        "benzodiazepines",
        history,
        ranking,
        "so what am I supposed to take instead",
    )
    assert res.intent == "faq_meds_overview" and res.record["rule"] == "what_instead"
    # a detail asked with no "instead" keeps its answer
    res = run(
        "faq_meds_benzodiazepines_risks", [], "benzodiazepines", history, ranking, "whats the risk if I just stay on it"
    )
    assert res.intent in (None, "faq_meds_benzodiazepines_risks")


def test_a_comparison_with_nothing_to_compare_and_no_comparing_word_is_what_the_subject_is():
    ranking = [("compare", 0.47), ("faq_meds_sertraline_side_effects", 0.1)]
    text = "My GP has suggested I try sertraline. I am 71 and rather wary of tablets."
    res = run("compare", ["sertraline"], ranking=ranking, text=text)
    assert res.intent == "faq_meds_sertraline" and res.record["rule"] == "compare_without_pair"
    # a comparing word, or a second subject in the conversation, keeps the comparison
    assert run("compare", ["sertraline"], ranking=ranking, text="is sertraline better?").intent == "compare"
    cpt = [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",))]
    assert run("compare", ["emdr"], "cpt", cpt, ranking, text="and emdr").intent == "compare"


def test_medicine_and_therapy_in_words_the_lookup_table_lacks_are_still_named():
    assert named_subjects(["therapy"], GRID, "Would I be better off with tablets or with talking therapy?") == [
        "therapy",
        "medication",
    ]
    assert named_subjects(["medication"], GRID, "pills or talkin to someone, what actually works better") == [
        "medication",
        "therapy",
    ]
    res = run(
        "faq_meds_overview",
        ["medication"],
        ranking=[("faq_meds_overview", 0.98)],
        text="pills or talkin to someone, what works better",
    )
    assert res.intent == "compare" and res.entities["comparison"] == "therapy_medication"


def test_a_session_or_bill_of_another_trade_is_out_of_scope_and_a_database_flashback_too():
    ranking = [("faq_treatment_length", 0.35), ("out_of_scope", 0.34), ("aspect_how_long", 0.2)]
    res = run(
        "faq_treatment_length", ranking=ranking, text="how long should a gym session be if im trying to build muscle"
    )
    assert res.intent == "out_of_scope" and res.record["words"] == "other_kinds_of_session"
    cost = [("faq_care_cost", 0.44), ("out_of_scope", 0.24)]
    text = "Does Medicare cover my husband's therapy sessions with the chiropractor for his back?"
    assert run("faq_care_cost", ranking=cost, text=text).intent == "out_of_scope"
    flash = [("faq_ptsd_flashbacks", 0.6), ("out_of_scope", 0.1)]
    text = "In an Oracle database, how does a flashback query work?"
    assert run("faq_ptsd_flashbacks", ranking=flash, text=text).intent == "out_of_scope"
    # the gym named in a story about PTSD care keeps its answer; out of scope must be a candidate for sessions
    story = "I cant go to the gym anymore since the attack. how long does treatment take?"
    assert run("faq_treatment_length", ranking=ranking, text=story).intent in (None, "faq_treatment_length")
    unlisted = [("faq_treatment_length", 0.8), ("out_of_scope", 0.05)]
    assert run("faq_treatment_length", ranking=unlisted, text="how long is a gym session").intent in (
        None,
        "faq_treatment_length",
    )


def test_what_about_flashbacks_after_coping_with_nightmares_is_coping_with_flashbacks():
    coping = [Turn("faq_coping_nightmares", None, None, (), nightmares=True)]
    ranking = [("faq_ptsd_flashbacks", 0.79), ("feeling_flashbacks_nightmares", 0.11)]
    res = run("faq_ptsd_flashbacks", history=coping, ranking=ranking, text="what about flashbacks")
    assert res.intent == "faq_coping_flashbacks" and res.record["rule"] == "coping_help"
    # with no coping answer before, "what about flashbacks" keeps what flashbacks are
    symptoms = [Turn("faq_ptsd_symptoms", "ptsd", "what", ("ptsd",))]
    res = run("faq_ptsd_flashbacks", history=symptoms, ranking=ranking, text="what about flashbacks")
    assert res.intent in (None, "faq_ptsd_flashbacks")


def test_a_named_subjects_detail_whose_words_are_there_beats_what_it_is_when_close():
    ranking = [("faq_meds_fluoxetine", 0.45), ("faq_meds_fluoxetine_side_effects", 0.39)]
    text = "Is Prozac safe for my 16 year old? The doctor suggested it for her PTSD and I'm worried about the risks."
    res = run("faq_meds_fluoxetine", ["fluoxetine"], ranking=ranking, text=text)
    assert res.intent == "faq_meds_fluoxetine_side_effects" and res.record["rule"] == "detail_in_words"
    # asked what it is, or none of the detail's words: what it is
    for plain in ("what is prozac, my doctor mentioned its risks", "my doctor suggested prozac for my daughter"):
        assert run("faq_meds_fluoxetine", ["fluoxetine"], ranking=ranking, text=plain).intent in (
            None,
            "faq_meds_fluoxetine",
        ), plain


def test_a_therapy_first_brought_up_with_none_of_a_details_words_is_what_it_is():
    ranking = [("faq_treatment_pe_sessions", 0.53), ("faq_treatment_pe", 0.07)]
    res = run("faq_treatment_pe_sessions", ["pe"], ranking=ranking, text="VA wants me to do PE")
    assert res.intent == "faq_treatment_pe" and res.record["rule"] == "what_it_is_unasked"
    # the detail's words, a conversation already going, or a medicine: the classifier's detail stands
    assert run("faq_treatment_pe_sessions", ["pe"], ranking=ranking, text="how many weeks is PE").intent in (
        None,
        "faq_treatment_pe_sessions",
    )
    earlier = [Turn("faq_treatment_cpt", "cpt", "what", ("cpt",))]
    assert run("faq_treatment_pe_sessions", ["pe"], "cpt", earlier, ranking, "VA wants me to do PE").intent in (
        None,
        "faq_treatment_pe_sessions",
    )
    dizzy = [("faq_meds_sertraline_side_effects", 0.6), ("faq_meds_sertraline", 0.2)]
    assert run(
        "faq_meds_sertraline_side_effects", ["sertraline"], ranking=dizzy, text="I get dizzy on sertraline"
    ).intent in (
        None,
        "faq_meds_sertraline_side_effects",
    )


def test_finding_a_therapist_for_a_therapy_misspelt_is_still_finding_one():
    ranking = [("faq_care_find_trained_therapist", 0.6), ("faq_treatment_emdr", 0.2)]
    text = "how do i fnd a therapist that does emdr for my son"
    res = run("faq_care_find_trained_therapist", ["emdr"], ranking=ranking, text=text)
    assert res.intent in (None, "faq_care_find_trained_therapist")


def test_a_question_opening_a_conversation_keeps_the_detail_the_classifier_read():
    for intent, subject, text in (
        ("faq_treatment_tf_cbt_sessions", "tf_cbt", "will the parent be in the room during tf-cbt"),
        ("faq_treatment_pct_sessions", "pct", "can i do present centred therapy with other people in a group"),
    ):
        res = run(intent, [subject], ranking=[(intent, 0.9)], text=text)
        assert res.intent in (None, intent), text
    # a bare name asked ("pct?") is what it is
    assert run(
        "faq_treatment_pct_sessions", ["pct"], ranking=[("faq_treatment_pct_sessions", 0.6)], text="pct?"
    ).intent == ("faq_treatment_pct")
