"""Loading the evaluation sets, talking to the model, and logging every opening of a sealed split."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODEL = ROOT / "models" / "current.tar.gz"
SPLITS = ("dev", "sealed")
OPENINGS = HERE / "sealed_openings.md"


def files(family: str, split: str) -> List[Path]:
    """The split's files. A sealed split, once scored, joins the development split as `dev_round<N>.yml`
    (its ids keep their own prefix) and a newly written sealed split takes its place."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}")
    folder = HERE / family
    if split == "sealed":
        return [folder / "sealed.yml"]
    return [folder / "dev.yml", *sorted(folder.glob("dev_round*.yml"))]


def load(family: str, split: str) -> Dict[str, Any]:
    """Every file of evaluation/<family>/ in that split, as one set, e.g. load("crisis", "dev")."""
    merged: Dict[str, Any] = {"split": split, "cases": [], "conversations": []}
    for path in files(family, split):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        merged["cases"].extend(doc.get("cases") or [])
        merged["conversations"].extend(doc.get("conversations") or [])
    return merged


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
