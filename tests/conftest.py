"""Shared fixtures: one trained model per test run (make test trains it when data changed)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.local import LocalChat

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path(os.environ.get("RASA_MODEL", ROOT / "models" / "current.tar.gz"))

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def ensure_model() -> Path:
    if not MODEL.exists():
        from bank.release import bank_responses, void_reviews

        void = void_reviews(bank_responses())  # as `make train`: never train words whose review is void
        assert not void, "refusing to train:\n" + "\n".join(void)
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

    from server.speedups import install

    install()  # the speed levers the server uses

    return Agent.load(str(ensure_model()))


@pytest.fixture(scope="session")
def bot(agent, event_loop_session) -> LocalChat:
    return LocalChat(agent, event_loop_session)
