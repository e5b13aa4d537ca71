"""Corrections that become tests, and phrasings that become training data, from what staff saw in a conversation.

- A reply marked right: a regression story that expects what the assistant did.
- A reply marked wrong: a story that expects the answer staff picked from the bank, with metadata
  `known_failure: true` and the note. It fails until the assistant is fixed; tests/test_rasa_test.py reports
  it as a known failure (xfail, with the note) instead of a red build, and as fixed once it passes.
- "Add this phrasing to answer X": the words go into X's training examples (same checks as the validator:
  not another intent's example, not words a guardrail would route elsewhere).

Visitors' words are saved only as staff confirmed them after reading: `suggest_redaction` proposes a version
with numbers, e-mail addresses and links removed and points at words that may be names or places;
`redaction_problems` refuses text that still holds digits, an e-mail address or a link. Everything is written
into the checkout (STAFF_CHECKOUT) for a maintainer to read in `git diff` and commit, and audited.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from bank.loader import example_lines, load_bank, same_question
from bank.review import edit_yaml

STORIES = Path("tests") / "test_stories_saved.yml"
HEADER = (
    'version: "3.1"\n'
    "# Saved by staff from the staff console. Right replies: regression stories. Wrong replies: stories that\n"
    "# expect the corrected answer, marked known_failure (tests/test_rasa_test.py reports them as known failures\n"
    "# with their note until the assistant is fixed). `rasa test` runs them all.\n"
    "stories:\n"
)
MAX_TEXT = 500
MAX_NOTE = 300
MAX_CONTEXT = 5

_DIGITS = re.compile(r"\d")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w{2,}")
_NUMBERISH = re.compile(r"\+?\d[\d\s().-]*\d|\d")
# Capitalised words that are not names or places (the assistant's own vocabulary and sentence words).
_COMMON = {
    "i", "i'm", "i've", "i'd", "ptsd", "emdr", "cpt", "pe", "va", "cbt", "tf-cbt", "mdma", "fda", "ok", "hi",
    "hello", "what", "how", "is", "can", "do", "does", "my", "the", "a", "and", "but", "please", "thanks",
}  # fmt: skip


class CorrectionError(ValueError):
    """A correction or phrasing that cannot be saved as asked; the message says why."""


def suggest_redaction(text: str) -> Dict[str, Any]:
    """A version of the visitor's words with numbers, e-mail addresses, links and handles replaced, and the
    words that might be names or places (capitalised, not at the start of a sentence) for staff to check."""
    suggested = _EMAIL.sub("[email]", text)
    suggested = _LINK.sub("[link]", suggested)
    suggested = _HANDLE.sub("[name]", suggested)
    suggested = _NUMBERISH.sub("[number]", suggested)
    maybe = set()
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", suggested):
        for word in re.findall(r"[A-Za-z][\w'-]*", sentence)[1:]:  # the first word of a sentence is capitalised anyway
            if word[0].isupper() and word.lower() not in _COMMON:
                maybe.add(word)
    return {"suggested": suggested, "check": sorted(maybe)}


def redaction_problems(text: str) -> List[str]:
    problems = []
    if _DIGITS.search(text):
        problems.append("it still contains digits (numbers can identify: ages, dates, phone numbers)")
    if _EMAIL.search(text):
        problems.append("it still contains an e-mail address")
    if _LINK.search(text):
        problems.append("it still contains a link")
    if _HANDLE.search(text):
        problems.append("it still contains an @handle")
    return problems


def confirmed_text(text: Any) -> str:
    if not isinstance(text, str) or not text.strip():
        raise CorrectionError("Each message to save must be the text you read and confirmed.")
    text = " ".join(text.split())
    if len(text) > MAX_TEXT:
        raise CorrectionError(f"A saved message may be at most {MAX_TEXT} characters.")
    problems = redaction_problems(text)
    if problems:
        raise CorrectionError("Not saved: " + "; ".join(problems) + ". Remove it and confirm again.")
    return text


def answer_choices(root: Path, query: str = "") -> List[Dict[str, Any]]:
    """Answer keys staff can pick as the right answer: each response a rule gives for an intent, with that
    intent and the rule's actions (what a story must expect)."""
    bank = load_bank(root / "data")
    q = query.strip().lower()
    choices, seen = [], set()
    for rule in bank.rules:
        steps = rule.get("steps") or []
        intents = [s["intent"] for s in steps if "intent" in s]
        actions = [s["action"] for s in steps if "action" in s]
        if len(intents) != 1 or not actions or not actions[0].startswith("utter_"):
            continue
        if any("slot_was_set" in s or "active_loop" in s for s in steps) or rule.get("condition"):
            continue  # rules that depend on earlier turns are not a single message's answer
        key = actions[0].removeprefix("utter_")
        if key in seen or actions[0] not in bank.responses:
            continue
        text = (bank.responses[actions[0]][-1] or {}).get("text", "")
        if q and q not in key.lower() and q not in text.lower():
            continue
        seen.add(key)
        choices.append({"key": key, "intent": intents[0], "actions": actions, "text": text[:160]})
    return sorted(choices, key=lambda c: (bool(q) and q not in c["key"].lower(), c["key"]))  # key matches first


def _choice(root: Path, key: str) -> Dict[str, Any]:
    for choice in answer_choices(root):
        if choice["key"] == key.removeprefix("utter_"):
            return choice
    raise CorrectionError(f"{key} is not an answer a single message can get (pick one from the list).")


def story_steps(turns: List[Dict[str, Any]], texts: Dict[int, str], expected: Dict[str, Any] | None) -> List[Dict]:
    """Steps for the chosen turns (the last one is the one judged): confirmed words, then the intent and actions
    it got, or for the last turn of a correction the expected answer's intent and actions."""
    steps: List[Dict[str, Any]] = []
    for i, turn in enumerate(turns):
        last = i == len(turns) - 1
        intent = expected["intent"] if (last and expected) else turn["intent"]
        actions = expected["actions"] if (last and expected) else turn["actions"]
        if not intent:
            raise CorrectionError("A message without an intent cannot be saved as a test.")
        steps.append({"user": texts[turn["event_id"]], "intent": intent})
        steps.extend({"action": a} for a in actions if a not in ("action_session_start", "action_restart"))
    return steps


def render_story(name: str, steps: List[Dict[str, Any]], metadata: Dict[str, Any] | None) -> str:
    story: Dict[str, Any] = {"story": name}
    if metadata:
        story["metadata"] = metadata
    story["steps"] = [
        {"user": LiteralScalarString(s["user"] + "\n"), "intent": s["intent"]} if "user" in s else s for s in steps
    ]
    out = io.StringIO()
    writer = YAML()
    writer.width = 10_000
    writer.dump([story], out)
    return out.getvalue()


def append_story(root: Path, story: str) -> Path:
    path = root / STORIES
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        path.write_text(HEADER, encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + story)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))  # still valid YAML, and still Rasa's story shape
    assert isinstance(doc.get("stories"), list)
    return path


def save_story(
    root: Path,
    turns: List[Dict[str, Any]],
    texts: Dict[int, Any],
    by: str,
    right: bool,
    expected_key: str | None = None,
    note: str = "",
) -> Tuple[Path, str]:
    """Write the story for the last of `turns` (earlier ones are its context); returns (file, story YAML)."""
    if not turns:
        raise CorrectionError("Pick the reply to save.")
    if len(turns) > MAX_CONTEXT + 1:
        raise CorrectionError(f"At most {MAX_CONTEXT} earlier messages may come with it.")
    confirmed = {turn["event_id"]: confirmed_text(texts.get(turn["event_id"])) for turn in turns}
    note = " ".join(str(note or "").split())[:MAX_NOTE]
    judged = turns[-1]
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M")
    if right:
        steps = story_steps(turns, confirmed, None)
        metadata = {"saved_by": by, "saved_on": stamp, "verdict": "right"}
        if note:
            metadata["note"] = note
        name = f"right, saved by {by} {stamp}"
    else:
        if not expected_key or not note:
            raise CorrectionError("For a wrong reply, pick the answer it should have given and write a note.")
        expected = _choice(root, expected_key)
        steps = story_steps(turns, confirmed, expected)
        metadata = {
            "known_failure": True,
            "note": note,
            "expected": expected["key"],
            "got": judged.get("answer_keys") or [],
            "saved_by": by,
            "saved_on": stamp,
        }
        name = f"correction: expects {expected['key']}, saved by {by} {stamp}"
    story = render_story(name, steps, metadata)
    return append_story(root, story), story


def add_example(root: Path, key: str, text: Any) -> Tuple[Path, str, int]:
    """Add confirmed words to the training examples of answer `key`'s intent; returns (file, intent, line)."""
    from guardrails import crisis, kratom

    text = confirmed_text(text)
    choice = _choice(root, key)
    intent = choice["intent"]
    bank = load_bank(root / "data")
    path = bank.example_files.get(intent)
    if path is None:
        raise CorrectionError(f"No training examples for {intent} under data/.")
    wanted = same_question(text)
    for file in sorted(set(bank.example_files.values())):
        for other, example, line in example_lines(file):
            if same_question(example) == wanted:
                where = f"{file.relative_to(root)}:{line}"
                raise CorrectionError(f"Already a training example of {other} ({where}): '{example}'.")
    if not intent.startswith("guard_"):
        for routed in (crisis.assess(text), kratom.assess(text)):
            if routed is not None and routed.intent and routed.intent != intent:
                raise CorrectionError(
                    f"The guardrails send these words to {routed.intent} (pattern {routed.pattern}); an example of "
                    f"{intent} would teach the opposite. Save a correction instead."
                )

    def change(doc):
        for item in doc.get("nlu") or []:
            if item.get("intent") == intent:
                block = str(item.get("examples") or "")
                item["examples"] = LiteralScalarString(block.rstrip("\n") + f"\n- {text}\n")
                return True
        raise CorrectionError(f"{intent} has no examples block in {path.relative_to(root)}.")

    edit_yaml(path, change)
    line = max(n for i, e, n in example_lines(path) if i == intent and e == text)
    return path, intent, line
