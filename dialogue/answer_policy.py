"""RulePolicy with an O(1) path for the one rule shape this assistant uses: intent -> fixed replies.

Every rule here says "after intent X, run these utterances, then listen" (no slots, loops or
conditions). RulePolicy answers that by featurizing the whole conversation and testing every rule
key against it, twice per prediction, for each of the 2-4 actions of a reply: about 3 ms more per
message on our ~70 rules than this table, growing with the conversation's length (bench/README.md).

This subclass keeps RulePolicy's training, its contradiction checks and its model files, and also
learns one table, intent -> actions, from the same rule and story trackers. At prediction time a
message whose intent is in the table is answered from it (the next action is the one after those
already run since the message); anything else (a fallback, a default intent such as /restart, a
form) goes to RulePolicy unchanged.

An intent enters the table only when every rule and story that contains it runs the same actions
after it and no rule puts a condition on it, so the table and RulePolicy cannot disagree;
tests/dialogue/ checks that both predict the same action at every step of random conversations.

One addition RulePolicy cannot express without a rule per intent: when the guardrail router saw a crisis
signal below its bars and kept the answer ("set aside" or "faint", or a lexicon veto with a learned score at the
pointer bar), the region's crisis-line pointer follows the answer, so no reply to a possible crisis goes without a
way to get help; when it read danger told as over ("past"),
the help line the crisis route of that kind shows follows the answer.

`rasa train` warns that RulePolicy is missing (its check compares the class, not subclasses); the
default intents it names still reach RulePolicy's code here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, RULE_SNIPPET_ACTION_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

ANSWERS_FILE = "answer_table.json"
# Events a rule may contain and still be "intent -> fixed replies"; anything else is a condition.
_PLAIN_RULE_EVENTS = ("ActionExecuted", "UserUttered", "DefinePrevUserUtteredFeaturization", "SlotSet")


POINTER_ACTION = "utter_contacts_pointer"
CONTACTS_ACTION_PREFIX = "utter_contacts_"
CRISIS_CLOSING_ACTION = "utter_guard_crisis_continue"  # "I'm still here": the last thing a crisis reply says

# (intent, the actions run after it, whether they end by listening for the next message)
Turn = Tuple[str, Tuple[str, ...], bool]


def turns_of(tracker: DialogueStateTracker) -> List[Turn]:
    """Each user turn of a training tracker: its intent and the actions that follow it."""
    turns: List[Turn] = []
    intent: str | None = None
    actions: List[str] = []
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if intent is not None:
                turns.append((intent, tuple(actions), False))
            intent, actions = event.intent_name, []
        elif isinstance(event, ActionExecuted) and intent is not None:
            if event.action_name == ACTION_LISTEN_NAME:
                turns.append((intent, tuple(actions), True))
                intent, actions = None, []
            elif event.action_name and event.action_name != RULE_SNIPPET_ACTION_NAME:
                actions.append(event.action_name)
    if intent is not None:
        turns.append((intent, tuple(actions), False))
    return turns


def has_condition(tracker: TrackerWithCachedStates) -> bool:
    """A rule with a slot or loop condition, or one that must start a conversation, is not plain."""
    events = list(tracker.events)
    first_user = next((i for i, e in enumerate(events) if isinstance(e, UserUttered)), len(events))
    before_user = events[:first_user]
    starts_with_snippet = any(
        isinstance(e, ActionExecuted) and e.action_name == RULE_SNIPPET_ACTION_NAME for e in before_user
    )
    conditions = [e for e in before_user if not isinstance(e, ActionExecuted)]
    others = [e for e in events if type(e).__name__ not in _PLAIN_RULE_EVENTS]
    return bool(conditions or others or not starts_with_snippet)


def build_answer_table(trackers: List[TrackerWithCachedStates]) -> Tuple[Dict[str, List[str]], List[str]]:
    """(intent -> actions, intents seen only in rules); an intent with two different sequences is left out."""
    sequences: Dict[str, Set[Tuple[str, ...]]] = {}
    excluded: Set[str] = set()
    in_stories: Set[str] = set()
    for tracker in trackers:
        turns = turns_of(tracker)
        if tracker.is_rule_tracker:
            # a rule must be one plain turn that ends by listening (no `wait_for_user_input: false`)
            if has_condition(tracker) or len(turns) != 1 or not turns[0][2]:
                excluded.update(intent for intent, _, _ in turns)
                continue
        else:
            in_stories.update(intent for intent, _, _ in turns)
        for intent, actions, _ in turns:
            if actions:  # a story's last turn may stop before its replies
                sequences.setdefault(intent, set()).add(actions)
    table = {
        intent: list(next(iter(seqs)))
        for intent, seqs in sorted(sequences.items())
        if len(seqs) == 1 and intent not in excluded
    }
    rules_only = sorted(intent for intent in table if intent not in in_stories)
    return table, rules_only


SIGNAL_KEPT_ANSWER = ("set_aside", "faint")  # guardrails/router.py: a crisis signal below the check-in bar
TOLD_AS_PAST = "past"  # guardrails/router.py: danger told as over, with a question (guardrails/resolved.py)


def signal_set_aside(message: UserUttered) -> bool:
    """The router kept the answer although it saw a crisis signal (its record may sit under a kratom refusal)."""
    guard = (message.parse_data or {}).get("guardrail") or {}
    crisis_side = guard.get("crisis") or {}
    return any(
        record.get("outcome") in SIGNAL_KEPT_ANSWER or _veto_left_a_signal(record) for record in (guard, crisis_side)
    )


def _veto_left_a_signal(record: Dict[str, Any]) -> bool:
    """A veto takes back the lexicon's words, not the learned score: at the pointer bar the answer carries the line,
    as any other answer with that score does: "the phone line is dead" is an idiom, the rest of the message may not be."""
    pointer_from = (record.get("band") or {}).get("pointer_from")
    probability = record.get("probability")
    return record.get("outcome") == "vetoed" and None not in (pointer_from, probability) and probability >= pointer_from


def with_crisis_line(actions: List[str], message: UserUttered, table: Dict[str, List[str]] | None = None) -> List[str]:
    if any(a.startswith(CONTACTS_ACTION_PREFIX) for a in actions):
        return actions
    if signal_set_aside(message):
        return [*actions, POINTER_ACTION]
    guard = (message.parse_data or {}).get("guardrail") or {}
    if guard.get("outcome") == TOLD_AS_PAST:  # the help line the crisis route of that kind would have shown
        route = (table or {}).get(f"guard_crisis_{guard.get('kind')}") or []
        return [*actions, next((a for a in route if a.startswith(CONTACTS_ACTION_PREFIX)), POINTER_ACTION)]
    return actions


def with_topic_answer(actions: List[str], message: UserUttered) -> List[str]:
    """A crisis route that also answers the visitor's question about its topic (guardrails/router.py): the
    answer comes after the lines, before the closing "I'm still here"."""
    answer = ((message.parse_data or {}).get("guardrail") or {}).get("answer_too")
    if not answer:
        return actions
    closing = [a for a in actions if a == CRISIS_CLOSING_ACTION]
    return [*(a for a in actions if a != CRISIS_CLOSING_ACTION), f"utter_{answer}", *closing]


def with_subject_introduced(actions: List[str], message: UserUttered) -> List[str]:
    """A question carried over to a subject not met yet ("and NET?" after WET's sessions): what the subject is
    comes first (understanding/context.py, `answer_first`). Only while the reply is still the answer the context
    step chose: a guardrail that took the turn over keeps its own replies alone."""
    record = (message.parse_data or {}).get("context") or {}
    first = record.get("answer_first")
    if not first or record.get("answer") != (message.intent or {}).get("name"):
        return actions
    return [f"utter_{first}", *actions]


def actions_since_user_message(tracker: DialogueStateTracker) -> int | None:
    """How many actions ran after the latest user message; None if none is pending an answer."""
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return count
        if isinstance(event, ActionExecuted):
            if event.action_name == ACTION_LISTEN_NAME:
                return None
            count += 1
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class AnswerRulePolicy(RulePolicy):
    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Any = None,
        lookup: Dict | None = None,
        answers: Dict[str, List[str]] | None = None,
        rules_only: List[str] | None = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer=featurizer, lookup=lookup)
        self.answers: Dict[str, List[str]] = answers or {}
        self.rules_only: Set[str] = set(rules_only or [])

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        table, rules_only = build_answer_table(training_trackers)
        self.answers, self.rules_only = table, set(rules_only)
        logger.debug("Answer table: %d of %d intents.", len(table), len(domain.intents))
        return super().train(training_trackers, domain, **kwargs)  # RulePolicy's checks, then persist()

    def persist(self) -> None:
        super().persist()
        with self._model_storage.write_to(self._resource) as path:
            payload = {"answers": self.answers, "rules_only": sorted(self.rules_only)}
            (Path(path) / ANSWERS_FILE).write_text(json.dumps(payload, indent=1, sort_keys=True))

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AnswerRulePolicy:
        policy = super().load(config, model_storage, resource, execution_context, **kwargs)
        try:
            with model_storage.read_from(resource) as path:
                payload = json.loads((Path(path) / ANSWERS_FILE).read_text())
            policy.answers, policy.rules_only = payload["answers"], set(payload["rules_only"])
        except (ValueError, OSError, KeyError):
            logger.warning("No answer table in the model; every prediction goes through RulePolicy.")
        return policy

    def next_action(self, tracker: DialogueStateTracker) -> str | None:
        """The table's next action for this tracker, or None when RulePolicy must decide."""
        if tracker.active_loop_name or not tracker.latest_message:
            return None
        actions = self.answers.get(tracker.latest_message.intent.get("name"))
        done = actions_since_user_message(tracker)
        if actions is None or done is None:
            return None
        message = tracker.latest_message
        actions = with_topic_answer(
            with_crisis_line(with_subject_introduced(actions, message), message, self.answers), message
        )
        return actions[done] if done < len(actions) else ACTION_LISTEN_NAME

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
        intent = tracker.latest_message.intent.get("name")
        return PolicyPrediction(
            self._prediction_result(action, tracker, domain),
            self.__class__.__name__,
            self.priority,
            hide_rule_turn=intent in self.rules_only,
        )
