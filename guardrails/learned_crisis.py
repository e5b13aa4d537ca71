"""The learned crisis layer: the probability that a message is a crisis, judged sentence by sentence.

A multinomial logistic regression over word 1-2-grams and character 3-5-grams. Its classes are the nine
crisis kinds and the bank's other answers grouped by topic (faq_meds, faq_treatment, feeling_angry,
everyday_statement, ...); the crisis probability is the sum over the crisis classes. Why this shape (the
calibration curves in evaluation/README.md measured each alternative on the development split):
- a binary crisis-or-not model learned that "long, personal, emotional" means crisis, and asked ordinary
  people telling their story whether they were safe; giving the ordinary side its structure (a veteran's
  question about medicines is a different thing from venting about a landlord) separates them better;
- each sentence is scored, and the message carries the highest score, so one risky sentence inside a long,
  otherwise ordinary post is not diluted. The ordinary examples are also learned sentence by sentence, so a
  harmless sentence taken out of its paragraph is not mistaken for a risky one.
It is separate from the intent classifier: its own features, class balance and threshold band (config.yml).

Pure Python + scikit-learn, no Rasa imports: guardrails/rasa_component.py trains, stores and runs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

CRISIS_PREFIX = "guard_crisis_"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
MIN_UNIT_WORDS = 4  # a shorter piece of a longer message says too little on its own


def units(text: str) -> List[str]:
    """What a message is judged by: the whole of it, and each of its sentences of MIN_UNIT_WORDS words or more."""
    text = (text or "").strip()
    parts = [text]
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if sentence and sentence != text and len(sentence.split()) >= MIN_UNIT_WORDS:
            parts.append(sentence)
    return parts


def group_of(intent: str) -> str:
    """A crisis kind keeps its own class; other intents are grouped by topic (their first two name parts)."""
    if intent.startswith(CRISIS_PREFIX):
        return intent
    return "_".join(intent.split("_")[:2])


@dataclass
class Score:
    probability: float  # the highest over the message's units
    unit: str  # the part that scored it (shown to staff, never logged)


class CrisisModel:
    def __init__(self, c: float = 10.0) -> None:
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
        # saga: the same optimum as lbfgs on this data (make eval), in a third of the time
        self.model = LogisticRegression(C=c, class_weight="balanced", solver="saga", tol=1e-3, max_iter=1000)
        self.crisis_columns = np.zeros(0, dtype=bool)

    def _features(self, texts: Sequence[str]):
        return hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str], groups: Sequence[str]) -> CrisisModel:
        self.words.fit(texts)
        self.chars.fit(texts)
        self.model.fit(self._features(texts), np.asarray(groups))
        self.crisis_columns = np.array([str(c).startswith(CRISIS_PREFIX) for c in self.model.classes_])
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(self._features(texts))[:, self.crisis_columns].sum(axis=1)

    def score(self, text: str) -> Score:
        parts = units(text)
        probabilities = self.probabilities(parts)
        best = int(np.argmax(probabilities))
        return Score(float(probabilities[best]), parts[best])


def training_set(examples: Sequence[Tuple[str, str]]) -> Tuple[List[str], List[str]]:
    """(text, intent) pairs -> texts and their classes; every ordinary example is also learned by sentence."""
    texts, groups = [], []
    for text, intent in examples:
        group = group_of(intent)
        texts.append(text)
        groups.append(group)
        if not intent.startswith(CRISIS_PREFIX):
            for part in units(text)[1:]:
                texts.append(part)
                groups.append(group)
    return texts, groups
