"""The lean prediction path gives exactly Rasa's LogisticRegressionClassifier output."""

from __future__ import annotations

import re

import pytest
from rasa.core.policies.policy import Policy
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.message import Message

from scripts.eval_intents import held_out
from understanding.intent_classifier import FastLogisticRegressionClassifier


def _pipeline(agent) -> list:
    """The NLU components in pipeline order (graph nodes are named run_<Component><position>)."""
    nodes = agent.processor.graph_runner._instantiated_nodes
    ordered = sorted(
        (
            (int(match.group(1)), node._component)
            for name, node in nodes.items()
            if name.startswith("run_")
            and not isinstance(node._component, Policy)
            and (match := re.search(r"(\d+)$", name))
        ),
        key=lambda pair: pair[0],
    )
    return [component for _, component in ordered]


def _classifier(agent) -> FastLogisticRegressionClassifier:
    return next(c for c in _pipeline(agent) if isinstance(c, FastLogisticRegressionClassifier))


def _featurized(agent, text: str) -> Message:
    """The message as the classifier sees it: after the tokenizer and featurizers."""
    message = Message.build(text=text)
    for component in _pipeline(agent):
        if isinstance(component, FastLogisticRegressionClassifier):
            return message
        component.process([message])
    raise AssertionError("no FastLogisticRegressionClassifier in the pipeline")


TEXTS = [t for texts in held_out().values() for t in texts][::3] + ["", "asdfgh qwerty", "ptsd " * 200]


@pytest.mark.parametrize("text", TEXTS[:80])
def test_same_ranking_and_confidences_as_rasa(agent, text):
    classifier = _classifier(agent)
    fast, rasa = _featurized(agent, text), _featurized(agent, text)
    classifier.process([fast])
    LogisticRegressionClassifier.process(classifier, [rasa])
    assert fast.get("intent")["name"] == rasa.get("intent")["name"]
    assert [r["name"] for r in fast.get("intent_ranking")] == [r["name"] for r in rasa.get("intent_ranking")]
    for a, b in zip(fast.get("intent_ranking"), rasa.get("intent_ranking")):
        assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-9)
