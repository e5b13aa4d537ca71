"""Read the bank the way Rasa does: every YAML file under data/, split into nlu, rules and responses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


@dataclass
class Bank:
    responses: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)
    response_files: Dict[str, Path] = field(default_factory=dict)
    examples: Dict[str, List[str]] = field(default_factory=dict)  # intent -> training examples
    example_files: Dict[str, Path] = field(default_factory=dict)
    rules: List[Dict[str, Any]] = field(default_factory=list)

    def variants(self) -> Iterator[Tuple[str, int, Dict[str, Any]]]:
        for name, variants in self.responses.items():
            for i, variant in enumerate(variants):
                yield name, i, variant


def data_files(root: Path = DATA) -> List[Path]:
    return sorted(p for p in root.rglob("*.yml"))


_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")  # [zoloft](subject) -> zoloft


def parse_examples(block: str) -> List[str]:
    """The examples' plain text, as the classifier sees it: entity annotations removed."""
    lines = [line.strip()[2:].strip() for line in block.splitlines() if line.strip().startswith("- ")]
    return [_ANNOTATION.sub(r"\1", line) for line in lines]


def load_bank(root: Path = DATA) -> Bank:
    bank = Bank()
    for path in data_files(root):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variants in (doc.get("responses") or {}).items():
            if name in bank.responses:
                raise ValueError(f"{path}: response {name} is also defined in {bank.response_files[name]}")
            bank.responses[name] = variants
            bank.response_files[name] = path
        for item in doc.get("nlu") or []:
            if "intent" in item:
                bank.examples.setdefault(item["intent"], []).extend(parse_examples(item.get("examples", "")))
                bank.example_files[item["intent"]] = path
        bank.rules.extend(doc.get("rules") or [])
    return bank


def load_nlu_file(path: Path) -> Dict[str, List[str]]:
    """Examples by intent from one Rasa NLU file (used for held-out and evaluation sets)."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: Dict[str, List[str]] = {}
    for item in doc.get("nlu") or []:
        if "intent" in item:
            out.setdefault(item["intent"], []).extend(parse_examples(item.get("examples", "")))
    return out
