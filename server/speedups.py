"""The process-wide speed levers, installed once before a model is loaded (server, evaluation, staff
tools, tests): each keeps Rasa's results and is measured alone by `make bench-levers`."""

from __future__ import annotations


def install() -> None:
    from server import count_vectors, event_types, graph_runner, parse_thread

    graph_runner.install()  # the model's graph in plain order, not through dask
    event_types.install()  # a stored event's class found in a dict, not by walking every subclass
    parse_thread.install()  # understanding on a worker thread: the loop serves other visitors meanwhile
    count_vectors.install()  # count features once per token, without scikit-learn's per-call checks
