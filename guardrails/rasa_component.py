"""The thin Rasa wrappers around the guardrails: the learned crisis scorer and the router, last in the pipeline.

- LearnedCrisisScorer trains guardrails/learned_crisis.py on the bank's examples (crisis intents against
  everything else) and writes each message's crisis probability, highest over its sentences, to
  `crisis_score`.
- GuardrailRouter runs guardrails/router.py after every other component, so a crisis can never end up as
  nlu_fallback or as a context answer. Rasa fills its `tracker` argument with the visitor's conversation,
  from which it reads whether the assistant just asked a safety check-in or gave a crisis reply. It records
  why it decided in the parse data (`guardrail`), which staff tools show.
Both are shared by every visitor and keep no per-visitor state.
"""

from __future__ import annotations

import dataclasses
import logging
import pickle
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from guardrails import router
from guardrails.learned_crisis import CrisisModel, training_set

logger = logging.getLogger(__name__)

MODEL_FILE = "learned_crisis.pkl"
SCORE_KEY = "crisis_score"
# Examples of these intents mean something only in their place in a conversation (replies to a check-in,
# follow-ups after a crisis reply: "tonight probably"); the router reads them there. For the crisis scorer,
# which judges a message on its own, they are neither crisis nor ordinary text.
NOT_FOR_SCORER = router.IN_CONTEXT_ONLY


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LearnedCrisisScorer(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"C": 10.0, "tol": 0.01, "max_iter": 300}

    def __init__(self, config: Dict[str, Any], storage: ModelStorage, resource: Resource, model: Any = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource, self.model = storage, resource, model

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LearnedCrisisScorer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        pairs = [
            (m.get(TEXT), m.get(INTENT))
            for m in training_data.intent_examples
            if m.get(TEXT) and m.get(INTENT) and m.get(INTENT) not in NOT_FOR_SCORER
        ]
        self.model = CrisisModel(
            c=float(self.config["C"]), tol=float(self.config["tol"]), max_iter=int(self.config["max_iter"])
        ).fit(*training_set(pairs))
        with self._storage.write_to(self._resource) as path:
            (Path(path) / MODEL_FILE).write_bytes(pickle.dumps(self.model))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LearnedCrisisScorer:
        with model_storage.read_from(resource) as path:
            model = pickle.loads((Path(path) / MODEL_FILE).read_bytes())  # written by train() above
        return cls(config, model_storage, resource, model)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if self.model is None or not text.strip():
                continue
            score = self.model.score(text)
            _, mass = router.learned_crisis(router.ranking_pairs(message.get(INTENT_RANKING_KEY) or []))
            message.set(
                SCORE_KEY,
                # the intent classifier's own crisis belief is kept beside it for the calibration curves
                {"probability": round(score.probability, 4), "unit": score.unit, "classifier_mass": round(mass, 4)},
                add_to_output=True,
            )
        return messages


def safety_of(tracker: DialogueStateTracker | None) -> router.Safety:
    """Was the assistant's last reply a check-in or a crisis reply (read back to the last user message), and
    which substance, if any, is the conversation about?"""
    if tracker is None:
        return router.Safety()
    topic, subject = tracker.get_slot("topic"), tracker.get_slot("subject")
    replies: List[str] = []
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            guard = (event.parse_data or {}).get("guardrail") or {}
            if any(r == "utter_guard_checkin" for r in replies):
                return router.Safety("checkin", guard.get("kind"), guard.get("set_aside_intent"), topic, subject)
            if any(r.startswith("utter_guard_crisis_") and r != "utter_guard_crisis_continue" for r in replies):
                return router.Safety("crisis", guard.get("kind"), topic=topic, subject=subject)
            return router.Safety(topic=topic, subject=subject)
        if isinstance(event, ActionExecuted) and event.action_name:
            replies.append(event.action_name)
    return router.Safety(topic=topic, subject=subject)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=False,
)
class GuardrailRouter(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            **dataclasses.asdict(router.Band()),  # the learned layer's bars, from the calibration curves (make eval)
            # a set-aside crisis guess falls back to the next intent only when it is at least this sure
            "veto_min_confidence": 0.3,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **config}
        self.band = router.Band(**{bar: self.config[bar] for bar in dataclasses.asdict(router.Band())})

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GuardrailRouter:
        return cls(config)

    def process(self, messages: List[Message], tracker: DialogueStateTracker | None = None) -> List[Message]:
        safety = safety_of(tracker)
        for message in messages:
            self._process_one(message, safety)
        return messages

    def _process_one(self, message: Message, safety: router.Safety) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        score = message.get(SCORE_KEY) or {}
        try:
            routing = router.route(
                text,
                intent.get("name") or router.FALLBACK_INTENT,
                router.ranking_pairs(ranking),
                metadata=message.get("metadata"),
                probability=float(score.get("probability") or 0.0),
                unit=score.get("unit"),
                band=self.band,
                safety=safety,
                veto_min_confidence=self.config["veto_min_confidence"],
            )
        except Exception as error:  # fail closed: a crisis-safe reply, never silence
            logger.exception("Guardrail routing failed; sending the crisis-safe reply.")
            routing = router.fail_safe(error)
        self._apply(message, routing, ranking)

    @staticmethod
    def _apply(message: Message, routing: router.Routing, ranking: List[Dict[str, Any]]) -> None:
        if routing.intent:
            chosen = {"name": routing.intent, "confidence": 1.0}
            message.set(INTENT, chosen, add_to_output=True)
            rest = [r for r in ranking if r.get("name") != routing.intent]
            message.set(INTENT_RANKING_KEY, [chosen] + rest, add_to_output=True)
        message.set("guardrail", routing.guardrail, add_to_output=True)
        if routing.entities:
            entities = list(message.get(ENTITIES) or [])
            for name, value in routing.entities.items():
                entities.append(
                    {"entity": name, "value": value, "extractor": "GuardrailRouter", "confidence_entity": 1.0}
                )
            message.set(ENTITIES, entities, add_to_output=True)

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GuardrailRouter:
        return cls(config)
