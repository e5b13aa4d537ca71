"""Which lexicon patterns could match a text, found in one pass, so the others need not run.

The crisis lexicon runs some 300 regexes on every message, the kratom lexicon about 100, and nearly
all of them fail on nearly every message. Each pattern has pieces of literal text, one of which every
match must contain, read off the compiled pattern's own parse tree (so they never drift from the
lexicon):

- a run of literal characters, or of a few exact alternatives ("s[uo]icid", "kill(?:ed)?"), must
  appear whole in any match; zero-width parts (\\b, look-arounds) join the characters either side;
- a sequence needs every element, so its most selective element's pieces are enough;
- an alternation needs one branch: the union of its branches' pieces (none if a branch has none);
- a repeat needs its body only when it must run at least once;
- wide classes, any-character and back-references require nothing (conservative).

One regex built as a trie of every pattern's pieces scans the text once and reports, at each
position, the longest piece found there. Every other piece found at that position is a prefix of
it, so a pattern runs when one of its pieces is a reported piece or a prefix of one, and always when
no piece could be proved. So skipping is exact: the same matches as running every pattern (RE2's
FilteredRE2 and Hyperscan's prefilters are the same idea). tests/guardrails/test_prefilter.py checks it
on every development crisis text and hard negative, and on the kratom guard's decisions.
"""

from __future__ import annotations

import re
from typing import Dict, FrozenSet, List, Sequence, Set

try:  # Python 3.11 moved the parser; this project runs on 3.10
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse  # type: ignore[no-redef]

Pieces = FrozenSet[str] | None  # None: nothing is required (the pattern always runs)
_C = sre_parse  # the opcode names (LITERAL, BRANCH, ...) are exported by the parser module
_REPEATS = tuple(op for op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)) if op)
_EMPTY: FrozenSet[str] = frozenset([""])
MAX_PIECES = 32  # more exact strings than this and a set costs more to test than it saves


class Prefilter:
    """The patterns of a list that could match a text, by their positions in that list."""

    def __init__(self, regexes: Sequence[re.Pattern[str]]):
        # With a case-insensitive pattern among them, every piece is looked for in lower case
        self.folded = any(r.flags & re.IGNORECASE for r in regexes)
        pieces = [required(r) for r in regexes]
        if self.folded:
            pieces = [None if p is None else frozenset(x.lower() for x in p) for p in pieces]
        self.everything = list(range(len(regexes)))
        self.always = frozenset(i for i, p in enumerate(pieces) if p is None)
        universe = sorted({piece for p in pieces if p for piece in p})
        known = set(universe)
        owners: Dict[str, Set[int]] = {piece: set() for piece in universe}
        for index, p in enumerate(pieces):
            for piece in p or ():
                owners[piece].add(index)
        # The scan reports the longest piece at a position; every other piece there is a prefix of it.
        self.by_piece = {
            piece: frozenset().union(*(owners[piece[:end]] for end in range(1, len(piece) + 1) if piece[:end] in known))
            for piece in universe
        }
        self.scan = re.compile("(?=(" + _trie_regex(universe) + "))") if universe else None

    def candidates(self, text: str) -> List[int]:
        """Positions of the patterns that could match `text`, in list order."""
        if self.folded:
            if not text.isascii():
                return self.everything
            text = text.lower()
        found = set(self.scan.findall(text)) if self.scan else set()
        indices = set(self.always)
        for piece in found:
            indices |= self.by_piece[piece]
        return sorted(indices)


def _trie_regex(pieces: Sequence[str]) -> str:
    """An alternation of `pieces` as a trie that matches the longest piece it can (where a piece ends,
    the empty branch comes last: the regex backs off to it only when no longer piece goes on)."""
    trie: dict = {}
    for piece in pieces:
        node = trie
        for char in piece:
            node = node.setdefault(char, {})
        node[""] = {}  # a piece ends here

    def body(node: dict) -> str:
        branches = [re.escape(char) + body(child) for char, child in sorted(node.items()) if char]
        if "" in node:
            branches.append("")  # a piece ends here
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return body(trie)


def required(regex: re.Pattern[str]) -> Pieces:
    """Pieces one of which is a substring of every match of `regex`; None when none can be proved.

    A case-insensitive pattern's pieces are given in lower case, and only when they are ASCII: the
    prefilter then looks for them in the lower-cased text, and only in ASCII text (Unicode case
    folding has equivalents such as the dotless i that plain lower-casing does not give).
    """
    if regex.flags & re.LOCALE:
        return None
    pieces = _sequence(list(sre_parse.parse(regex.pattern, regex.flags)))
    if pieces is None or not regex.flags & re.IGNORECASE:
        return pieces
    return frozenset(p.lower() for p in pieces) if all(p.isascii() for p in pieces) else None


def _sequence(items: List[tuple]) -> Pieces:
    """Every element of a sequence is in the match; keep the most selective element's pieces.

    Neighbouring elements that match only a few exact strings ("kill", "s[uo]icid", an optional
    "'?", a zero-width \\b or look-around) are joined into longer pieces first.
    """
    candidates: List[FrozenSet[str]] = []
    run: FrozenSet[str] = _EMPTY
    for op, arg in _literal_runs(items):
        exact = _exact(op, arg)
        if exact is not None and len(run) * len(exact) <= MAX_PIECES:
            run = frozenset(a + b for a in run for b in exact)
            continue
        candidates.append(run)
        run = exact if exact is not None else _EMPTY
        pieces = _element(op, arg)
        if pieces is not None:
            candidates.append(pieces)
    candidates.append(run)
    useful = [c for c in candidates if "" not in c]
    return max(useful, key=_selectivity, default=None)


def _element(op: object, arg: object) -> Pieces:
    """What one element of a sequence requires, when it is not a small set of exact strings."""
    if op is _C.SUBPATTERN:
        _group, add_flags, _del_flags, body = arg  # type: ignore[misc]
        return None if add_flags & re.IGNORECASE else _sequence(list(body))
    if op is _C.BRANCH:
        branches = [_sequence(list(b)) for b in arg[1]]  # type: ignore[index]
        if any(b is None for b in branches):
            return None
        return frozenset().union(*branches)  # type: ignore[arg-type]
    if op in _REPEATS:
        low, _high, body = arg  # type: ignore[misc]
        return _sequence(list(body)) if low >= 1 else None
    if op is getattr(_C, "ATOMIC_GROUP", None):
        return _sequence(list(arg))  # type: ignore[arg-type]
    return None  # wide classes, any character, back-references


def _exact(op: object, arg: object) -> Pieces:
    """The few exact strings an element can match (zero-width ones match ""), or None."""
    if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        return _EMPTY  # zero width: the characters on either side are next to each other in the match
    if op is _LITERALS:
        return frozenset([arg])  # type: ignore[list-item]
    if op is _C.LITERAL:
        return frozenset([chr(arg)])  # type: ignore[arg-type]
    if op is _C.IN:
        if len(arg) <= MAX_PIECES and all(o is _C.LITERAL for o, _ in arg):  # type: ignore[arg-type]
            return frozenset(chr(c) for _, c in arg)  # type: ignore[union-attr]
        return None  # a range, a category or a negated class
    if op is _C.SUBPATTERN:
        _group, add_flags, _del_flags, body = arg  # type: ignore[misc]
        return None if add_flags & re.IGNORECASE else _exact_sequence(list(body))
    if op is _C.BRANCH:
        union: set = set()
        for branch in arg[1]:  # type: ignore[index]
            exact = _exact_sequence(list(branch))
            if exact is None or len(union | exact) > MAX_PIECES:
                return None
            union |= exact
        return frozenset(union)
    if op in _REPEATS:
        low, high, body = arg  # type: ignore[misc]
        exact = _exact_sequence(list(body))
        if exact is None or high > 3:
            return None
        union, power = set(), _EMPTY
        for count in range(high + 1):
            if count >= low:
                union |= power
            power = frozenset(a + b for a in power for b in exact)
            if len(union) > MAX_PIECES or len(power) > MAX_PIECES:
                return None
        return frozenset(union)
    return None


def _exact_sequence(items: List[tuple]) -> Pieces:
    strings = _EMPTY
    for op, arg in _literal_runs(items):
        exact = _exact(op, arg)
        if exact is None or len(strings) * len(exact) > MAX_PIECES:
            return None
        strings = frozenset(a + b for a in strings for b in exact)
    return strings


_LITERALS = object()  # a run of literal characters, joined: (_LITERALS, "text")


def _literal_runs(items: List[tuple]) -> List[tuple]:
    """The items with each run of literal characters joined into one string (one step instead of one per letter)."""
    out: List[tuple] = []
    for op, arg in items:
        if op is _C.LITERAL and out and out[-1][0] is _LITERALS:
            out[-1] = (_LITERALS, out[-1][1] + chr(arg))  # type: ignore[arg-type]
        elif op is _C.LITERAL:
            out.append((_LITERALS, chr(arg)))  # type: ignore[arg-type]
        else:
            out.append((op, arg))
    return out


def _selectivity(pieces: FrozenSet[str]) -> tuple:
    """Longer shortest piece first (rarer in text), then fewer pieces to test."""
    return (min(len(p) for p in pieces), -len(pieces))
