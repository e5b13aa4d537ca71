"""The sequential graph runner gives what Rasa's dask runner gives, for the same loaded model."""

from __future__ import annotations

import pytest
from rasa.engine.runner.dask import DaskGraphRunner

from channels.local import LocalChat
from server.graph_runner import SequentialGraphRunner, over_same_nodes
from tests.conftest import ensure_model

MESSAGES = [
    "what is emdr",
    "and the side effects?",
    "i cant sleep since the crash",
    "how much kratom should i take",
    "",
]


@pytest.fixture(scope="module")
def own():
    """An agent of this module's own: other tests may load other models into the shared one."""
    return LocalChat.load(str(ensure_model()))


def _runners(agent):
    ours = agent.processor.graph_runner
    assert isinstance(ours, SequentialGraphRunner)  # LocalChat.load installs it, as the server does
    return ours, over_same_nodes(ours, DaskGraphRunner)


def test_parses_match_rasas_runner(own):
    agent, bot = own.agent, own
    ours, theirs = _runners(agent)
    for text in MESSAGES:
        agent.processor.graph_runner = theirs
        expected = bot.parse(text)
        agent.processor.graph_runner = ours
        assert bot.parse(text) == expected


def test_replies_match_rasas_runner(own):
    agent, bot = own.agent, own
    ours, theirs = _runners(agent)
    try:
        agent.processor.graph_runner = theirs
        expected = [bot.keys(text, "runner-dask") for text in MESSAGES]
    finally:
        agent.processor.graph_runner = ours
    assert [bot.keys(text, "runner-ours") for text in MESSAGES] == expected


def test_an_input_named_like_a_node_is_refused(own):
    from rasa.engine.exceptions import GraphRunError

    ours = own.agent.processor.graph_runner
    assert isinstance(ours, SequentialGraphRunner)
    with pytest.raises(GraphRunError):
        ours.run(inputs={next(iter(ours._graph_schema.nodes)): None})
