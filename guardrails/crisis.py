"""Deterministic crisis detector: the first, rule-based safety layer in front of the NLU model.

A missed crisis is the worst bug this project can have; an over-cautious crisis reply is a small one.
So the detector is built to over-match and then take back only what a hard negative clearly explains:

1. The message is normalised (lower case, no accents, no apostrophes, no punctuation, squeezed
   repeated letters) so that "I'm SOOO suicidal!!!" and "im so suicidal" look the same.
2. Every crisis pattern in guardrails/lexicons/crisis.yml is searched; all matches are kept.
3. Hard negatives (idioms, explicit negations, topic questions) are searched too. A hard negative
   removes only the crisis matches that lie inside it, so "im not suicidal but i want to die" stays
   a crisis.
4. Matches inside a "someone else is at risk" span are counted as third_party, then the remaining
   kinds are ranked by the documented precedence in the lexicon (overdose > medical > ... > general).

Pure Python (stdlib + PyYAML), no Rasa imports, so it can run anywhere and be tested on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

try:  # imported as the package "guardrails" (normal use) or as a loose module (scripts, tests)
    from guardrails.prefilter import Prefilter
    from guardrails.verdict import Verdict
except ImportError:  # pragma: no cover
    from prefilter import Prefilter  # type: ignore
    from verdict import Verdict  # type: ignore

LEXICON_PATH = Path(__file__).resolve().parent / "lexicons" / "crisis.yml"
GUARD = "crisis"
KINDS = (
    "suicide",
    "self_harm",
    "overdose",
    "harm_others",
    "domestic_violence",
    "sexual_assault",
    "medical",
    "third_party",
    "general",
)
# Matches of these kinds that sit inside a third_party span describe the other person, not the user.
ABSORBED_BY_THIRD_PARTY = {"suicide", "self_harm", "general"}
# Which hard negative to report when several vetoed the message: topic routes somewhere useful.
VETO_ORDER = ("topic", "negation", "idiom")


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str  # a crisis kind, or "idiom" / "negation" / "topic" for hard negatives
    regex: re.Pattern[str]
    intent: str | None = None  # only topic entries route somewhere
    soft: bool = False  # a pattern real hyperbole also uses: a check-in, unless the learned layer agrees


@dataclass(frozen=True)
class Hit:
    entry: Entry
    start: int
    end: int
    text: str

    def overlaps(self, other: Hit) -> bool:
        return self.start < other.end and other.start < self.end

    def inside(self, other: Hit) -> bool:
        return other.start <= self.start and self.end <= other.end


@dataclass(frozen=True)
class Lexicon:
    crisis: Tuple[Entry, ...]
    vetoes: Tuple[Entry, ...]
    precedence: Tuple[str, ...]
    # Which patterns could match a text, in one scan (guardrails/prefilter.py): the same matches as
    # running every pattern, about a tenth of the time.
    crisis_filter: Prefilter = field(init=False, repr=False, compare=False)
    veto_filter: Prefilter = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "crisis_filter", Prefilter([e.regex for e in self.crisis]))
        object.__setattr__(self, "veto_filter", Prefilter([e.regex for e in self.vetoes]))


# ----------------------------------------------------------------------------- loading the lexicon

_MACRO = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def _expand(pattern: str, macros: Dict[str, str], depth: int = 0) -> str:
    """Replace {name} with its macro (macros may use other macros). Regex counts like {0,3} are left alone."""
    if depth > 5:
        raise ValueError(f"macro nesting too deep in {pattern!r}")

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            raise KeyError(f"unknown macro {{{name}}} in crisis lexicon")
        return _expand(macros[name], macros, depth + 1)

    return _MACRO.sub(sub, pattern)


def compile_pattern(item: dict, macros: Dict[str, str] | None = None) -> re.Pattern[str]:
    """One lexicon item (`regex` or `phrase`) as a regex with word boundaries; other lexicons reuse it."""
    if "phrase" in item:  # literal phrase: any run of spaces between its words
        body = r"\s+".join(re.escape(w) for w in normalise(item["phrase"]).split())
    else:
        body = _expand(item["regex"], macros or {})
    # Word boundaries on both ends so "die" never matches inside "diet" or "studied".
    return re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    macros = doc.get("macros") or {}
    precedence = tuple(doc["precedence"])
    if sorted(precedence) != sorted(KINDS):
        raise ValueError("crisis lexicon precedence must list every kind exactly once")
    seen = set()

    def entry(item: dict, kind: str) -> Entry:
        if item["id"] in seen:
            raise ValueError(f"duplicate lexicon id {item['id']}")
        seen.add(item["id"])
        strength = item.get("strength", "strong")
        if strength not in ("strong", "soft"):
            raise ValueError(f"{item['id']}: strength must be strong or soft")
        return Entry(item["id"], kind, compile_pattern(item, macros), item.get("intent"), strength == "soft")

    crisis = []
    for item in doc["crisis"]:
        if item["kind"] not in KINDS:
            raise ValueError(f"{item['id']}: unknown kind {item['kind']}")
        crisis.append(entry(item, item["kind"]))
    vetoes = [entry(i, "idiom") for i in doc.get("idioms") or []]
    vetoes += [entry(i, "negation") for i in doc.get("negations") or []]
    vetoes += [entry(i, "topic") for i in doc.get("topics") or []]
    return Lexicon(tuple(crisis), tuple(vetoes), precedence)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    return load_lexicon()


# ----------------------------------------------------------------------------- normalising text

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
# Contractions that would turn into other words once the apostrophe is dropped.
_BEFORE_APOSTROPHES = (
    (re.compile(r"\bod'?ed\b|\bod'd\b"), "oded"),  # "od'd" must not become the word "odd"
    (re.compile(r"\bsa'?d\b(?= (?:me|by|at|when|last|as))|\bs/a'?d\b|\bgot sa'd\b"), " sexually assaulted "),
    (re.compile(r"\bk/s\b"), "kms"),
)
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ELISION = re.compile(r"\b(qu|[jlmntsdc])'(?=[a-z])")  # French j' l' m' n' t' s' d' c' qu' as whole words


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise(text: str, squeeze_to: int = 2) -> str:
    """Lower-case, ASCII, no punctuation; letters repeated 3+ times cut to `squeeze_to`.

    French elisions keep their words apart (j'ai -> j ai, n'en -> n en); every other apostrophe is
    dropped (i'm -> im, don't -> dont, can't -> cant), so English negations stay one reading.
    """
    text = _strip_accents(text or "").lower().translate(_APOSTROPHES)
    for pattern, repl in _BEFORE_APOSTROPHES:
        text = pattern.sub(repl, text)
    text = _ELISION.sub(r"\1 ", text)
    text = text.replace("'", "")
    text = _NON_WORD.sub(" ", text).strip()
    return re.sub(r"([a-z])\1{2,}", r"\1" * squeeze_to, text)


def _variants(text: str) -> List[str]:
    """'diiiie' reads as 'die' but 'pleeease' as 'please': try both squeezes when letters repeat."""
    first = normalise(text, 2)
    second = normalise(text, 1)
    return [first] if second == first else [first, second]


# ----------------------------------------------------------------------------- deciding


def _find(entries: Sequence[Entry], text: str, prefilter: Prefilter | None = None) -> List[Hit]:
    """Every match of every entry, in entry order; with `prefilter`, only the entries that could match run."""
    chosen = entries if prefilter is None else [entries[i] for i in prefilter.candidates(text)]
    return [Hit(e, m.start(), m.end(), m.group(0)) for e in chosen for m in e.regex.finditer(text)]


def _surviving(crisis: List[Hit], vetoes: List[Hit]) -> List[Hit]:
    """A crisis match survives unless it lies wholly inside a hard negative.

    Containment, not mere overlap: in "he said he would kill me if i leave" the idiom-like
    "he would kill me if" must not cancel the longer threat "said he would kill me"; and in
    "i dont want to die but i keep thinking about it" the negation covers only its own words.
    """
    return [c for c in crisis if not any(c.inside(v) for v in vetoes)]


def _choose(hits: List[Hit], precedence: Sequence[str]) -> Hit:
    hits = [h for h in hits if not h.entry.soft] or hits  # a strong match decides over a soft one
    third = [h for h in hits if h.entry.kind == "third_party"]
    if third:  # "my friend says she wants to die": the suicide words are about the friend
        hits = [
            h for h in hits if not (h.entry.kind in ABSORBED_BY_THIRD_PARTY and any(h.overlaps(t) for t in third))
        ] or third
    rank = {kind: i for i, kind in enumerate(precedence)}
    return min(hits, key=lambda h: (rank[h.entry.kind], h.start))


def _veto_verdict(vetoes: List[Hit], crisis: List[Hit]) -> Verdict:
    # Prefer the hard negative that actually took back a crisis match, then topic > negation > idiom.
    def key(v: Hit) -> Tuple[int, int, int]:
        decided = 0 if any(c.inside(v) for c in crisis) else 1
        return (decided, VETO_ORDER.index(v.entry.kind), v.start)

    best = min(vetoes, key=key)
    intent = best.entry.intent if best.entry.kind == "topic" else None
    return Verdict(
        guard=GUARD, intent=intent, kind=best.entry.kind, pattern=best.entry.id, matched=best.text, vetoed=True
    )


def _assess_normalised(text: str, lex: Lexicon) -> Verdict | None:
    crisis = _find(lex.crisis, text, lex.crisis_filter)
    vetoes = _find(lex.vetoes, text, lex.veto_filter)
    alive = _surviving(crisis, vetoes)
    if alive:  # any crisis beats everything else in the message
        hit = _choose(alive, lex.precedence)
        return Verdict(
            guard=GUARD,
            intent=f"guard_crisis_{hit.entry.kind}",
            kind=hit.entry.kind,
            pattern=hit.entry.id,
            matched=hit.text,
            soft=hit.entry.soft,
        )
    if vetoes:
        return _veto_verdict(vetoes, crisis)
    return None


def assess(text: str) -> Verdict | None:
    """Crisis Verdict, a vetoed Verdict (hard negative), or None when there is no crisis language."""
    lex = lexicon()
    verdicts = [v for v in (_assess_normalised(t, lex) for t in _variants(text)) if v is not None]
    crises = [v for v in verdicts if not v.vetoed]
    if crises:
        return next((v for v in crises if not v.soft), crises[0])
    return verdicts[0] if verdicts else None


def explain(text: str) -> Dict[str, List[Tuple[str, str]]]:
    """Every crisis and hard-negative match, for debugging a decision (not used at run time)."""
    lex = lexicon()
    out: Dict[str, List[Tuple[str, str]]] = {"crisis": [], "vetoes": []}
    for t in _variants(text):
        out["crisis"] += [(h.entry.id, h.text) for h in _find(lex.crisis, t)]
        out["vetoes"] += [(h.entry.id, h.text) for h in _find(lex.vetoes, t)]
    return out


if __name__ == "__main__":  # quick manual check: python -m guardrails.crisis "some text"
    import sys

    for arg in sys.argv[1:]:
        print(arg, "->", assess(arg), explain(arg))
