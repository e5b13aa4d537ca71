"""Scaffold a new answer: every part it needs, in the right files, each marked TODO.

Usage: python scripts/new_intent.py faq_<topic>_<aspect>      (or: make new-intent KEY=...)

Writes, for KEY = faq_sleep_hygiene (topic "sleep"):
  data/answer_bank/<file>.yml   the intent with TODO examples, its rule, and the response with TODO text
                                and one TODO source (the file that already holds faq_sleep_* answers,
                                else data/answer_bank/sleep.yml, created)
  tests/heldout/<file>.yml      TODO held-out phrasings (never trained on)
  tests/test_stories.yml        an end-to-end story with a TODO visitor message
  domain.yml                    the intents list (scripts/sync_domain.py)
Existing files are edited round-trip (ruamel.yaml), so their comments and layout survive.
`make validate` fails, naming the file, the key and the fix, until every TODO is filled in and the
answer is reviewed. The walkthrough is docs/adding-an-intent.md.
"""

from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Tuple

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bank.loader import load_bank, load_nlu_file  # noqa: E402

KEY_PATTERN = re.compile(r"^faq_[a-z0-9]+(_[a-z0-9]+)+$")
BANK_DIR = ROOT / "data" / "answer_bank"
HELDOUT_DIR = ROOT / "tests" / "heldout"
STORIES = ROOT / "tests" / "test_stories.yml"
PLACEHOLDER_URL = "https://TODO"
TEXT_PLACEHOLDER = "TODO: write the answer"
GUIDE = "docs/adding-an-intent.md"


def topic_of(key: str) -> str:
    return key[len("faq_") :].split("_", 1)[0]


def todo_examples(key: str) -> str:
    return "".join(f"- TODO training example {n} for {key} (15+ varied, see {GUIDE})\n" for n in (1, 2, 3))


def todo_heldout(key: str) -> str:
    return "".join(f"- TODO held-out phrasing {n} for {key} (not a training example)\n" for n in (1, 2, 3, 4))


def todo_story_text(key: str) -> str:
    return f"TODO a visitor's question for {key} in words that are not a training example\n"


def todo_source() -> dict:
    return {
        "title": "TODO: title of the primary source (the publisher's own page)",
        "publisher": "TODO: publisher",
        "year": "n.d.",
        "url": PLACEHOLDER_URL,
    }


# --- where the parts go --------------------------------------------------------------------------


def _most(homes: List[Path]) -> Path | None:
    """The file holding the most of them (ties: the first by name), or None."""
    return max(sorted(set(homes)), key=homes.count) if homes else None


def bank_file_for(key: str) -> Path:
    """The bank file that holds the most faq_<topic>_* answers, else data/answer_bank/<topic>.yml."""
    prefix = f"faq_{topic_of(key)}_"
    bank = load_bank()
    homes = [bank.response_files[r] for r in bank.responses if r.startswith("utter_" + prefix)]
    return _most([p for p in homes if p.parent == BANK_DIR]) or BANK_DIR / f"{topic_of(key)}.yml"


def heldout_file_for(key: str, bank_file: Path) -> Path:
    """The held-out file beside the bank file, else the one holding the most faq_<topic>_* phrasings."""
    if (HELDOUT_DIR / bank_file.name).exists():
        return HELDOUT_DIR / bank_file.name
    prefix = f"faq_{topic_of(key)}_"
    homes = [p for p in sorted(HELDOUT_DIR.glob("*.yml")) for i in load_nlu_file(p) if i.startswith(prefix)]
    return _most(homes) or HELDOUT_DIR / bank_file.name


def existing_uses(key: str) -> list[str]:
    bank = load_bank()
    uses = []
    if key in bank.examples:
        uses.append(f"intent {key} in {bank.example_files[key].relative_to(ROOT)}")
    if f"utter_{key}" in bank.responses:
        uses.append(f"response utter_{key} in {bank.response_files['utter_' + key].relative_to(ROOT)}")
    for path in sorted(HELDOUT_DIR.glob("*.yml")):
        if key in load_nlu_file(path):
            uses.append(f"held-out phrasings in {path.relative_to(ROOT)}")
    return uses


# --- round-trip YAML helpers ---------------------------------------------------------------------


def make_yaml() -> YAML:
    yaml = YAML()  # round-trip, the same settings as scripts/review_answers.py
    yaml.width = 100
    yaml.preserve_quotes = True
    return yaml


def _is_block(value: Any) -> bool:
    return isinstance(value, (LiteralScalarString, FoldedScalarString))


def _last_key(node: Any) -> Tuple[Any, Any] | None:
    """The (container, key) of the last scalar written when `node` is dumped."""
    if isinstance(node, CommentedMap) and len(node):
        key = list(node.keys())[-1]
        inner = _last_key(node[key]) if isinstance(node[key], (CommentedMap, CommentedSeq)) else None
        return inner or (node, key)
    if isinstance(node, CommentedSeq) and len(node):
        inner = _last_key(node[-1]) if isinstance(node[-1], (CommentedMap, CommentedSeq)) else None
        return inner or (node, len(node) - 1)
    return None


def _trailing_comment(node: Any) -> Tuple[Any, Any] | None:
    """(container, key) holding the comment/blank lines that follow `node`, if any."""
    if isinstance(node, CommentedMap) and len(node):
        key = list(node.keys())[-1]
    elif isinstance(node, CommentedSeq) and len(node):
        key = len(node) - 1
    else:
        return None
    value = node[key]
    if isinstance(value, (CommentedMap, CommentedSeq)):
        inner = _trailing_comment(value)
        if inner:
            return inner
    entry = node.ca.items.get(key)
    if entry and len(entry) > 2 and entry[2] is not None:
        return node, key
    return None


def append_keeping_layout(container: Any, key: Any, value: Any) -> None:
    """Append to a sequence (key None) or add a mapping key, moving the blank line/comment that
    followed the old last item (e.g. the gap before the next section) to after the new one."""
    old_last = container[-1] if isinstance(container, CommentedSeq) and len(container) else None
    if isinstance(container, CommentedMap) and len(container):
        old_last = container
    holder = _trailing_comment(old_last) if old_last is not None else None
    if isinstance(container, CommentedSeq):
        container.append(value)
    else:
        container[key] = value
    if holder is None:  # the old last item ended the file: separate the new one by a blank line
        if isinstance(container, CommentedSeq) and old_last is not None and _last_key(old_last):
            node, last = _last_key(old_last)
            node.ca.items[last] = [None, None, _blank_token(_is_block(node[last])), None]
        return
    old_node, old_key = holder
    token = old_node.ca.items[old_key][2]
    old_block = _is_block(old_node[old_key])
    new_node, new_key = _last_key(value)
    new_block = _is_block(new_node[new_key])
    moved = copy.deepcopy(token)
    if old_block and not new_block:
        moved.value = "\n" + moved.value
    elif new_block and not old_block and moved.value.startswith("\n"):
        moved.value = moved.value[1:]
    old_node.ca.items[old_key][2] = _blank_token(old_block)
    new_node.ca.items[new_key] = [None, None, moved, None]


def _blank_token(after_block: bool) -> CommentToken:
    return CommentToken("\n" if after_block else "\n\n", CommentMark(0), None)


def _q(text: str) -> DoubleQuotedScalarString:
    return DoubleQuotedScalarString(text)


def bank_parts(key: str):
    intent = CommentedMap([("intent", key), ("examples", LiteralScalarString(todo_examples(key)))])
    steps = CommentedSeq([CommentedMap([("intent", key)]), CommentedMap([("action", f"utter_{key}")])])
    rule = CommentedMap([("rule", key), ("steps", steps)])
    source = CommentedMap((k, _q(v)) for k, v in todo_source().items())
    metadata = CommentedMap([("sources", CommentedSeq([source]))])
    variant = CommentedMap([("text", FoldedScalarString(TEXT_PLACEHOLDER)), ("metadata", metadata)])
    return intent, rule, CommentedSeq([variant])


def story_part(key: str) -> CommentedMap:
    user = CommentedMap([("user", LiteralScalarString(todo_story_text(key))), ("intent", key)])
    steps = CommentedSeq([user, CommentedMap([("action", f"utter_{key}")])])
    return CommentedMap([("story", f"a visitor asks {key}"), ("steps", steps)])


def new_bank_file(key: str) -> str:
    examples = "".join("    " + line + "\n" for line in todo_examples(key).splitlines())
    src = todo_source()
    return (
        'version: "3.1"\n\n'
        f"# Answers about {topic_of(key)} (file started by scripts/new_intent.py): the questions, rules and answers.\n\n"
        f"nlu:\n- intent: {key}\n  examples: |\n{examples}\n"
        f"rules:\n- rule: {key}\n  steps:\n  - intent: {key}\n  - action: utter_{key}\n\n"
        f"responses:\n  utter_{key}:\n  - text: >-\n      {TEXT_PLACEHOLDER}\n    metadata:\n      sources:\n"
        f'      - title: "{src["title"]}"\n        publisher: "{src["publisher"]}"\n'
        f'        year: "{src["year"]}"\n        url: "{src["url"]}"\n'
    )


def new_heldout_file(key: str) -> str:
    phrasings = "".join("    " + line + "\n" for line in todo_heldout(key).splitlines())
    return (
        'version: "3.1"\n'
        f"# Held-out phrasings for the {topic_of(key)} intents. Never used for training.\n"
        f"nlu:\n- intent: {key}\n  examples: |\n{phrasings}"
    )


# --- writing -------------------------------------------------------------------------------------


def add_to_bank(yaml: YAML, path: Path, key: str) -> None:
    if not path.exists():
        path.write_text(new_bank_file(key), encoding="utf-8")
        return
    doc = yaml.load(path.read_text(encoding="utf-8"))
    intent, rule, variants = bank_parts(key)
    for section, empty in (("nlu", CommentedSeq), ("rules", CommentedSeq), ("responses", CommentedMap)):
        if doc.get(section) is None:
            doc[section] = empty()
    append_keeping_layout(doc["nlu"], None, intent)
    append_keeping_layout(doc["rules"], None, rule)
    append_keeping_layout(doc["responses"], f"utter_{key}", variants)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)


def add_heldout(yaml: YAML, path: Path, key: str) -> None:
    if not path.exists():
        path.write_text(new_heldout_file(key), encoding="utf-8")
        return
    doc = yaml.load(path.read_text(encoding="utf-8"))
    if doc.get("nlu") is None:
        doc["nlu"] = CommentedSeq()
    block = CommentedMap([("intent", key), ("examples", LiteralScalarString(todo_heldout(key)))])
    append_keeping_layout(doc["nlu"], None, block)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)


def add_story(yaml: YAML, key: str) -> None:
    doc = yaml.load(STORIES.read_text(encoding="utf-8"))
    if doc.get("stories") is None:
        doc["stories"] = CommentedSeq()
    append_keeping_layout(doc["stories"], None, story_part(key))
    with STORIES.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("key", help="faq_<topic>_<aspect>, lowercase letters, digits and underscores")
    args = parser.parse_args()
    key = args.key.strip()
    if not KEY_PATTERN.match(key):
        hint = " (the key, without utter_)" if key.startswith("utter_") else ""
        print(
            f"'{key}' is not a valid answer key{hint}. Fix: use faq_<topic>_<aspect> in lowercase letters, "
            "digits and underscores, e.g. faq_ptsd_sleep.",
            file=sys.stderr,
        )
        return 2
    uses = existing_uses(key)
    if uses:
        print(f"{key} already exists: {'; '.join(uses)}. Fix: edit it there, or pick a new key.", file=sys.stderr)
        return 1

    yaml = make_yaml()
    bank_file = bank_file_for(key)
    heldout_file = heldout_file_for(key, bank_file)
    add_to_bank(yaml, bank_file, key)
    add_heldout(yaml, heldout_file, key)
    add_story(yaml, key)
    subprocess.run([sys.executable, str(ROOT / "scripts" / "sync_domain.py")], cwd=ROOT, check=True)

    print(f"Scaffolded {key}:")
    print(f"  {bank_file.relative_to(ROOT)}: intent {key} (TODO examples), rule, utter_{key} (TODO text, source)")
    print(f"  {heldout_file.relative_to(ROOT)}: TODO held-out phrasings")
    print(f"  {STORIES.relative_to(ROOT)}: a story with a TODO visitor message")
    print(f"Next: fill in every TODO ({GUIDE}), then make review KEY={key} BY=... AGAINST=..., make validate.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
