"""The explanation engine: run a message through the agent and say why it got its reply.

One function, `explain_message`, does it for the terminal, the reports and the staff page. It sends the
message the way the REST channel does (channels.rest.AnswerCollector, so replies carry their bank
metadata), then reads that turn's tracker events into a plain dict:

- UserUttered parse data: intent ranking with confidences, entities, the `guardrail` record;
- SlotSet: slots set this turn;
- ActionExecuted: each action, the policy that chose it, its confidence, and the rule that matches;
- BotUttered, with the collected replies: answer key, exact text, sources and review record.

Nothing here logs message text.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache
from typing import Any, Dict, List, Tuple

from bank.checks import is_stale
from bank.loader import load_bank
from bank.review import parse_signature
from staff.verdict import guard_record, verdict

FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = ("utter_fallback", "action_default_fallback")
SKIPPED_ACTIONS = ("action_listen", "action_session_start")
RANKING_SHOWN = 5


@lru_cache(maxsize=1)
def rule_index() -> Tuple[Tuple[str, str | None, Tuple[str, ...]], ...]:
    """(rule name, its intent, the actions that follow it) for every rule under data/."""
    index = []
    for rule in load_bank().rules:
        intent, actions = None, []
        for step in rule.get("steps") or []:
            if "intent" in step and intent is None:
                intent = step["intent"]
            elif "action" in step and intent is not None:
                actions.append(step["action"])
        index.append((str(rule.get("rule", "")), intent, tuple(actions)))
    return tuple(index)


def rule_for(intent: str | None, action: str) -> str | None:
    """The rule that says `intent` is answered with `action` (None when no rule names both)."""
    for name, rule_intent, actions in rule_index():
        if rule_intent == intent and action in actions:
            return name
    for name, rule_intent, actions in rule_index():
        if rule_intent is None and action in actions:
            return name
    return None


def reply_record(message: Dict[str, Any]) -> Dict[str, Any]:
    metadata = message.get("metadata") or {}
    record = {
        "answer_key": answer_key_of(metadata),
        "text": message.get("text") or "",
        "buttons": [b.get("title") for b in message.get("buttons") or []],
        "sources": metadata.get("sources") or [],
        "review": metadata.get("review") or {},
    }
    if metadata.get("facts_checked_on"):
        record["facts_checked_on"] = str(metadata["facts_checked_on"])
        record["stale"] = is_stale(metadata["facts_checked_on"])
    return record


def answer_key_of(metadata: Dict[str, Any]) -> str | None:
    """A reply's answer key (channels.rest.answer_key): the variant's own `answer_key`, else its response name."""
    from channels.rest import answer_key

    return answer_key(metadata.get("utter_action"), metadata)


def flags_for(explanation: Dict[str, Any]) -> List[str]:
    """Short machine-readable flags (batch CSV, filters); the verdict says the same in words."""
    flags = []
    guard = guard_record(explanation.get("guardrail"))
    if guard and guard["outcome"] in ("set_aside", "vetoed"):
        flags.append("guardrail_set_aside" if guard["outcome"] == "set_aside" else "guardrail_vetoed")
    elif guard:
        flags.append(f"guardrail:{guard.get('guard')}/{guard.get('kind')}")
    intent = explanation.get("intent") or {}
    actions = [a["action"] for a in explanation.get("actions") or []]
    if intent.get("name") == FALLBACK_INTENT or any(a in FALLBACK_ACTIONS for a in actions):
        flags.append("fallback")
    if explanation.get("verdict", {}).get("kind") == "low_confidence":
        flags.append("low_confidence")
    if any(r.get("stale") for r in explanation.get("replies") or []):
        flags.append("stale_facts")
    if any(r.get("review", {}).get("status") == "void" for r in explanation.get("replies") or []):
        flags.append("review_void")
    if explanation.get("verdict", {}).get("alarm") == "red":
        flags.append("alarm")
    return flags


def from_events(text: str, events: List[Any], collected: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Read one turn's tracker events (and the collector's replies) into a plain dict."""
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    parse: Dict[str, Any] = {}
    slots: Dict[str, Any] = {}
    actions: List[Dict[str, Any]] = []
    uttered: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            parse = event.parse_data or {}
        elif isinstance(event, SlotSet):
            slots[event.key] = event.value
        elif isinstance(event, ActionExecuted) and event.action_name not in SKIPPED_ACTIONS:
            if not parse:
                continue  # session start and the like, before the message
            intent = (parse.get("intent") or {}).get("name")
            confidence = event.confidence
            actions.append(
                {
                    "action": event.action_name,
                    "policy": event.policy,
                    "confidence": round(float(confidence), 4) if confidence is not None else None,
                    "rule": rule_for(intent, event.action_name),
                }
            )
        elif isinstance(event, BotUttered):
            uttered.append({"text": event.text, "metadata": event.metadata or {}})
    intent = parse.get("intent") or {}
    ranking = [
        {"name": r.get("name"), "confidence": round(float(r.get("confidence") or 0.0), 4)}
        for r in (parse.get("intent_ranking") or [])[:RANKING_SHOWN]
    ]
    entities = [
        {"entity": e.get("entity"), "value": e.get("value"), "extractor": e.get("extractor")}
        for e in parse.get("entities") or []
    ]
    explanation = {
        "message": text,
        "intent": {"name": intent.get("name"), "confidence": round(float(intent.get("confidence") or 0.0), 4)},
        "intent_ranking": ranking,
        "entities": entities,
        "slots": slots,
        "guardrail": parse.get("guardrail"),
        "context": parse.get("context"),
        "actions": actions,
        "replies": [reply_record(m) for m in collected] if collected else [reply_record(u) for u in uttered],
    }
    explanation["answer_keys"] = [r["answer_key"] for r in explanation["replies"]]
    explanation["verdict"] = verdict(parse, explanation["answer_keys"])
    explanation["flags"] = flags_for(explanation)
    return explanation


async def explain_message(
    agent: Any, text: str, sender: str, metadata: Dict[str, Any] | None = None, input_channel: str = "rest"
) -> Dict[str, Any]:
    """Send `text` as `sender` through `agent` and explain the turn (the conversation carries on)."""
    from rasa.core.channels.channel import UserMessage

    from channels.rest import AnswerCollector, clean_text

    text = clean_text(text)
    before = await agent.tracker_store.retrieve(sender)
    start = len(before.events) if before is not None else 0
    collector = AnswerCollector()
    await agent.handle_message(UserMessage(text, collector, sender, input_channel=input_channel, metadata=metadata))
    tracker = await agent.tracker_store.retrieve(sender)
    events = list(tracker.events)[start:] if tracker is not None else []
    explanation = from_events(text, events, collector.messages)
    slots_now = tracker.current_slot_values() if tracker is not None else {}
    explanation["slots_now"] = {k: v for k, v in slots_now.items() if v is not None}
    return explanation


async def explain_conversation(agent: Any, messages: List[str], sender: str) -> List[Dict[str, Any]]:
    return [await explain_message(agent, m, sender) for m in messages]


def in_memory(agent: Any) -> Any:
    """The same loaded model with its own in-memory conversation store: batch runs leave nothing stored."""
    import copy

    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import InMemoryTrackerStore

    clone = copy.copy(agent)
    clone.tracker_store = InMemoryTrackerStore(agent.domain)
    clone.lock_store = InMemoryLockStore()
    clone.processor = copy.copy(agent.processor)
    clone.processor.tracker_store = clone.tracker_store
    clone.processor.lock_store = clone.lock_store
    return clone


def load_agent(model: str) -> Any:
    """An in-process agent with an in-memory tracker store (nothing is written to var/)."""
    from scripts.quiet import quiet_rasa

    quiet_rasa()
    from rasa.core.agent import Agent

    from server.speedups import install

    install()  # the speed levers the server uses
    return Agent.load(model)


def review_line(review: Dict[str, Any]) -> str:
    """A reply's review in words: who checked it against its sources, and the clinical sign-off."""
    if not review:
        return "none"
    if review.get("status") == "void":
        return "VOID: the text does not match its review"
    signed = parse_signature(review.get("clinical_review"))
    clinical = f"signed by {signed.signer} on {signed.date}" if signed else "pending"
    return f"{review.get('checked_by')}, {review.get('checked_on')}; clinical review {clinical}"


def format_text(explanation: Dict[str, Any]) -> str:
    """The explanation as a plain-text block for the terminal."""
    e = explanation
    lines = [f"Message: {e['message']}"]
    v = e.get("verdict") or {}
    if v.get("banner"):
        lines.append(f"  !! {v['alarm'].upper()}: {v['banner']}")
    lines.append(f"  Verdict: {v.get('text', '')}")
    lines.append("  Details:")
    lines.append(f"  Intent: {e['intent']['name']} ({e['intent']['confidence']:.3f})")
    lines.append("  Ranking: " + ", ".join(f"{r['name']} {r['confidence']:.3f}" for r in e["intent_ranking"]))
    ents = ", ".join(f"{x['entity']}={x['value']} ({x['extractor']})" for x in e["entities"]) or "none"
    lines.append(f"  Entities: {ents}")
    slots = ", ".join(f"{k}={v}" for k, v in e["slots"].items()) or "none set this turn"
    lines.append(f"  Slots: {slots}")
    guard = e.get("guardrail")
    if guard:
        detail = ", ".join(f"{k}={guard[k]}" for k in sorted(guard) if guard[k] is not None)
        lines.append(f"  Guardrail: {detail}")
    else:
        lines.append("  Guardrail: none fired")
    for a in e["actions"]:
        conf = f"{a['confidence']:.3f}" if a["confidence"] is not None else "-"
        rule = f', rule "{a["rule"]}"' if a["rule"] else ""
        lines.append(f"  Action: {a['action']} by {a['policy']} ({conf}){rule}")
    for r in e["replies"]:
        lines.append(f"  Reply [{r['answer_key']}]:")
        lines.append(textwrap.indent(r["text"], "    "))
        for b in r["buttons"]:
            lines.append(f"    (button) {b}")
        for s in r["sources"]:
            lines.append(
                f"    Source: {s.get('title')}, {s.get('publisher')}, {s.get('year')} <{s.get('url')}>".replace(
                    ", None", ""
                )
            )
        lines.append(f"    Review: {review_line(r['review'])}")
        if r.get("facts_checked_on"):
            lines.append(f"    Facts checked on: {r['facts_checked_on']}{' (STALE)' if r.get('stale') else ''}")
    lines.append(f"  Flags: {', '.join(e['flags']) or 'none'}")
    return "\n".join(lines)
