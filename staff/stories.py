"""Turn a stored conversation into a Rasa end-to-end test story (for tests/test_stories_saved.yml)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Dict, List

import yaml

HEADER = (
    'version: "3.1"\n'
    "# Conversations saved by staff from the staff console (Save as regression test). `rasa test` runs them.\n"
)
SKIPPED = ("action_listen", "action_session_start", "action_restart")


def story_steps(events: List[Any]) -> List[Dict[str, Any]]:
    """user text + intent, then the actions that answered it (actions before the first message are left out)."""
    from rasa.shared.core.events import ActionExecuted, UserUttered

    steps: List[Dict[str, Any]] = []
    seen_user = False
    for event in events:
        if isinstance(event, UserUttered):
            intent = (event.intent or {}).get("name")
            if not event.text or not intent:
                continue
            steps.append({"user": event.text, "intent": intent})
            seen_user = True
        elif isinstance(event, ActionExecuted) and seen_user and event.action_name not in SKIPPED:
            steps.append({"action": event.action_name})
    return steps


def render_story(name: str, steps: List[Dict[str, Any]]) -> str:
    lines = [
        f"- story: {yaml.safe_dump(name, default_flow_style=True, width=10_000).strip().removesuffix('...').strip()}"
    ]
    lines.append("  steps:")
    for step in steps:
        if "user" in step:
            lines.append("  - user: |")
            for text_line in step["user"].splitlines() or [""]:
                lines.append(f"      {text_line}")
            lines.append(f"    intent: {step['intent']}")
        else:
            lines.append(f"  - action: {step['action']}")
    return "\n".join(lines) + "\n"


def append_story(path: Path, name: str, steps: List[Dict[str, Any]]) -> str:
    """Add one story to `path` (created with its header when missing); returns the story's YAML."""
    story = render_story(name, steps)
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER + "stories:\n", encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        handle.write("\n" + story)
    yaml.safe_load(path.read_text(encoding="utf-8"))  # still valid YAML
    return story


def story_name(label: str | None = None) -> str:
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    return f"saved by staff {stamp}" + (f": {label}" if label else "")
