"""Loading the evaluation sets, talking to the model, and logging every opening of a sealed split."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any, Dict

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = ROOT / "models" / "current.tar.gz"
SPLITS = ("dev", "sealed")
OPENINGS = HERE / "sealed_openings.md"


def load(family: str, split: str) -> Dict[str, Any]:
    """evaluation/<family>/<split>.yml, e.g. load("crisis", "dev")."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    return yaml.safe_load((HERE / family / f"{split}.yml").read_text(encoding="utf-8"))


def chat(model: Path = MODEL):
    from channels.local import LocalChat

    return LocalChat.load(str(model))


def record_opening(family: str, summary: str) -> None:
    """Append one line to sealed_openings.md: a sealed split is scored once, and the repo says when."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    line = f"| {dt.date.today().isoformat()} | {family} | {commit} | {summary} |\n"
    with OPENINGS.open("a", encoding="utf-8") as handle:
        handle.write(line)
