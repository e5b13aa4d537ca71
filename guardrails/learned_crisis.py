"""The learned crisis layer: the probability that a message is a crisis, judged sentence by sentence.

A multinomial logistic regression over word 1-2-grams and character 3-5-grams. Its classes are the nine
crisis kinds and the bank's other answers grouped by topic (faq_meds, faq_treatment, feeling_angry,
everyday_statement, ...); the crisis probability is the sum over the crisis classes. Why this shape (the
calibration curves in evaluation/README.md measured each alternative on the development split):
- a binary crisis-or-not model learned that "long, personal, emotional" means crisis, and asked ordinary
  people telling their story whether they were safe; giving the ordinary side its structure (a veteran's
  question about medicines is a different thing from venting about a landlord) separates them better;
- each sentence is scored too, so one risky sentence inside a long, otherwise ordinary post is not
  diluted. A sentence out of its paragraph is weaker evidence than the whole message, so it counts
  SENTENCE_DISCOUNT less: on the development split that kept 99% of the crisis messages caught while
  ordinary questions asked "are you safe?" fell from 8% to 4%. The ordinary examples are also learned
  sentence by sentence, so a harmless sentence taken out of its paragraph is not mistaken for a risky one.
It is separate from the intent classifier: its own features, class balance and threshold band (config.yml).

Pure Python + scikit-learn, no Rasa imports: guardrails/rasa_component.py trains, stores and runs it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

CRISIS_PREFIX = "guard_crisis_"
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
MIN_UNIT_WORDS = 4  # a shorter piece of a longer message says too little on its own
SENTENCE_DISCOUNT = 0.3


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
    probability: float  # the message's: its whole, or its riskiest sentence less SENTENCE_DISCOUNT
    unit: str  # the part that decided it (shown to staff, never logged)


class CrisisModel:
    def __init__(self, c: float = 10.0, tol: float = 0.01, max_iter: int = 300) -> None:
        self.words = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)
        # saga stopped at tol 0.01: 27 s instead of 232 s at tol 0.001 (315 iterations) or 189 s with lbfgs on
        # 11,400 examples, with the same dev-split AUC (0.979) and the same crisis messages caught at both bars;
        # probabilities move by at most 0.04 (evaluation/README.md, bench/README.md). Whether saga meets that
        # tolerance is chaotic: round 6's data met it in 4 min, then missed it after a three-line change and ran
        # all 1,000 epochs (11 min), so the epochs are capped (bench/README.md)
        self.model = LogisticRegression(
            C=c, class_weight="balanced", solver="saga", tol=tol, max_iter=max_iter, random_state=42
        )
        self.crisis_columns = np.zeros(0, dtype=bool)

    def _features(self, texts: Sequence[str]):
        return hstack([self.words.transform(texts), self.chars.transform(texts)]).tocsr()

    def fit(self, texts: Sequence[str], groups: Sequence[str]) -> CrisisModel:
        self.__dict__.pop("_lean", None)  # tables of an earlier fit
        self.words.fit(texts)
        self.chars.fit(texts)
        self.model.fit(self._features(texts), np.asarray(groups))
        self.crisis_columns = np.array([str(c).startswith(CRISIS_PREFIX) for c in self.model.classes_])
        return self

    def reference_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """scikit-learn's own path: the definition probabilities() must match (tests/guardrails/)."""
        return self.model.predict_proba(self._features(texts))[:, self.crisis_columns].sum(axis=1)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The same arithmetic as reference_probabilities, for a few short texts at a time: each text's n-grams
        pick rows of the weight matrix directly. scikit-learn's transform, hstack and input validation cost
        about 15 ms a message here; this costs well under 1 ms (bench/README.md)."""
        tables = self._tables()
        if tables is None:
            return self.reference_probabilities(texts)
        blocks, weights, intercept = tables
        out = np.empty(len(texts))
        for row, text in enumerate(texts):
            logits = intercept.copy()
            for analyze, vocabulary, idf, offset in blocks:
                counts = Counter(i for i in map(vocabulary.get, analyze(text)) if i is not None)
                if not counts:
                    continue
                columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
                values = (1.0 + np.log(np.fromiter(counts.values(), dtype=float, count=len(counts)))) * idf[columns]
                values /= np.sqrt(values @ values)  # sublinear tf x idf, then unit length per vectorizer
                logits += values @ weights[columns + offset]
            exp = np.exp(logits - logits.max())
            out[row] = exp[self.crisis_columns].sum() / exp.sum()
        return out

    def _multinomial(self) -> bool:
        words, chars = self.words, self.chars
        return (
            getattr(self.model, "coef_", None) is not None
            and self.model.coef_.shape[0] > 1
            and self.model.multi_class in ("auto", "multinomial")
            and self.model.solver != "liblinear"
            and all(v.sublinear_tf and v.norm == "l2" and v.use_idf and not v.binary for v in (words, chars))
        )

    def _tables(self):
        """The lookup tables of the lean path, built once; None when the model is not the shape it computes."""
        if not hasattr(self, "_lean"):
            self._lean = self._build_tables() if self._multinomial() else None
        return self._lean

    def _build_tables(self):
        blocks, offset = [], 0
        for vectorizer in (self.words, self.chars):
            blocks.append((vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_, offset))
            offset += len(vectorizer.vocabulary_)
        # Fortran order makes coef_.T the contiguous table itself: one weight matrix in memory, not a copy beside
        # it (46 MB with round 5's vocabulary; bench/README.md)
        self.model.coef_ = np.asfortranarray(self.model.coef_)
        return blocks, self.model.coef_.T, self.model.intercept_.astype(float)

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lean", None)  # rebuilt on first use; analyzers are closures
        return state

    def score(self, text: str) -> Score:
        parts = units(text)
        probabilities = self.probabilities(parts)
        adjusted = np.concatenate([probabilities[:1], np.clip(probabilities[1:] - SENTENCE_DISCOUNT, 0.0, 1.0)])
        best = int(np.argmax(adjusted))
        return Score(float(adjusted[best]), parts[best])


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
