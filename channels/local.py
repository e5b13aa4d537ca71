"""Talk to a trained model in-process, the way the REST channel does (replies carry bank metadata).

One runner for the tests, the evaluation scripts and the calibration script: no HTTP, no tracker
store on disk (Rasa's in-memory store), one event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

from channels.rest import AnswerCollector


class LocalChat:
    def __init__(self, agent: Any, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.agent = agent
        self.loop = loop or asyncio.new_event_loop()

    @classmethod
    def load(cls, model: str) -> LocalChat:
        from scripts.quiet import quiet_rasa

        quiet_rasa()
        from rasa.core.agent import Agent

        from server.speedups import install

        install()  # the speed levers the server uses

        return cls(Agent.load(model))

    def say(self, text: str, sender: str, metadata: Dict[str, Any] | None = None) -> List[Dict[str, Any]]:
        from rasa.core.channels.channel import UserMessage

        collector = AnswerCollector()
        message = UserMessage(text, collector, sender, input_channel="rest", metadata=metadata)
        self.loop.run_until_complete(self.agent.handle_message(message))
        return collector.messages

    def keys(self, text: str, sender: str, metadata: Dict[str, Any] | None = None) -> List[str]:
        return [m.get("metadata", {}).get("answer_key", "") for m in self.say(text, sender, metadata)]

    def parse(self, text: str) -> Dict[str, Any]:
        return self.loop.run_until_complete(self.agent.parse_message(text))

    def tracker(self, sender: str) -> Any:
        return self.loop.run_until_complete(self.agent.tracker_store.retrieve(sender))
