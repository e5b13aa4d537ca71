"""Rasa's CountVectorsFeaturizer features, computed once per token without scikit-learn's per-call work.

For every message Rasa calls the vectorizer's `transform` twice: on the tokens (one row each: the
sequence features) and on the tokens joined by spaces (the sentence features). Each call checks the
vocabulary, analyses the text, counts and builds a scipy matrix, then Rasa sorts it and converts it.
For the two analyzers this pipeline uses, the sentence row is the sum of the token rows: character
n-grams inside word boundaries (`char_wb`) never cross a space, and neither do single words. So each
token is analysed once, counted against the same vocabulary, and both matrices are built directly, with
the shape, types, indices and counts Rasa's code gives (tests/test_count_vectors.py compares them on
about 10,000 development texts and some odd ones: emoji, accents, tabs, a 300-letter word). Any other
setting (word n-grams longer than one, binary counts, a custom analyzer, an attribute without sentence
features) goes to Rasa's own code.

install() swaps it in process-wide, like the other levers in server/speedups.py.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

import numpy as np
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from scipy.sparse import coo_matrix

_RASAS = CountVectorsFeaturizer._create_features


def _sums_tokens(vectorizer: Any) -> bool:
    """True when the vectorizer's sentence row is the sum of its token rows."""
    if getattr(vectorizer, "binary", True) or not isinstance(getattr(vectorizer, "vocabulary_", None), dict):
        return False
    if vectorizer.analyzer == "char_wb":
        return True
    return vectorizer.analyzer == "word" and tuple(vectorizer.ngram_range) == (1, 1)


def _tables(vectorizer: Any) -> Tuple[Any, Dict[str, int]]:
    """The analyzer (a closure scikit-learn builds on each transform) and the vocabulary, kept on the vectorizer."""
    tables = vectorizer.__dict__.get("_lean_tables")
    if tables is None:
        tables = (vectorizer.build_analyzer(), vectorizer.vocabulary_)
        vectorizer.__dict__["_lean_tables"] = tables
    return tables


def _features(vectorizer: Any, tokens: List[str]) -> Tuple[coo_matrix, coo_matrix]:
    analyze, vocabulary = _tables(vectorizer)
    rows: List[int] = []
    columns: List[int] = []
    counts: List[int] = []
    sentence: Dict[int, int] = {}
    for row, token in enumerate(tokens):
        found: Dict[int, int] = {}
        for gram in analyze(token):
            column = vocabulary.get(gram)
            if column is not None:
                found[column] = found.get(column, 0) + 1
        for column in sorted(found):
            rows.append(row)
            columns.append(column)
            counts.append(found[column])
            sentence[column] = sentence.get(column, 0) + found[column]
    width = len(vocabulary)
    sequence = coo_matrix(
        (np.array(counts, dtype=vectorizer.dtype), (np.array(rows, dtype=np.int32), np.array(columns, dtype=np.int32))),
        shape=(len(tokens), width),
    )
    ordered = sorted(sentence)
    whole = coo_matrix(
        (
            np.array([sentence[c] for c in ordered], dtype=vectorizer.dtype),
            (np.zeros(len(ordered), dtype=np.int32), np.array(ordered, dtype=np.int32)),
        ),
        shape=(1, width),
    )
    return sequence, whole


def _create_features(
    self: CountVectorsFeaturizer, attribute: str, all_tokens: List[List[str]]
) -> Tuple[List[coo_matrix | None], List[coo_matrix | None]]:
    vectorizer = (self.vectorizers or {}).get(attribute)
    if not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES or not _sums_tokens(vectorizer):
        return _RASAS(self, attribute, all_tokens)
    sequences: List[coo_matrix | None] = []
    sentences: List[coo_matrix | None] = []
    for tokens in all_tokens:
        sequence, sentence = _features(vectorizer, tokens) if tokens else (None, None)
        sequences.append(sequence)
        sentences.append(sentence)
    return sequences, sentences


def install(on: bool = True) -> None:
    CountVectorsFeaturizer._create_features = _create_features if on else _RASAS
