"""server/parse_thread.py: the same parse as Rasa's, produced on the worker thread."""

from __future__ import annotations

import threading

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from server import parse_thread


def test_parses_match_rasas_and_run_on_the_worker(bot):
    processor = bot.agent.processor
    assert MessageProcessor.parse_message is parse_thread.parse_message  # installed with the other levers
    seen = []
    original = MessageProcessor._parse_message_with_graph

    def spy(self, *args, **kwargs):
        seen.append(threading.current_thread().name)
        return original(self, *args, **kwargs)

    for text in ("what is emdr", "and the side effects?", "i want to end it all"):
        message = UserMessage(text, sender_id="parse-thread")
        try:
            MessageProcessor._parse_message_with_graph = spy
            ours = bot.loop.run_until_complete(processor.parse_message(message))
        finally:
            MessageProcessor._parse_message_with_graph = original
        theirs = bot.loop.run_until_complete(parse_thread._RASAS(processor, message))
        assert ours == theirs
    assert seen and all(name.startswith("parse") for name in seen)
