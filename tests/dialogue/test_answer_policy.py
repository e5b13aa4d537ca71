"""AnswerRulePolicy answers from its table exactly what RulePolicy would, and leaves the rest to it."""

from __future__ import annotations

import random

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME, DEFAULT_INTENTS
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from dialogue.answer_policy import AnswerRulePolicy, build_answer_table


def _policy(agent) -> AnswerRulePolicy:
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, AnswerRulePolicy):
            return node._component
    raise AssertionError("the model has no AnswerRulePolicy")


def _rule_policy_action(policy, tracker, domain) -> str:
    prediction = RulePolicy.predict_action_probabilities(policy, tracker, domain)
    return domain.action_names_or_texts[prediction.max_confidence_index]


def _fast_action(policy, tracker, domain) -> str:
    prediction = policy.predict_action_probabilities(tracker, domain)
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_the_table_covers_every_answer_intent(agent):
    policy = _policy(agent)
    missing = [i for i in agent.domain.intents if i.startswith(("faq_", "guard_")) and i not in policy.answers]
    assert not missing, f"intents answered by RulePolicy's slow path: {missing}"


def test_table_and_rule_policy_agree_turn_by_turn_in_random_conversations(agent):
    """200 conversations of 6 random intents: at every step both predict the same action."""
    policy, domain = _policy(agent), agent.domain
    # Rasa's own intents (session_start, restart, back) cannot come from a visitor: the channel strips `/`
    intents = sorted(i for i in domain.intents if i not in DEFAULT_INTENTS)
    rng = random.Random(3)
    compared = 0
    for n in range(200):
        tracker = DialogueStateTracker.from_events(
            f"c{n}",
            [ActionExecuted(ACTION_SESSION_START_NAME), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)],
            domain.slots,
        )
        for _ in range(6):
            intent = rng.choice(intents)
            tracker.update(UserUttered("text", intent={"name": intent, "confidence": 0.9}))
            if intent == "inform_region":
                tracker.update(SlotSet("region", rng.choice(["uk", "ca"])))
            for _step in range(6):
                fast, slow = _fast_action(policy, tracker, domain), _rule_policy_action(policy, tracker, domain)
                assert fast == slow, (intent, list(tracker.events)[-6:])
                compared += 1
                tracker.update(ActionExecuted(fast))
                if fast == ACTION_LISTEN_NAME:
                    break
            else:
                pytest.fail(f"no action_listen after {intent}")
    assert compared > 1000


class _Tracker:
    """Just what build_answer_table reads from a training tracker."""

    def __init__(self, events, is_rule_tracker=True):
        self.events, self.is_rule_tracker = events, is_rule_tracker


def _rule(intent, *actions, listen=True, snippet=True, before=()):
    events = [ActionExecuted("...")] if snippet else [ActionExecuted(ACTION_LISTEN_NAME)]
    events += [*before, UserUttered("x", intent={"name": intent})]
    events += [ActionExecuted(a) for a in actions]
    return _Tracker(events + ([ActionExecuted(ACTION_LISTEN_NAME)] if listen else []))


def test_plain_rules_enter_the_table():
    table, rules_only = build_answer_table([_rule("greet", "utter_greet"), _rule("crisis", "utter_a", "utter_b")])
    assert table == {"crisis": ["utter_a", "utter_b"], "greet": ["utter_greet"]}
    assert rules_only == ["crisis", "greet"]


@pytest.mark.parametrize(
    "odd_rule",
    [
        _rule("ask", "utter_other"),  # two rules disagree about the same intent
        _rule("ask", "utter_x", before=[SlotSet("region", "uk")]),  # a slot condition
        _rule("ask", "utter_x", snippet=False),  # conversation_start: true
        _rule("ask", "utter_x", listen=False),  # wait_for_user_input: false
    ],
)
def test_an_intent_with_any_other_rule_shape_is_left_to_rule_policy(odd_rule):
    table, _ = build_answer_table([_rule("ask", "utter_x"), odd_rule, _rule("greet", "utter_greet")])
    assert "ask" not in table and table["greet"] == ["utter_greet"]


def test_a_story_that_disagrees_with_a_rule_takes_the_intent_out():
    story = _Tracker(
        [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("x", intent={"name": "ask"}), ActionExecuted("utter_y")],
        is_rule_tracker=False,
    )
    table, _ = build_answer_table([_rule("ask", "utter_x"), story])
    assert "ask" not in table


def _message(guardrail):
    return UserUttered("x", intent={"name": "faq_ptsd_what"}, parse_data={"guardrail": guardrail})


def test_an_answer_to_a_crisis_signal_set_aside_ends_with_the_crisis_line():
    from dialogue.answer_policy import POINTER_ACTION, with_crisis_line

    answer = ["utter_faq_ptsd_what"]
    assert with_crisis_line(answer, _message({"outcome": "set_aside"})) == [*answer, POINTER_ACTION]
    assert with_crisis_line(answer, _message({"outcome": "faint"})) == [*answer, POINTER_ACTION]
    # under a kratom refusal the crisis side's record is nested; a reply with contacts keeps its own
    refusal = ["utter_guard_kratom_dose", "utter_contacts_pointer"]
    assert with_crisis_line(refusal, _message({"outcome": "refused", "crisis": {"outcome": "set_aside"}})) == refusal
    assert with_crisis_line(answer, _message({"outcome": "vetoed"})) == answer
    # a veto takes back the lexicon's words, not a learned score at the pointer bar: the answer keeps the line
    band = {"pointer_from": 0.1}
    vetoed = {"outcome": "vetoed", "probability": 0.4, "band": band}
    assert with_crisis_line(answer, _message(vetoed)) == [*answer, POINTER_ACTION]
    assert with_crisis_line(answer, _message({"outcome": "refused", "crisis": vetoed})) == [*answer, POINTER_ACTION]
    assert with_crisis_line(answer, _message({"outcome": "vetoed", "probability": 0.05, "band": band})) == answer
    assert with_crisis_line(answer, UserUttered("x", intent={"name": "faq_ptsd_what"})) == answer


def test_danger_told_as_over_ends_with_the_help_line_its_crisis_route_shows():
    from dialogue.answer_policy import POINTER_ACTION, with_crisis_line

    answer = ["utter_faq_trauma_partner_violence"]
    table = {
        "guard_crisis_domestic_violence": ["utter_guard_crisis_domestic_violence", "utter_contacts_domestic_violence"]
    }
    past = _message({"outcome": "past", "kind": "domestic_violence"})
    assert with_crisis_line(answer, past, table) == [*answer, "utter_contacts_domestic_violence"]
    # a kind the table does not know still gets a way to help
    assert with_crisis_line(answer, _message({"outcome": "past", "kind": "suicide"}), table) == [
        *answer,
        POINTER_ACTION,
    ]


def test_a_crisis_route_that_answers_its_topic_puts_the_answer_after_the_lines():
    from dialogue.answer_policy import with_topic_answer

    route = ["utter_guard_crisis_sexual_assault", "utter_contacts_sexual_assault", "utter_guard_crisis_continue"]
    asked = _message({"outcome": "crisis", "kind": "sexual_assault", "answer_too": "faq_trauma_sexual_assault"})
    assert with_topic_answer(route, asked) == [*route[:2], "utter_faq_trauma_sexual_assault", route[2]]
    assert with_topic_answer(route, _message({"outcome": "crisis", "kind": "sexual_assault"})) == route


def test_a_detail_carried_to_a_new_subject_is_preceded_by_what_it_is_while_the_answer_stands():
    from dialogue.answer_policy import with_subject_introduced

    answer = ["utter_faq_treatment_net_sessions"]
    record = {"rule": "subject_only_new", "answer": "faq_treatment_net_sessions", "answer_first": "faq_treatment_net"}
    chosen = UserUttered("and NET?", intent={"name": "faq_treatment_net_sessions"}, parse_data={"context": record})
    assert with_subject_introduced(answer, chosen) == ["utter_faq_treatment_net", *answer]
    # a guardrail that took the turn over (the intent is no longer the context step's answer) keeps its replies alone
    route = ["utter_guard_crisis_suicide", "utter_contacts_crisis"]
    taken = UserUttered("and NET?", intent={"name": "guard_crisis_suicide"}, parse_data={"context": record})
    assert with_subject_introduced(route, taken) == route
    assert with_subject_introduced(answer, _message({})) == answer
