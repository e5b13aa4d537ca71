"""What one turn's replies amount to, read from their answer keys: the one place the scorers agree on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, List, Sequence

CRISIS_PREFIX = "guard_crisis_"
CHECKIN_KEY = "guard_checkin"
CONTACTS_PREFIX = "contacts_"
# Replies that say honestly the assistant did not (or could not) answer: never a wrong answer.
HONEST = {"fallback", "out_of_scope", "clarify", "aspect_unknown", "compare"}
# Replies that come with another answer and say nothing on their own.
FRAMING = {"guard_crisis_continue"}


@dataclass(frozen=True)
class Turn:
    keys: tuple

    @property
    def crisis(self) -> bool:
        """The crisis route: a crisis opener (any kind, or a follow-up) with its lines."""
        return any(k.startswith(CRISIS_PREFIX) and k not in FRAMING for k in self.keys)

    @property
    def checkin(self) -> bool:
        return CHECKIN_KEY in self.keys

    @property
    def help_line(self) -> bool:
        return any(k.startswith(CONTACTS_PREFIX) for k in self.keys)

    @property
    def answers(self) -> List[str]:
        """The keys that carry content (not contacts or framing)."""
        return [k for k in self.keys if not k.startswith(CONTACTS_PREFIX) and k not in FRAMING]

    @property
    def honest(self) -> bool:
        return bool(self.answers) and all(k in HONEST for k in self.answers)

    def matches(self, expected: Sequence[str]) -> bool:
        """Right content: one reply is an expected key (`crisis`: the crisis route or a check-in)."""
        for want in expected:
            if want == "crisis" and (self.crisis or self.checkin):
                return True
            if want == "out_of_scope" and any(k in ("out_of_scope", "fallback") for k in self.answers):
                return True
            if want in self.answers:
                return True
        return False


def turn(keys: Iterable[str]) -> Turn:
    return Turn(tuple(k for k in keys if k))
