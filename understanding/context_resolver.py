"""The thin Rasa component around understanding/context.py: a message read with its conversation.

It runs after the classifier and FallbackClassifier and before the guardrails (config.yml), and it asks
Rasa for the conversation: a `process` parameter named `tracker` is filled by Rasa 3.6's graph with the
visitor's tracker when a message is handled (an empty tracker for a bare parse). From it, it reads the
`subject` slot and what it recorded for earlier turns (parse data `context`, stored with each message).

Training copies the grid (bank/subjects.yml) and each answer's reviewed label and question into the model,
so a model always answers with the grid it was trained with; `fingerprint_addon` retrains it when they change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bank.loader import load_bank
from bank.subjects import REGISTRY, Grid, build
from understanding import context

STATE_FILE = "context.json"
HISTORY_TURNS = 6  # earlier user turns read back: enough for "which one is better?" after a few questions
SUBJECT_SLOT = "subject"
CLARIFY_SLOT = "clarify"


def answer_labels() -> Dict[str, Dict[str, str]]:
    """intent -> its answer's reviewed label and question (metadata), for clarify buttons."""
    out = {}
    for name, _, variant in load_bank().variants():
        metadata = variant.get("metadata") or {}
        if name.startswith("utter_") and metadata.get("label") and metadata.get("question"):
            out[name[len("utter_") :]] = {"label": metadata["label"], "question": metadata["question"]}
    return out


def history_of(tracker: DialogueStateTracker | None) -> List[context.Turn]:
    """The resolver's records of the last few user turns, oldest first."""
    turns: List[context.Turn] = []
    if tracker is None:
        return turns
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            record = (event.parse_data or {}).get("context") or {}
            turns.append(
                context.Turn(
                    intent=(event.intent or {}).get("name"),
                    subject=record.get("subject"),
                    aspect=record.get("aspect"),
                    named=tuple(record.get("named") or ()),
                    nightmares=bool(record.get("nightmares")),
                    flashbacks=bool(record.get("flashbacks")),
                )
            )
            if len(turns) >= HISTORY_TURNS:
                break
    return turns[::-1]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR],
    is_trainable=True,
)
class ContextResolver(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            "clarify_below": 0.0,  # ask "did you mean" only when the top intent is below this (0: never)
            "clarify_margin": 0.0,  # ... and the runner-up is within this margin of it
            "follow_up_floor": 1.0,  # a follow-up below the fallback bar counts from here, given a subject
        }

    def __init__(
        self, config: Dict[str, Any], storage: ModelStorage, resource: Resource, state: Dict[str, Any] | None = None
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage, self._resource = storage, resource
        self._load_state(state or {"grid": {"aspects": {}, "subjects": {}}, "labels": {}})

    def _load_state(self, state: Dict[str, Any]) -> None:
        self.state = state
        self.grid: Grid = build(state["grid"])
        labels = state["labels"]
        self.labels = context.Labels(
            label={k: v["label"] for k, v in labels.items()}, question={k: v["question"] for k, v in labels.items()}
        )
        self.band = context.ClarifyBand(
            self.config["clarify_below"], self.config["clarify_margin"], self.config["follow_up_floor"]
        )

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ContextResolver:
        return cls(config, model_storage, resource)

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> str:
        """Retrain when the grid or an answer's label changes, even if no training example did."""
        payload = REGISTRY.read_bytes() + json.dumps(answer_labels(), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        import yaml

        self._load_state({"grid": yaml.safe_load(REGISTRY.read_text(encoding="utf-8")), "labels": answer_labels()})
        with self._storage.write_to(self._resource) as path:
            # insertion order is meaning here (an answer's first aspect is its primary one): never sort keys
            (Path(path) / STATE_FILE).write_text(json.dumps(self.state), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ContextResolver:
        with model_storage.read_from(resource) as path:
            state = json.loads((Path(path) / STATE_FILE).read_text(encoding="utf-8"))
        return cls(config, model_storage, resource, state)

    def process(self, messages: List[Message], tracker: DialogueStateTracker | None = None) -> List[Message]:
        current = tracker.get_slot(SUBJECT_SLOT) if tracker is not None else None
        pending = tracker is not None and tracker.get_slot(CLARIFY_SLOT) == "yes"
        history = history_of(tracker)
        for message in messages:
            self._process_one(message, current, history, pending)
        return messages

    def _process_one(self, message: Message, current: str | None, history: List[context.Turn], pending: bool) -> None:
        intent = message.get(INTENT) or {}
        ranking = message.get(INTENT_RANKING_KEY) or []
        entities = list(message.get(ENTITIES) or [])
        subjects = [e.get("value") for e in entities if e.get("entity") == "subject"]
        resolution = context.resolve(
            intent.get("name") or context.FALLBACK_INTENT,
            [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")],
            subjects,
            current if current in self.grid.subjects else None,
            history,
            self.grid,
            self.labels,
            self.band,
            message.get(TEXT) or "",
            pending,
        )
        if resolution.intent and resolution.intent != intent.get("name"):
            top = max((float(r.get("confidence") or 0.0) for r in ranking), default=0.0)
            chosen = {"name": resolution.intent, "confidence": top}
            message.set(INTENT, chosen, add_to_output=True)
            rest = [r for r in ranking if r.get("name") != resolution.intent]
            message.set(INTENT_RANKING_KEY, [chosen] + rest, add_to_output=True)
        for name, value in resolution.entities.items():
            entities.append({"entity": name, "value": value, "extractor": "ContextResolver", "confidence_entity": 1.0})
        message.set(ENTITIES, entities, add_to_output=True)
        message.set("context", resolution.record, add_to_output=True)
