"""Run the trained model's graph in plain Python order instead of through dask.

Rasa runs every message's prediction graph with dask's synchronous scheduler: it rebuilds the task
graph, orders it and wraps every node call: 2 to 4 ms a message here for 20-odd nodes that always
run one after another in the same order (bench/README.md, `make bench-levers`). This runner calls the
same GraphNode objects with the same inputs, in an order computed once per set of targets; results
are the same dict DaskGraphRunner returns.

install() makes every Agent loaded afterwards in this process use it (the server, the evaluation
scripts, the staff tools and the tests all load through Rasa's MessageProcessor).
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner


class SequentialGraphRunner(DaskGraphRunner):
    def _order(self, targets: Tuple[str, ...]) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        """The nodes the targets need, each after everything it needs, with the names of its inputs
        (computed once per set of targets: a model's graph never changes)."""
        orders = self.__dict__.setdefault("_orders", {})
        if targets not in orders:
            orders[targets] = self._compute_order(targets)
        return orders[targets]

    def _compute_order(self, targets: Tuple[str, ...]) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
        schema = self._graph_schema.minimal_graph_schema(list(targets))
        order: List[Tuple[str, Tuple[str, ...]]] = []
        placed: set = set()

        def visit(name: str) -> None:
            if name in placed or name not in schema.nodes:
                return  # already placed, or a run input such as __message__
            placed.add(name)
            needs = tuple(schema.nodes[name].needs.values())
            for need in needs:
                visit(need)
            order.append((name, needs))

        for name in sorted(schema.nodes):
            visit(name)
        return tuple(order)

    def run(self, inputs: Dict[str, Any] | None = None, targets: List[str] | None = None) -> Dict[str, Any]:
        run_targets = list(targets) if targets else list(self._graph_schema.target_names)
        order = self._order(tuple(run_targets))
        results: Dict[str, Tuple[str, Any]] = {}
        for name, value in (inputs or {}).items():
            if name in self._graph_schema.nodes:
                raise GraphRunError(f"Input '{name}' clashes with a node name.")
            results[name] = (name, value)  # dask hands inputs to nodes as (name, value) pairs too
        try:
            for name, needs in order:
                results[name] = self._instantiated_nodes[name](*(results[n] for n in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[t] for t in run_targets)


def over_same_nodes(runner: DaskGraphRunner, cls: type) -> DaskGraphRunner:
    """A runner of class `cls` (Rasa's or ours) over `runner`'s graph nodes, to compare the two on one model."""
    other = cls.__new__(cls)
    other.__dict__.update({k: v for k, v in runner.__dict__.items() if k != "_orders"})
    return other


def install() -> None:
    """Every MessageProcessor created from now on in this process runs its graph with SequentialGraphRunner."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
