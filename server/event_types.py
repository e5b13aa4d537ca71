"""Look up a stored event's class by its type name once, not once per event.

Every tracker read from a store turns each stored event back into an object through
`Event.resolve_by_type`, which walks every subclass of `Event` (with an `inspect.isabstract` check
for each) to find one name: 30% of a message's time in-process with Rasa's in-memory store and 10-turn
conversations (cProfile; bench/README.md). `make bench-levers` has a row for it. This keeps Rasa's
answer, first match in the same subclass order, in a dict; a name it has not seen is looked up Rasa's way
again, so event classes imported later still resolve.
"""

from __future__ import annotations

from typing import Dict, Type

from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

_RASAS = events.Event.resolve_by_type
_BY_NAME: Dict[str, Type[events.Event]] = {}


def _index() -> None:
    for cls in all_subclasses(events.Event):
        _BY_NAME.setdefault(cls.type_name, cls)


def resolve_by_type(type_name: str, default: Type[events.Event] | None = None) -> Type[events.Event] | None:
    cls = _BY_NAME.get(type_name)
    if cls is None:
        _index()  # a class imported since the last look
        cls = _BY_NAME.get(type_name)
    return cls if cls is not None else _RASAS(type_name, default)


def install(on: bool = True) -> None:
    """Every event deserialised from now on in this process is looked up here (on) or Rasa's way (off)."""
    events.Event.resolve_by_type = staticmethod(resolve_by_type if on else _RASAS)
