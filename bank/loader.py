"""Read the bank the way Rasa does: every YAML file under data/, split into nlu, rules and responses."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: the bank loads ten times faster
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
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
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


_INTENT_LINE = re.compile(r"^\s*-\s*intent:\s*(\S+)\s*$")
_EXAMPLES_LINE = re.compile(r"^(\s*)examples:\s*[|>][-+]?\s*$")
_ITEM_LINE = re.compile(r"^(\s*)-\s(.*)$")


def example_lines(path: Path) -> List[Tuple[str, str, int]]:
    """(intent, example, line number) for every training example in one NLU file, for messages that name
    the line. Reads the `- intent:` / `examples: |` blocks Rasa's YAML format uses."""
    out: List[Tuple[str, str, int]] = []
    intent, block_indent = None, None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if block_indent is not None:
            indent = len(line) - len(line.lstrip())
            if not line.strip():
                continue
            if indent > block_indent:
                item = _ITEM_LINE.match(line)
                if item and intent:
                    out.append((intent, _ANNOTATION.sub(r"\1", item.group(2).strip()), number))
                continue
            block_indent = None
        found = _INTENT_LINE.match(line)
        if found:
            intent = found.group(1)
            continue
        block = _EXAMPLES_LINE.match(line)
        if block:
            block_indent = len(block.group(1))
    return out


def same_question(text: str) -> str:
    """An example as the duplicate checks compare it: case, apostrophes and other punctuation ignored."""
    text = re.sub(r"['’`]", "", text.lower())
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


def load_nlu_file(path: Path) -> Dict[str, List[str]]:
    """Examples by intent from one Rasa NLU file (used for held-out and evaluation sets)."""
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
    out: Dict[str, List[str]] = {}
    for item in doc.get("nlu") or []:
        if "intent" in item:
            out.setdefault(item["intent"], []).extend(parse_examples(item.get("examples", "")))
    return out
