"""The learned crisis layer's lean prediction path gives scikit-learn's numbers, and a long message carries
the risk of its riskiest sentence."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from guardrails import learned_crisis

EXAMPLES = [
    ("i want to end my life tonight", "guard_crisis_suicide"),
    ("i have the pills counted out and ready", "guard_crisis_overdose"),
    ("i took the whole bottle an hour ago", "guard_crisis_overdose"),
    ("i keep cutting my arms when it gets bad", "guard_crisis_self_harm"),
    ("nobody would miss me if i was gone", "guard_crisis_suicide"),
    ("what is emdr therapy and how does it work", "faq_treatment_emdr"),
    ("how long does cpt take. is it weekly", "faq_treatment_cpt"),
    ("my landlord is killing me with these repairs", "everyday_statement"),
    ("this traffic is killing me. i will be late again", "everyday_statement"),
    ("does sertraline help with nightmares", "faq_meds_sertraline"),
    ("what are the side effects of paroxetine", "faq_meds_paroxetine"),
    ("i am so tired of my job lately", "everyday_statement"),
]


@pytest.fixture(scope="module")
def model():
    texts, groups = learned_crisis.training_set(EXAMPLES)
    fitted = learned_crisis.CrisisModel(c=10.0)
    fitted.chars.set_params(min_df=1)  # a dozen examples: keep every n-gram
    return fitted.fit(texts, groups)


TEXTS = [
    "i want to end it all",
    "what is EMDR??",
    "",
    "zzzz qqqq",  # no known n-gram at all: only the intercepts
    "My week was long. I have the pills counted out. Anyway, how long does CPT take?",
    "THIS TRAFFIC!!! is killing me",
]


def test_the_lean_path_gives_scikit_learns_probabilities(model):
    assert model._multinomial()
    lean, reference = model.probabilities(TEXTS), model.reference_probabilities(TEXTS)
    assert np.allclose(lean, reference, atol=1e-12), (lean, reference)


def test_a_pickled_model_scores_the_same_without_its_lookup_tables(model):
    before = model.probabilities(TEXTS)  # builds the tables
    restored = pickle.loads(pickle.dumps(model))
    assert getattr(restored, "_lean", None) is None
    assert np.allclose(restored.probabilities(TEXTS), before, atol=1e-12)


def test_one_risky_sentence_is_not_diluted_by_a_long_ordinary_message(model):
    risky = "I have the pills counted out and ready."
    ordinary = "My week was long and the job is tiring. What are the side effects of paroxetine, and is it weekly?"
    alone = model.score(ordinary)
    mixed = model.score(f"{ordinary} {risky} Anyway, does sertraline help with nightmares?")
    assert mixed.unit == risky
    assert mixed.probability > alone.probability
