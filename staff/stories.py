"""Check a saved story end to end against a model, in-process: each visitor message through the whole pipeline
(classifier, guardrails, policy), its intent and the actions that answer it compared with the story's.

`rasa test core` reads a story's `intent:` as given and only checks the dialogue, and its `--e2e` mode cannot
read our guardrail entities, so a story whose point is "these words must get that answer" needs this.
tests/test_saved_stories.py runs every story staff saved (tests/test_stories_saved.yml) through it.
"""

from __future__ import annotations

import uuid
from typing import Any, Dict, List

SKIPPED = ("action_listen", "action_session_start", "action_restart")


def turns_of(story: Dict[str, Any]) -> List[Dict[str, Any]]:
    """[{"user", "intent", "actions"}] from a story's steps."""
    turns: List[Dict[str, Any]] = []
    for step in story.get("steps") or []:
        if "user" in step:
            turns.append({"user": str(step["user"]).strip(), "intent": step.get("intent"), "actions": []})
        elif "action" in step and turns:
            turns[-1]["actions"].append(step["action"])
    return turns


async def mismatches(agent: Any, story: Dict[str, Any]) -> List[str]:
    """What the model does differently from the story (empty: the story passes). One fresh conversation."""
    from staff.explain import explain_message

    problems = []
    sender = f"story-check-{uuid.uuid4().hex}"
    for n, turn in enumerate(turns_of(story), start=1):
        explanation = await explain_message(agent, turn["user"], sender)
        got_intent = explanation["intent"]["name"]
        got_actions = [a["action"] for a in explanation["actions"] if a["action"] not in SKIPPED]
        if turn["intent"] and got_intent != turn["intent"]:
            problems.append(f"message {n}: intent {got_intent}, expected {turn['intent']}")
        if got_actions != turn["actions"]:
            problems.append(f"message {n}: actions {got_actions}, expected {turn['actions']}")
    return problems
