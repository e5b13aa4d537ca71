"""server/event_types.py must find exactly the event class Rasa's own lookup finds, for every name."""

from __future__ import annotations

import pytest
from rasa.shared.core import events
from rasa.shared.utils.common import all_subclasses

from server import event_types


def test_every_event_name_resolves_to_rasas_class():
    names = {cls.type_name for cls in all_subclasses(events.Event)}
    assert len(names) > 20
    for name in names:
        assert event_types.resolve_by_type(name) is event_types._RASAS(name)


def test_unknown_names_behave_as_in_rasa():
    with pytest.raises(ValueError):
        event_types.resolve_by_type("no_such_event")
    assert event_types.resolve_by_type("no_such_event", events.SlotSet) is events.SlotSet
    assert event_types.resolve_by_type("topic") is None  # Rasa's old TopicSet events


def test_an_event_class_defined_later_is_found():
    event_types.resolve_by_type("user")  # index built before the class exists

    class LateEvent(events.SlotSet):
        type_name = "late_event_for_test"

    assert event_types.resolve_by_type("late_event_for_test") is LateEvent


def test_installed_lookup_round_trips_a_conversation():
    event_types.install()
    try:
        stored = [
            events.UserUttered("hi", {"name": "greet", "confidence": 1.0}).as_dict(),
            events.BotUttered("Hello", metadata={"answer_key": "greet"}).as_dict(),
            events.SlotSet("current_subject", "emdr").as_dict(),
            events.ActionExecuted("action_listen").as_dict(),
        ]
        restored = events.deserialise_events(stored)
        assert [e.as_dict() for e in restored] == stored
        assert events.Event.resolve_by_type is event_types.resolve_by_type
    finally:
        event_types.install()  # stays installed, as the test session's conftest left it
