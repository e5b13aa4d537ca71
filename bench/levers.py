"""`make bench-levers`: what each speed lever is worth, one at a time, on one trained model.

In-process (no HTTP), one visitor, the bench/workload.py mix in 10-turn conversations, and a
30-turn run for growth with conversation length. Each row switches levers back to Rasa's own code
on the same loaded model, so only that lever differs:
- classifier: understanding/intent_classifier.py vs Rasa's LogisticRegressionClassifier.process;
- policy: dialogue/answer_policy.py's table vs RulePolicy's prediction;
- tracker store: server/tracker_store.py (SQLite) vs Rasa's SQLTrackerStore (SQLite) vs in memory;
- graph runner: server/graph_runner.py vs Rasa's DaskGraphRunner;
- event lookup: server/event_types.py vs Rasa's Event.resolve_by_type (every stored event, every turn);
- parse thread: server/parse_thread.py vs Rasa's parse in the event loop (with one visitor this row shows its
  cost, the hand-off; what it buys, messages a second with 20 visitors, is in `make bench`);
- count features: server/count_vectors.py vs Rasa's CountVectorsFeaturizer._create_features (scikit-learn's
  transform, twice per message and featurizer).
Usage: python bench/levers.py [--model models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import percentile  # noqa: E402
from bench.workload import conversations  # noqa: E402


def _switch(agent: Any, cls: type, rasas: Any, on: bool) -> None:
    """Make the graph nodes running a `cls` component call Rasa's `rasas` function (on) or their own (off)."""
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, cls):
            node._fn = rasas if on else getattr(type(node._component), rasas.__name__)


def _use_rasa_classifier(agent: Any, on: bool) -> None:
    from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

    from understanding.intent_classifier import FastLogisticRegressionClassifier

    _switch(agent, FastLogisticRegressionClassifier, LogisticRegressionClassifier.process, on)


def _use_rule_policy(agent: Any, on: bool) -> None:
    from rasa.core.policies.rule_policy import RulePolicy

    from dialogue.answer_policy import AnswerRulePolicy

    _switch(agent, AnswerRulePolicy, RulePolicy.predict_action_probabilities, on)


def _use_dask(agent: Any, on: bool) -> None:
    """Rasa's DaskGraphRunner (on) or ours (off), over the same graph nodes."""
    from rasa.engine.runner.dask import DaskGraphRunner

    from server.graph_runner import SequentialGraphRunner, over_same_nodes

    runner = over_same_nodes(agent.processor.graph_runner, DaskGraphRunner if on else SequentialGraphRunner)
    agent.processor.graph_runner = runner


def _use_rasa_event_lookup(on: bool) -> None:
    from server import event_types

    event_types.install(not on)


def _use_rasa_parse(on: bool) -> None:
    from server import parse_thread

    parse_thread.install(not on)


def _use_rasa_count_vectors(on: bool) -> None:
    from server import count_vectors

    count_vectors.install(not on)


def _use_store(agent: Any, kind: str, folder: Path) -> None:
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    from server.tracker_store import LiveSQLTrackerStore

    db = str(folder / f"{kind}-{time.monotonic_ns()}.db")
    store = {
        "live": lambda: LiveSQLTrackerStore(agent.domain, dialect="sqlite", db=db),
        "sql": lambda: SQLTrackerStore(agent.domain, dialect="sqlite", db=db),
        "memory": lambda: InMemoryTrackerStore(agent.domain),
    }[kind]()
    agent.tracker_store = agent.processor.tracker_store = store


async def _chat(agent: Any, convs: List[List[Any]]) -> Dict[int, List[float]]:
    """Latency (ms) by turn number."""
    from rasa.core.channels.channel import UserMessage

    from channels.rest import AnswerCollector

    by_turn: Dict[int, List[float]] = {}
    for n, conversation in enumerate(convs):
        sender = f"lever-{time.monotonic_ns()}-{n}"
        for number, turn in enumerate(conversation, 1):
            began = time.perf_counter()
            await agent.handle_message(UserMessage(turn.text, AnswerCollector(), sender, input_channel="rest"))
            by_turn.setdefault(number, []).append((time.perf_counter() - began) * 1000)
    return by_turn


ROWS = [  # label, Rasa's: classifier, RulePolicy, tracker store, dask runner, event lookup, parse in the loop,
    # count features
    ("all levers (as shipped)", False, False, "live", False, False, False, False),
    ("Rasa's LogisticRegressionClassifier.process", True, False, "live", False, False, False, False),
    ("RulePolicy's prediction", False, True, "live", False, False, False, False),
    ("Rasa's SQLTrackerStore (SQLite)", False, False, "sql", False, False, False, False),
    ("in-memory tracker store", False, False, "memory", False, False, False, False),
    ("Rasa's DaskGraphRunner", False, False, "live", True, False, False, False),
    ("Rasa's Event.resolve_by_type", False, False, "live", False, True, False, False),
    ("Rasa's parse in the event loop", False, False, "live", False, False, True, False),
    ("Rasa's CountVectorsFeaturizer features", False, False, "live", False, False, False, True),
    ("none (all of Rasa's own)", True, True, "sql", True, True, True, True),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "current.tar.gz"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from channels.local import LocalChat

    agent = LocalChat.load(args.model).agent
    loop = asyncio.new_event_loop()
    folder = Path(tempfile.mkdtemp(prefix="levers-"))
    short, long = conversations(30, 10, seed=1), conversations(6, 30, seed=3)
    results: Dict[str, List[List[float]]] = {label: [] for label, *_ in ROWS}
    # Rows run in rounds (forward, then backward) and each figure is its best round: on a shared
    # machine the other tenants only ever add time.
    for round_rows in (ROWS, ROWS[::-1], ROWS) if args.rounds == 3 else (ROWS,) * args.rounds:
        for label, rasa_classifier, rule_policy, store, dask, events, parse, counts in round_rows:
            _use_dask(agent, dask)
            _use_rasa_count_vectors(counts)
            _use_rasa_event_lookup(events)
            _use_rasa_parse(parse)
            _use_rasa_classifier(agent, rasa_classifier)
            _use_rule_policy(agent, rule_policy)
            _use_store(agent, store, folder)
            loop.run_until_complete(_chat(agent, conversations(3, 10, seed=9)))  # warm-up
            times = loop.run_until_complete(_chat(agent, short))
            growth = loop.run_until_complete(_chat(agent, long))
            flat = [t for values in times.values() for t in values]
            results[label].append(
                [
                    statistics.median(flat),
                    percentile(flat, 95),
                    statistics.median(growth[1]),
                    statistics.median(growth[30]),
                ]
            )
    print(f"{'levers':70} {'p50 ms':>7} {'p95 ms':>7} {'turn 1':>7} {'turn 30':>8}")
    for label, rounds in results.items():
        best = [min(r[i] for r in rounds) for i in range(4)]
        print(f"{label:70} {best[0]:7.2f} {best[1]:7.2f} {best[2]:7.2f} {best[3]:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
