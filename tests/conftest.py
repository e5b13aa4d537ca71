"""Shared fixtures: one trained model per test run (make test trains it when data changed)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path(os.environ.get("RASA_MODEL", ROOT / "models" / "current.tar.gz"))

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def ensure_model() -> Path:
    if not MODEL.exists():
        subprocess.run(
            [sys.executable, "-m", "rasa", "train", "--out", str(MODEL.parent), "--fixed-model-name", "current"],
            cwd=ROOT,
            check=True,
        )
    return MODEL


@pytest.fixture(scope="session")
def event_loop_session():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="session")
def agent(event_loop_session):
    from scripts.quiet import quiet_rasa

    quiet_rasa()
    from rasa.core.agent import Agent

    return Agent.load(str(ensure_model()))


class Bot:
    """Talk to the trained agent in-process, the way the REST channel does (with bank metadata)."""

    def __init__(self, agent, loop) -> None:
        self.agent, self.loop = agent, loop

    def say(self, text: str, sender: str, metadata: Dict[str, Any] = None) -> List[Dict[str, Any]]:
        from rasa.core.channels.channel import UserMessage

        from channels.rest import AnswerCollector

        collector = AnswerCollector()
        message = UserMessage(text, collector, sender, input_channel="rest", metadata=metadata)
        self.loop.run_until_complete(self.agent.handle_message(message))
        return collector.messages

    def keys(self, text: str, sender: str, metadata: Dict[str, Any] = None) -> List[str]:
        return [m.get("metadata", {}).get("answer_key") for m in self.say(text, sender, metadata)]

    def parse(self, text: str) -> Dict[str, Any]:
        return self.loop.run_until_complete(self.agent.parse_message(text))

    def tracker(self, sender: str):
        return self.loop.run_until_complete(self.agent.tracker_store.retrieve(sender))


@pytest.fixture(scope="session")
def bot(agent, event_loop_session) -> Bot:
    return Bot(agent, event_loop_session)
