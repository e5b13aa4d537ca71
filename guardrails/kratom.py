"""Kratom (and any-drug) dose guardrail.

The assistant never gives a dose, amount, strain or schedule for kratom or any other drug, and
never presents kratom as a replacement for therapy or medicine. It does answer plain factual
kratom questions ("is kratom legal", "how long does withdrawal last"); those are left alone here
(``assess`` returns None) so the answer bank can take them.

Deterministic and pure: stdlib + PyYAML, no Rasa imports. Every pattern lives in
``lexicons/kratom.yml``; this module only normalises text, blanks out factual frames and decides
which route applies:

    guard_kratom_dose        an amount/strain/schedule request with kratom (or a product of it) named
    guard_dose_other         an amount request about another named drug or medicine
    guard_dose_followup      an amount request that names no substance ("just a rough number")
    guard_kratom_replacement kratom as a replacement/cure/alternative for therapy or medicine

A dose request wins over a replacement question: refusing the amount matters most.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from guardrails.prefilter import Prefilter
from guardrails.verdict import Verdict

LEXICON_PATH = Path(__file__).parent / "lexicons" / "kratom.yml"
GUARD = "kratom"

INTENT_DOSE = "guard_kratom_dose"
INTENT_REPLACEMENT = "guard_kratom_replacement"
INTENT_DOSE_OTHER = "guard_dose_other"
INTENT_DOSE_FOLLOWUP = "guard_dose_followup"
REFUSAL_INTENTS = frozenset({INTENT_DOSE, INTENT_DOSE_OTHER, INTENT_DOSE_FOLLOWUP})

_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")
# Words that are one typo away from "kratom" but mean something else.
_NOT_KRATOM = frozenset({"kratos", "karate", "carton", "kraton", "craton", "ratom"})


@dataclass(frozen=True)
class Entry:
    id: str
    why: str
    regex: re.Pattern[str]
    needs: str = "any"  # dose cues only: any / substance / kratom
    in_context: bool = False  # dose cues only: also fires when the substance was named earlier, not in the message
    claim: bool = False  # replacement cues only: a claim about kratom, not a plan to use it
    claim_if_others: bool = False  # ... a claim when the use it tells is someone else's ("for his ptsd")


@dataclass(frozen=True)
class Lexicon:
    kratom: tuple[Entry, ...]
    other: tuple[Entry, ...]
    everyday: tuple[Entry, ...]
    dose: tuple[Entry, ...]
    replacement: tuple[Entry, ...]
    factual: tuple[Entry, ...]
    truth_questions: tuple[Entry, ...] = ()
    # Which patterns of each list could match a text, in one scan (guardrails/prefilter.py)
    filters: dict[str, Prefilter] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = ("kratom", "other", "everyday", "dose", "replacement", "factual", "truth_questions")
        object.__setattr__(self, "filters", {n: Prefilter([e.regex for e in getattr(self, n)]) for n in names})

    def could_match(self, name: str, text: str) -> list[Entry]:
        """The entries of list `name` that could match `text`, in order: the others cannot."""
        entries = getattr(self, name)
        return [entries[i] for i in self.filters[name].candidates(text)]


# --- loading ---------------------------------------------------------------------------------


def _alternation(patterns: Iterable[str]) -> str:
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


def _expand(pattern: str, blocks: dict[str, str]) -> str:
    """Replace {NAME} with its block, repeatedly (blocks may use other blocks)."""
    for _ in range(5):
        expanded = _PLACEHOLDER.sub(lambda m: blocks.get(m.group(1), m.group(0)), pattern)
        if expanded == pattern:
            break
        pattern = expanded
    leftover = _PLACEHOLDER.search(pattern)
    if leftover:
        raise ValueError(f"unknown lexicon block {leftover.group(0)}")
    return pattern


def _entries(raw: list[dict], blocks: dict[str, str]) -> tuple[Entry, ...]:
    return tuple(
        Entry(
            id=item["id"],
            why=item.get("why", ""),
            regex=re.compile(_expand(item["pattern"], blocks), re.IGNORECASE),
            needs=item.get("needs", "any"),
            in_context=bool(item.get("in_context", False)),
            claim=bool(item.get("claim", False)),
            claim_if_others=bool(item.get("claim_if_others", False)),
        )
        for item in raw
    )


def load_lexicon(path: Path = LEXICON_PATH) -> Lexicon:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    blocks: dict[str, str] = dict(data.get("blocks", {}))
    substances = data["substances"]
    # Named lists become blocks too, so every pattern sees one definition of "kratom".
    blocks["KRATOM"] = _alternation(e["pattern"] for e in substances["kratom"])
    blocks["STRAIN"] = _alternation(e["pattern"] for e in substances["kratom"] if e.get("strain"))
    blocks["OTHER"] = _alternation(e["pattern"] for e in substances["other"])
    blocks["OTHER_RX"] = _alternation(e["pattern"] for e in substances["other"] if e.get("rx"))
    blocks["PTSD_RX"] = _alternation(e["pattern"] for e in substances["other"] if e.get("ptsd_rx"))
    blocks["THERAPY"] = _alternation(e["pattern"] for e in data["therapy"])
    blocks["COND"] = _alternation(e["pattern"] for e in data["conditions"])
    return Lexicon(
        kratom=_entries(substances["kratom"], blocks),
        other=_entries(substances["other"], blocks),
        everyday=_entries(substances.get("everyday", []), blocks),
        dose=_entries(data["dose_cues"], blocks),
        replacement=_entries(data["replacement_cues"], blocks),
        factual=_entries(data["factual"], blocks),
        truth_questions=_entries(data.get("truth_questions", []), blocks),
    )


LEXICON = load_lexicon()


# --- text helpers ----------------------------------------------------------------------------

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00bd": " half ",
        "\u00bc": " quarter ",
        "\u00be": " 3/4 ",
        "\u00a0": " ",
    }
)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200f\u2060\ufeff]")


def normalise(text: str) -> str:
    """Lower case, straight quotes, no zero-width characters, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _ZERO_WIDTH.sub("", text).translate(_CHAR_MAP).lower()
    # JSON/markup wrappers ({"dose_g": ...}, <b>) are read as words: "dose_g" -> "dose g".
    text = re.sub(r"[_{}\[\]<>|*#\\]", " ", text)
    # Leet and spelled-out evasions: "kr4tom", "d0se", "k-r-a-t-o-m", "k r a t o m".
    text = re.sub(r"(?<=[a-z])[0431](?=[a-z])", lambda m: "oaei"["0431".index(m.group(0))], text)
    text = re.sub(r"\b[a-z](?:[-. ][a-z]\b){3,}", lambda m: re.sub(r"[-. ]", "", m.group(0)), text)
    return re.sub(r"\s+", " ", text).strip()


def _edit_distance_at_most_one(a: str, b: str) -> bool:
    """True if a and b differ by at most one insertion, deletion, substitution or swap."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def _fuzzy_kratom(text: str) -> re.Match | None:
    """Catch misspellings the regex misses (krtom, kraotm, krqtom): one edit from 'kratom'."""
    for m in re.finditer(r"\b[a-z]{5,7}\b", text):
        word = m.group(0)
        if word[0] in "kc" and word not in _NOT_KRATOM and _edit_distance_at_most_one(word, "kratom"):
            return m
    return None


def _first(entries: Iterable[Entry], text: str) -> tuple[Entry, re.Match] | None:
    for entry in entries:
        m = entry.regex.search(text)
        if m:
            return entry, m
    return None


def _blank(m: re.Match) -> str:
    """Blanks for a factual frame: only its named group `mask` when it has one (a frame that needs its
    sentence for context but must not hide an amount in it), else the whole match."""
    if "mask" not in m.re.groupindex or m.group("mask") is None:
        return " " * len(m.group(0))
    start, end = m.start("mask") - m.start(), m.end("mask") - m.start()
    return m.group(0)[:start] + " " * (end - start) + m.group(0)[end:]


def _mask_factual(text: str) -> tuple[str, list[str]]:
    """Blank out factual frames ("how many states", "how much does it cost") so no dose cue
    can fire inside them. Returns the masked text and the ids of the frames found."""
    found = []
    could = set(LEXICON.filters["factual"].candidates(text))
    for index, entry in enumerate(LEXICON.factual):
        if index not in could:
            continue
        # Same-length blanks keep every later match position valid for `matched`.
        text, n = entry.regex.subn(_blank, text)
        if n:
            found.append(entry.id)
            could = set(LEXICON.filters["factual"].candidates(text))  # blanks may set a later frame's words apart
    return text, found


# --- the decision ----------------------------------------------------------------------------


def find_kratom(text: str) -> tuple[str, str] | None:
    """(entry id, matched span) of the first kratom-family mention, or None."""
    hit = _first(LEXICON.could_match("kratom", text), text)
    if hit:
        return hit[0].id, hit[1].group(0)
    fuzzy = _fuzzy_kratom(text)
    return ("kratom_fuzzy", fuzzy.group(0)) if fuzzy else None


def mentions_kratom(text: str) -> bool:
    """True if a raw message names kratom or one of its products, alkaloids or strains. The
    router uses it to set the conversation topic, so a later "just a rough number" gets the
    kratom wording of the follow-up refusal."""
    return find_kratom(normalise(text)) is not None


def find_other_drug(text: str) -> tuple[str, str] | None:
    hit = _first(LEXICON.could_match("other", text), text)
    return (hit[0].id, hit[1].group(0)) if hit else None


@lru_cache(maxsize=64)
def _substance_of(subject: str | None) -> str | None:
    """ "kratom", "other" (a medicine or drug) or None for a subject key of bank/subjects.yml ("sertraline",
    "cpt"), read with this lexicon's own substance names so the two never disagree."""
    if not subject:
        return None
    name = normalise(subject.replace("_", " "))
    if find_kratom(name):
        return "kratom"
    return "other" if find_other_drug(name) else None


def find_dose_cue(text: str, has_kratom: bool, has_substance: bool) -> tuple[Entry, re.Match] | None:
    """First dose cue whose `needs` is met by what the message names."""
    allowed = {"any"}
    if has_substance:
        allowed.add("substance")
    if has_kratom:
        allowed.add("kratom")
    return _first((e for e in LEXICON.could_match("dose", text) if e.needs in allowed), text)


# Words that make a message a comparison of amounts ("kratom equal to two oxycodone").
_EQUIVALENCE = re.compile(
    r"\b(?:equal\w*|equivalen\w*|same as|vs\.?|versus|compared?|replace\w*|instead|worth|convert\w*|conversion|ratio|match\w*|stand in|substitut\w*)\b"
)


def _distance(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, b[0] - a[1], a[0] - b[1])


def _spans(entries: Iterable[Entry], text: str) -> list[tuple[int, int]]:
    return [m.span() for e in entries for m in e.regex.finditer(text)]


def _kratom_is_subject(text: str, cue: re.Match) -> bool:
    """With kratom and another drug both named, whose amount is asked? Kratom, unless the other
    drug sits closer to the dose cue ("how much suboxone to get off kratom"). Comparisons
    ("kratom equal to two oxycodone") are always about kratom."""
    if _EQUIVALENCE.search(text):
        return True
    kratom_spans = _spans(LEXICON.could_match("kratom", text), text) or [(len(text), len(text))]  # fuzzy-only match
    other_spans = _spans(LEXICON.could_match("other", text), text)
    near_kratom = min(_distance(cue.span(), s) for s in kratom_spans)
    near_other = min(_distance(cue.span(), s) for s in other_spans)
    return near_kratom <= near_other


def assess(text: str, subject: str | None = None) -> Verdict | None:
    """Route a message to a dose/replacement refusal, or None when nothing applies. `subject` is the conversation's
    subject before this message (the `subject` slot): a message that names no substance is read as about it, so
    "my friend takes 40, should i take 40 too" after fluoxetine is refused as an amount of fluoxetine."""
    t = normalise(text)
    if not t:
        return None
    kratom = find_kratom(t)
    other = find_other_drug(t)
    masked, _ = _mask_factual(t)
    in_context = None if (kratom or other) else _substance_of(subject)

    dose = find_dose_cue(masked, has_kratom=bool(kratom), has_substance=bool(kratom or other))
    if dose is None and in_context:
        dose = _first((e for e in LEXICON.could_match("dose", masked) if e.in_context), masked)
    if dose and not kratom and not other and _first(LEXICON.could_match("everyday", t), t):
        return None  # "how much vitamin d should i take": an everyday health question, out of scope, not a dose
    if dose:
        entry, m = dose
        span = m.group(0).strip()
        if kratom and (not other or _kratom_is_subject(t, m)):
            return Verdict(GUARD, INTENT_DOSE, "dose", entry.id, span)
        if other or in_context == "other":
            return Verdict(GUARD, INTENT_DOSE_OTHER, "dose_other", entry.id, span)
        return Verdict(GUARD, INTENT_DOSE_FOLLOWUP, "dose_followup", entry.id, span)

    # "so should she swap her meds for it", "can I just keep using it instead of going to therapy" in a conversation
    # about kratom: kratom, pointed back to as "it", as a replacement ("can I do EMDR instead of CPT" is not)
    kratom_in_hand = not kratom and _substance_of(subject) == "kratom" and bool(_IT.search(t))
    if kratom or kratom_in_hand:
        rep = _first(LEXICON.could_match("replacement", t), t)
        if rep and not _asks_if_claim_is_true(t):
            return Verdict(GUARD, INTENT_REPLACEMENT, "replacement", rep[0].id, rep[1].group(0).strip())
    return None


_IT = re.compile(r"\b(?:it|that stuff|this stuff|the stuff)\b")  # kratom, pointed back to
_SOMEONE_ELSE = re.compile(r"\b(?:his|her|their|him|them)\b")
_THE_VISITOR = re.compile(r"\b(?:i|im|ive|my|me|myself)\b")  # \bi\b already matches the i of "i'm"


def _asks_if_claim_is_true(text: str) -> bool:
    """ "My buddy swears kratom fixed his PTSD, anything to that?": every replacement cue is a claim (no plan to
    use kratom in place of care) and the visitor asks whether it is true. The evidence answer says plainly that
    kratom is not a PTSD treatment, so the refusal is not needed; a plan ("so I'll quit my zoloft") keeps it.
    Someone else's use told as a fact ("my boyfriend has been using kratom for his ptsd. what even is that
    stuff") is asked about in the same way; the visitor's own use ("for my ptsd") keeps the refusal."""
    hits = [(e, m.group(0)) for e in LEXICON.could_match("replacement", text) if (m := e.regex.search(text))]
    claims = all(
        e.claim or (e.claim_if_others and _SOMEONE_ELSE.search(said) and not _THE_VISITOR.search(said))
        for e, said in hits
    )
    return claims and _first(LEXICON.could_match("truth_questions", text), text) is not None


def explain(text: str) -> dict:
    """Everything the detector saw, for staff tools and debugging."""
    t = normalise(text)
    masked, frames = _mask_factual(t)
    verdict = assess(text)
    return {
        "normalised": t,
        "masked": masked,
        "kratom": find_kratom(t),
        "other_drug": find_other_drug(t),
        "factual_frames": frames,
        "verdict": verdict.as_dict() if verdict else None,
    }
