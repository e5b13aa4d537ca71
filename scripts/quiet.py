"""Quiet Rasa for scripts and tests: no telemetry, no TensorFlow chatter, no debug logs of messages."""

from __future__ import annotations

import logging
import os


def quiet_rasa() -> None:
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)
