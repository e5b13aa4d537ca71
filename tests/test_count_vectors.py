"""server/count_vectors.py gives exactly the features Rasa's CountVectorsFeaturizer gives, on the trained model."""

from __future__ import annotations

import numpy as np
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from evaluation import sets
from server import count_vectors

ODD = ["", "   ", "ÉMDR???", "i can't sleep", "a-b c_d 😀 ññ", "x" * 300, "what is\tcpt\nand pe", "123 456"]


def _featurizers(agent):
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    found = [node._component for node in nodes if isinstance(node._component, CountVectorsFeaturizer)]
    assert len(found) == 2  # words and character n-grams (config.yml)
    return found


def _tokenizer(agent):
    nodes = agent.processor.graph_runner._instantiated_nodes.values()
    return next(node._component for node in nodes if type(node._component).__name__ == "WhitespaceTokenizer")


def _same(a, b) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    assert a.shape == b.shape and a.format == b.format == "coo"
    assert a.data.dtype == b.data.dtype and a.row.dtype == b.row.dtype and a.col.dtype == b.col.dtype
    assert np.array_equal(a.row, b.row) and np.array_equal(a.col, b.col) and np.array_equal(a.data, b.data)


def test_features_are_rasas_on_every_development_text(agent):
    texts = [turn["user"] for conv in sets.load("conversations", "dev")["conversations"] for turn in conv["turns"]][::2]
    texts += [case["text"] for case in sets.load("crisis", "dev")["cases"]][::4] + ODD
    messages = [Message(data={TEXT: text}) for text in texts]
    _tokenizer(agent).process(messages)
    featurizers = _featurizers(agent)
    assert all(count_vectors._sums_tokens(f.vectorizers[TEXT]) for f in featurizers)  # the lean path is the one tested
    for featurizer in featurizers:
        for message in messages:
            tokens = featurizer._get_processed_message_tokens_by_attribute(message, TEXT)
            ours = count_vectors._create_features(featurizer, TEXT, [tokens])
            rasas = count_vectors._RASAS(featurizer, TEXT, [tokens])
            _same(ours[0][0], rasas[0][0])
            _same(ours[1][0], rasas[1][0])


def test_other_settings_go_to_rasas_code(agent):
    featurizer = _featurizers(agent)[0]
    vectorizer = featurizer.vectorizers[TEXT]
    try:
        vectorizer.ngram_range, vectorizer.analyzer = (1, 2), "word"
        assert not count_vectors._sums_tokens(vectorizer)
        vectorizer.analyzer, vectorizer.binary = "char_wb", True
        assert not count_vectors._sums_tokens(vectorizer)
    finally:
        vectorizer.analyzer, vectorizer.ngram_range, vectorizer.binary = "word", (1, 1), False


def test_installed_with_the_other_levers(agent):
    assert CountVectorsFeaturizer._create_features is count_vectors._create_features
