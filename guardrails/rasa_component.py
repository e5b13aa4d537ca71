"""The thin Rasa wrapper around guardrails.router: runs last in the NLU pipeline.

Stateless (one instance serves every visitor). It runs after FallbackClassifier so that a crisis
message can never end up as nlu_fallback, and records why it fired in the parse data
(`guardrail`), which the staff tools show.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from guardrails import router

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER,
        DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR,
    ],
    is_trainable=False,
)
class GuardrailRouter(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # total probability the classifier gives the crisis intents before it alone routes to crisis
            "learned_crisis_threshold": 0.5,
            # a vetoed crisis guess falls back to the next intent only when it is at least this sure
            "veto_min_confidence": 0.3,
        }

    def __init__(self, config: Dict[str, Any]) -> None:
        self.config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GuardrailRouter:
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._process_one(message)
        return messages

    def _process_one(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        try:
            routing = router.route(
                text,
                intent.get("name") or router.FALLBACK_INTENT,
                router.ranking_pairs(ranking),
                metadata=message.get("metadata"),
                learned_crisis_threshold=self.config["learned_crisis_threshold"],
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
