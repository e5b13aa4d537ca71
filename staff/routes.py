"""The staff console's routes: a page and a small JSON API, closed without the staff token.

mount_staff(app) adds:
  GET  /staff                                          the page (static shell; data comes from the API)
  GET  /staff/static/<name>                            its script and style
  POST /staff/api/explain                              {"message", "session"?} -> reply + explanation
  GET  /staff/api/bank?q=...                           answers: text, sources, review, stale facts
  GET  /staff/api/conversations/<id>                   a stored conversation, turn by turn
  POST /staff/api/conversations/<id>/regression-test   append it as a story to tests/test_stories_saved.yml

Every route needs `Authorization: Bearer <STAFF_TOKEN>` (STAFF_TOKEN from the environment, compared with
hmac.compare_digest); when STAFF_TOKEN is unset every route, the page included, answers 401. The page
itself holds no data: it asks for the token (kept in sessionStorage) and sends it with each API call,
so GET /staff is served to any browser only while a token is configured. Explain runs under a sender id
starting with "staff-", never mixed with visitors. No message text is logged.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
from pathlib import Path
from typing import Any, Dict, List

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bank.fingerprint import fingerprint
from bank.loader import ROOT, load_bank
from channels.rest import answer_key, sender_problem
from staff import stories
from staff.explain import explain_message, is_stale
from webchat.routes import security_headers

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
FILES = {"staff.js": "text/javascript; charset=utf-8", "staff.css": "text/css; charset=utf-8"}
STAFF_SENDER_PREFIX = "staff-"
SAVED_STORIES = ROOT / "tests" / "test_stories_saved.yml"
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_MESSAGE_CHARS = 2000


def saved_stories_path() -> Path:
    return Path(os.environ.get("STAFF_SAVED_STORIES") or SAVED_STORIES)


def headers() -> Dict[str, str]:
    return {**security_headers(False), "Cache-Control": "no-store"}


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=headers())


def authorized(request: Request) -> bool:
    token = os.environ.get("STAFF_TOKEN", "")
    if not token:
        return False
    given = request.headers.get("authorization", "")
    if not given.startswith("Bearer "):
        return False
    return hmac.compare_digest(given[len("Bearer ") :].strip().encode(), token.encode())


def _unauthorized() -> HTTPResponse:
    return response.json(
        {"error": "unauthorized", "detail": "A valid staff token is required."},
        status=401,
        headers={**headers(), "WWW-Authenticate": 'Bearer realm="staff"'},
    )


def bank_entries(query: str = "") -> List[Dict[str, Any]]:
    bank = load_bank()
    q = query.strip().lower()
    entries = []
    for name, i, variant in bank.variants():
        metadata = variant.get("metadata") or {}
        text = variant.get("text") or ""
        key = name[len("utter_") :] if name.startswith("utter_") else name
        if q and q not in key.lower() and q not in text.lower():
            continue
        review = metadata.get("review") or {}
        entries.append(
            {
                "key": key,
                "variant": i,
                "condition": variant.get("condition"),
                "file": str(bank.response_files[name].relative_to(ROOT)),
                "text": text,
                "buttons": [b.get("title") for b in variant.get("buttons") or []],
                "sources": metadata.get("sources") or [],
                "review": {k: v for k, v in review.items() if k != "text_sha256"},
                "review_matches_text": review.get("text_sha256") == fingerprint(variant),
                "facts_checked_on": str(metadata["facts_checked_on"]) if metadata.get("facts_checked_on") else None,
                "stale": is_stale(metadata.get("facts_checked_on")),
            }
        )
    return entries


def conversation_turns(events: List[Any]) -> List[Dict[str, Any]]:
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered

    turns: List[Dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            parse = event.parse_data or {}
            turns.append(
                {
                    "user": event.text,
                    "intent": (event.intent or {}).get("name"),
                    "confidence": (event.intent or {}).get("confidence"),
                    "guardrail": parse.get("guardrail"),
                    "actions": [],
                    "replies": [],
                    "time": event.timestamp,
                }
            )
        elif not turns:
            continue
        elif isinstance(event, ActionExecuted) and event.action_name not in stories.SKIPPED:
            turns[-1]["actions"].append({"action": event.action_name, "policy": event.policy})
        elif isinstance(event, BotUttered):
            meta = event.metadata or {}
            key = answer_key(meta.get("utter_action"), meta.get("metadata")) or ""
            turns[-1]["replies"].append({"answer_key": key, "text": event.text})
    return turns


def mount_staff(app: Sanic) -> None:
    """Add the staff console to the assistant's Sanic app (before it starts)."""

    @app.get("/staff", name="staff_page")
    async def page(request: Request) -> HTTPResponse:
        if not os.environ.get("STAFF_TOKEN"):
            return _unauthorized()
        return response.html((STATIC / "staff.html").read_text(encoding="utf-8"), headers=headers())

    @app.get("/staff/static/<name:str>", name="staff_static")
    async def static_file(request: Request, name: str) -> HTTPResponse:
        if not os.environ.get("STAFF_TOKEN"):
            return _unauthorized()
        if name not in FILES:
            return _json({"error": "not_found", "detail": "No such file."}, 404)
        return await response.file(STATIC / name, mime_type=FILES[name], headers=headers())

    @app.post("/staff/api/explain", name="staff_explain")
    async def explain(request: Request) -> HTTPResponse:
        if not authorized(request):
            return _unauthorized()
        body = request.json if isinstance(request.json, dict) else {}
        message = body.get("message")
        session = body.get("session") or "console"
        if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_CHARS:
            return _json({"error": "invalid_message", "detail": "`message` must be 1 to 2000 characters."}, 400)
        if not isinstance(session, str) or not _SESSION.match(session):
            return _json({"error": "invalid_session", "detail": "`session`: letters, digits, - and _ only."}, 400)
        sender = STAFF_SENDER_PREFIX + session
        try:
            explanation = await explain_message(request.app.ctx.agent, message, sender)
        except Exception:  # never log the message
            logger.exception("Staff explain failed.")
            return _json({"error": "unavailable", "detail": "The assistant could not answer."}, 503)
        explanation["conversation_id"] = sender
        return _json(explanation)

    @app.get("/staff/api/bank", name="staff_bank")
    async def bank(request: Request) -> HTTPResponse:
        if not authorized(request):
            return _unauthorized()
        entries = bank_entries(request.args.get("q", ""))
        return _json({"count": len(entries), "stale": sum(e["stale"] for e in entries), "entries": entries})

    def _no_conversation() -> HTTPResponse:
        return _json({"error": "not_found", "detail": "No conversation with that id."}, 404)

    async def _tracker(request: Request, conversation_id: str):
        if sender_problem(conversation_id):  # a 404, never a lookup that could upset the store
            return None
        tracker = await request.app.ctx.agent.tracker_store.retrieve(conversation_id)
        if tracker is None or not any(True for _ in tracker.events):
            return None
        return tracker

    @app.get("/staff/api/conversations/<conversation_id:str>", name="staff_conversation")
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        if not authorized(request):
            return _unauthorized()
        tracker = await _tracker(request, conversation_id)
        if tracker is None:
            return _no_conversation()
        turns = conversation_turns(list(tracker.events))
        return _json({"conversation_id": conversation_id, "slots": tracker.current_slot_values(), "turns": turns})

    @app.post("/staff/api/conversations/<conversation_id:str>/regression-test", name="staff_regression_test")
    async def regression_test(request: Request, conversation_id: str) -> HTTPResponse:
        if not authorized(request):
            return _unauthorized()
        tracker = await _tracker(request, conversation_id)
        if tracker is None:
            return _no_conversation()
        steps = stories.story_steps(list(tracker.events))
        if not steps:
            return _json({"error": "empty", "detail": "The conversation has no messages."}, 400)
        body = request.json if isinstance(request.json, dict) else {}
        label = body.get("label") if isinstance(body.get("label"), str) else None
        label = re.sub(r"[^\w .,-]", "", label or "")[:80] or None
        path = saved_stories_path()
        story = stories.append_story(path, stories.story_name(label), steps)
        shown = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
        return _json({"saved_to": shown, "story": story, "turns": sum(1 for s in steps if "user" in s)})
