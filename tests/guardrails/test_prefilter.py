"""The lexicon prefilter (guardrails/prefilter.py) may skip a pattern only when it could not match.

A skipped pattern that would have matched is a missed crisis or a dose given, so besides the unit
checks and random patterns, every crisis lexicon pattern is run with and without the prefilter on
every development crisis text and hard negative and every guardrail test case (the matches must be
the same), and the kratom guard decides every development conversation turn and kratom test case
both ways (the decisions must be the same).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from evaluation import sets
from guardrails import crisis, kratom
from guardrails.prefilter import Prefilter, required

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "pattern, pieces",
    [
        (r"kill myself", {"kill myself"}),
        (r"s[uo]icid(?:e|al)", {"suicide", "suicidal", "soicide", "soicidal"}),
        (r"(?<![a-z])od'?ed(?![a-z])", {"oded", "od'ed"}),  # zero-width parts join their neighbours
        (r"(?:end|take) my (?:own )?life", {"end my life", "take my life", "end my own life", "take my own life"}),
        (r"want(?:ed)? to die", {"want to die", "wanted to die"}),
        (r"[a-z]+ed to die", {"ed to die"}),
        (r"\w+ pills", {" pills"}),
        (r"(?:a|b.*)z", {"z"}),
        (r"(?i)Kill Me", {"kill me"}),  # case-insensitive: looked for in lower case
    ],
)
def test_required_pieces(pattern, pieces):
    assert required(re.compile(pattern)) == pieces


@pytest.mark.parametrize(
    "pattern", [r".*", r"(?i)k\u0130ll", r"a*", r"(?:kill|.+)", r"[a-z]+", r"(?:x)?", r"(?i:kill)"]
)
def test_nothing_required_when_nothing_can_be_proved(pattern):
    assert required(re.compile(pattern)) is None


def test_pattern_without_pieces_always_runs():
    prefilter = Prefilter([re.compile(r"[a-z]+"), re.compile(r"kill me")])
    assert prefilter.candidates("nothing here") == [0]
    assert prefilter.candidates("they kill me") == [0, 1]


def test_case_insensitive_patterns_read_ascii_text_in_lower_case_and_other_text_whole():
    prefilter = Prefilter([re.compile(r"should i take", re.IGNORECASE), re.compile(r"kratom", re.IGNORECASE)])
    assert prefilter.candidates("SHOULD I TAKE it") == [0]
    # the dotless i matches "i" case-insensitively; plain lower-casing would not find the piece
    assert re.search(r"should i take", "should \u0131 take", re.IGNORECASE)
    assert prefilter.candidates("should \u0131 take") == [0, 1]


def test_a_piece_found_inside_a_longer_one_still_counts():
    """The scan reports the longest piece at a position; the shorter ones there must not be lost."""
    regexes = [re.compile(r"die"), re.compile(r"diet"), re.compile(r"diet plan"), re.compile(r"plan")]
    prefilter = Prefilter(regexes)
    assert prefilter.candidates("my diet plan") == [0, 1, 2, 3]
    assert prefilter.candidates("i want to die") == [0]
    assert prefilter.candidates("a plan") == [3]


def test_random_patterns_and_texts_skip_nothing_that_matches():
    rng = random.Random(15)
    words = ["die", "diet", "kill", "kil", "me", "pills", "all", "od", "ed", "cut", "cutting", "end", "it"]
    atoms = [*words, r"\s+", r"(?:x|y)?", r"[ie]", r".", r"\w*", r"(?<![a-z])", r"(?![a-z])"]
    regexes = []
    for _ in range(300):
        parts = [rng.choice(atoms) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.3:
            parts = ["(?:" + "|".join(parts) + ")"]
        regexes.append(re.compile("".join(parts)))
    prefilter = Prefilter(regexes)
    for _ in range(400):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 8)))
        matching = [i for i, r in enumerate(regexes) if r.search(text)]
        assert set(matching) <= set(prefilter.candidates(text)), text


def _texts():
    """Every development crisis message and hard negative, and every guardrail test case (about 25,000
    texts, 50 s: each runs every pattern once to compare)."""
    split = sets.load("crisis", "dev")
    texts = [case["text"] for case in split["cases"]]
    texts += [turn["text"] for conv in split["conversations"] for turn in conv["turns"]]
    for name in ("crisis_cases.yml", "crisis_dev.yml", "kratom_cases.yml"):
        texts += re.findall(r"text: (.+)", (ROOT / "tests" / "guardrails" / name).read_text(encoding="utf-8"))
    return sorted({t for t in texts if isinstance(t, str)})


def test_prefilter_gives_the_same_matches_as_every_pattern_on_every_known_text():
    lex = crisis.lexicon()
    texts = _texts()
    assert len(texts) > 20_000  # the sets are all there
    variants = {variant for text in texts for variant in crisis._variants(text)}
    differing = []
    for variant in sorted(variants):
        for entries, prefilter in ((lex.crisis, lex.crisis_filter), (lex.vetoes, lex.veto_filter)):
            every = [(h.entry.id, h.start, h.end) for h in crisis._find(entries, variant)]
            filtered = [(h.entry.id, h.start, h.end) for h in crisis._find(entries, variant, prefilter)]
            if every != filtered:
                differing.append((variant, every, filtered))
    assert not differing, differing[:5]


class _Everything:
    """A prefilter that lets every pattern run: the reference the real one is compared with."""

    def __init__(self, count: int) -> None:
        self.count = count

    def candidates(self, text: str) -> list:
        return list(range(self.count))


def test_kratom_guard_decides_the_same_with_and_without_the_prefilter(monkeypatch):
    conversations = sets.load("conversations", "dev")["conversations"]
    texts = sorted({turn["user"] for conv in conversations for turn in conv["turns"]})
    texts += re.findall(r"text: (.+)", (ROOT / "tests" / "guardrails" / "kratom_cases.yml").read_text(encoding="utf-8"))
    texts += ["how much ſhould ı take", "KRATOM DOSE?", "how many grams of kratom for a beginner"]

    def decisions():
        out = []
        for n, text in enumerate(texts):
            for subject in (None, "kratom", "sertraline") if n % 5 == 0 else (None,):
                verdict = kratom.assess(text, subject)
                out.append((text, subject, verdict.as_dict() if verdict else None))
            out.append((text, kratom._mask_factual(kratom.normalise(text)), kratom.mentions_kratom(text)))
        return out

    filtered = decisions()
    assert sum(1 for _, subject, verdict in filtered if isinstance(verdict, dict)) > 200  # refusals are among them
    for name, prefilter in list(kratom.LEXICON.filters.items()):
        monkeypatch.setitem(kratom.LEXICON.filters, name, _Everything(len(prefilter.everything)))
    kratom._substance_of.cache_clear()
    assert decisions() == filtered
    kratom._substance_of.cache_clear()
