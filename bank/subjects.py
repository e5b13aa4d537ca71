"""The subject x aspect grid (bank/subjects.yml): loading, the lookups it serves, and its checks.

Pure Python (PyYAML), no Rasa imports: understanding/context.py resolves follow-ups with it, the
generator renders its names into Rasa's lookup table and synonyms, and bank/checks.py validates it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Dict, List, Set, Tuple

import yaml

REGISTRY = Path(__file__).resolve().parent / "subjects.yml"
# The order columns take in a comparison answer's key and table (compare_cpt_emdr, never compare_emdr_cpt).
COMPARE_ORDER = ("cpt", "pe", "emdr", "wet", "net", "pct", "tf_cbt", "therapy", "medication")


@dataclass(frozen=True)
class Subject:
    id: str
    label: str
    names: Tuple[str, ...]
    answers: Dict[str, str]  # aspect -> answer key
    compare_as: str | None = None
    family: Tuple[str, ...] = ()  # answer-key prefixes about this subject beyond the grid


@dataclass(frozen=True)
class Grid:
    aspects: Dict[str, Dict[str, str]]  # aspect -> {label, intent}
    subjects: Dict[str, Subject]
    # derived lookups
    aspect_of_intent: Dict[str, str] = field(default_factory=dict)  # aspect intent -> aspect
    cells_of_answer: Dict[str, List[Tuple[str, str]]] = field(default_factory=dict)  # key -> [(subject, aspect)]

    def answer(self, subject: str | None, aspect: str) -> str | None:
        s = self.subjects.get(subject or "")
        return s.answers.get(aspect) if s else None

    def primary_aspect(self, answer_key: str) -> str | None:
        """The first aspect (in registry order) an answer serves: how a cell is re-asked for another subject."""
        served = {a for _, a in self.cells_of_answer.get(answer_key, [])}
        return next((a for a in self.aspects if a in served), None)

    def asks_what_it_is(self, text: str) -> bool:
        return self.mentions_aspect("what", text)

    def mentions_aspect(self, aspect: str, text: str) -> bool:
        cue = self.aspects.get(aspect, {}).get("cues")
        return bool(cue and _cue(cue).search(text))

    def mentions_subject(self, subject: str, text: str) -> bool:
        """Does the text name the subject in one of its names ("zoloft" for sertraline)?"""
        names = self.subjects[subject].names
        return bool(names) and bool(_cue(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b").search(text))

    def asked_for(self, answer_key: str, subject: str, text: str) -> bool:
        """Does the text ask for what this cell answers? True when one of the cell's aspects has no cues
        (bank/subjects.yml) or its cues appear; False means the visitor did not ask for that detail."""
        aspects = [a for s, a in self.cells_of_answer.get(answer_key, []) if s == subject]
        cues = [self.aspects[a].get("cues") for a in aspects]
        text = self.without_names(subject, text)  # "prolonged exposure" does not ask how long ("long")
        return not cues or any(c is None or _cue(c).search(text) for c in cues)

    def without_names(self, subject: str, text: str) -> str:
        """The text with the subject's own names taken out, so that a name is never read as a cue."""
        s = self.subjects.get(subject)
        if not s or not s.names:
            return text
        names = sorted(s.names, key=len, reverse=True)  # the longest name first: "prolonged exposure therapy"
        return " ".join(_cue(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b").sub(" ", text).split())

    def subjects_of(self, answer_key: str) -> Set[str]:
        return {s for s, _ in self.cells_of_answer.get(answer_key, [])}

    def belongs(self, answer_key: str, subject: str) -> bool:
        """Is this answer about the subject: one of its cells, or in its family of answer keys?"""
        s = self.subjects.get(subject)
        if s is None:
            return False
        in_family = bool(s.family) and answer_key.startswith(s.family)
        return in_family or subject in self.subjects_of(answer_key)

    def kind_of(self, subject: str | None, general: str) -> bool:
        """Is `subject` a particular kind of the `general` subject: prazosin of "medication", WET of "therapy"?
        Read from the registry's families: every family prefix of the particular subject falls under one of the
        general subject's (faq_meds_prazosin under faq_meds_)."""
        s, g = self.subjects.get(subject or ""), self.subjects.get(general)
        if s is None or g is None or s is g or not s.family or not g.family:
            return False
        return all(prefix.startswith(g.family) for prefix in s.family)

    def comparison(self, first: str, second: str) -> str | None:
        """The comparison id ("cpt_emdr") for two subjects, or None when they share a column or lack one."""
        a, b = (self.subjects.get(x) for x in (first, second))
        columns = {s.compare_as for s in (a, b) if s is not None and s.compare_as}
        if len(columns) != 2:
            return None
        return "_".join(sorted(columns, key=COMPARE_ORDER.index))


@cache
def _cue(pattern: str) -> re.Pattern:
    # a cue starts a word: "long" is not found in "prolonged exposure", nor "fast" in "breakfast"
    return re.compile(r"(?<![a-z])(?:" + pattern + ")", re.I)


def build(doc: Dict) -> Grid:
    aspects = dict(doc["aspects"])
    subjects = {
        sid: Subject(
            id=sid,
            label=str(spec["label"]),
            names=tuple(str(n).lower() for n in spec.get("names") or []),
            answers=dict(spec.get("answers") or {}),
            compare_as=spec.get("compare_as"),
            family=tuple(spec.get("family") or ()),
        )
        for sid, spec in doc["subjects"].items()
    }
    grid = Grid(aspects, subjects)
    for aspect, spec in aspects.items():
        grid.aspect_of_intent[spec["intent"]] = aspect
    for sid, subject in subjects.items():
        for aspect, key in subject.answers.items():
            grid.cells_of_answer.setdefault(key, []).append((sid, aspect))
    return grid


@lru_cache(maxsize=1)
def load_grid(path: Path = REGISTRY) -> Grid:
    return build(yaml.safe_load(path.read_text(encoding="utf-8")))


def grid_problems(grid: Grid, responses: Set[str], intents: Set[str]) -> List[str]:
    """Every cell names an existing answer, every aspect intent has examples, names are unambiguous."""
    problems = []
    where = "bank/subjects.yml"
    for aspect, spec in grid.aspects.items():
        if spec["intent"] not in intents:
            problems.append(f"{where}: aspect {aspect}: intent {spec['intent']} has no training examples under data/.")
    owner: Dict[str, str] = {}
    for sid, subject in grid.subjects.items():
        if subject.compare_as and subject.compare_as not in COMPARE_ORDER:
            problems.append(f"{where}: {sid}: compare_as {subject.compare_as} is not a column of COMPARE_ORDER.")
        for aspect, key in subject.answers.items():
            if aspect not in grid.aspects:
                problems.append(f"{where}: {sid}: unknown aspect {aspect}. Fix: one of {', '.join(grid.aspects)}.")
            if f"utter_{key}" not in responses:
                problems.append(f"{where}: {sid}.{aspect}: answer {key} does not exist (no response utter_{key}).")
        for name in subject.names:
            if name in owner and owner[name] != sid:
                problems.append(f"{where}: the name '{name}' belongs to both {owner[name]} and {sid}.")
            owner[name] = sid
    return problems
