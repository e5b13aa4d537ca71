"""The staff console: a page and a JSON API on the assistant's server, for named staff accounts only.

mount_staff(app) adds the page and these routes (the role each needs; accounts and the audit log are in
staff/auth.py, the clinical review queue in staff/review_routes.py):

  GET  /staff                                         the console, or a set-up page saying what is missing
  GET  /staff/static/<name>                           its scripts and style
  POST /staff/api/explain                     viewer  {"message", "session"?} -> reply, verdict, explanation
  GET  /staff/api/bank?q=...                  viewer  answers: text, sources, review, stale facts
  GET  /staff/api/answers?q=...               viewer  answers a single message can get (the correction picker)
  POST /staff/api/batch                       viewer  {"csv", "filename"?} -> a row per phrasing and the counts
  GET  /staff/api/inbox?outcome=&since=&until=&tag=&unreviewed=&page=   viewer  recent conversations
  GET  /staff/api/conversations/<id>          viewer  every turn with its verdict, tags and review mark
  POST /staff/api/conversations/<id>/turns/<event>/marks        viewer  {"kind": tag|reviewed, "value", "on"}
  POST /staff/api/conversations/<id>/turns/<event>/correction   viewer  {"verdict": right|wrong, "expected",
                                                      "note", "texts": {event: confirmed words}, "context", "confirmed"}
  POST /staff/api/phrasings                   viewer  {"key", "text", "confirmed"}: add to an answer's examples

Explain runs under a sender id starting with "staff-", never mixed with visitors; a batch runs in memory and
stores nothing. Every change is audited (staff/audit.py). No message text is logged.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from typing import Any, Dict, List

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bank.checks import is_stale
from bank.fingerprint import fingerprint
from bank.loader import load_bank
from bank.review import valid_signature
from channels.rest import sender_problem
from staff import accounts, audit, auth, corrections, inbox, review_routes
from staff import batch as batch_table
from staff.auth import body, engine, error, json, require
from staff.explain import explain_message, in_memory
from staff.review_routes import checkout

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
FILES = {
    "staff.js": "text/javascript; charset=utf-8",
    "explain.js": "text/javascript; charset=utf-8",
    "inbox.js": "text/javascript; charset=utf-8",
    "review.js": "text/javascript; charset=utf-8",
    "batch.js": "text/javascript; charset=utf-8",
    "admin.js": "text/javascript; charset=utf-8",
    "staff.css": "text/css; charset=utf-8",
}
STAFF_SENDER_PREFIX = inbox.STAFF_PREFIX
_SESSION = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_MESSAGE_CHARS = 2000
MAX_BATCH_CHARS = 200_000


def bank_entries(query: str = "") -> List[Dict[str, Any]]:
    root = checkout()
    bank = load_bank(root / "data")
    q = query.strip().lower()
    entries = []
    for name, i, variant in bank.variants():
        metadata = variant.get("metadata") or {}
        text = variant.get("text") or ""
        key = name.removeprefix("utter_")
        if q and q not in key.lower() and q not in text.lower():
            continue
        review = metadata.get("review") or {}
        entries.append(
            {
                "key": key,
                "variant": i,
                "condition": variant.get("condition"),
                "file": str(bank.response_files[name].relative_to(root)),
                "text": text,
                "buttons": [b.get("title") for b in variant.get("buttons") or []],
                "sources": metadata.get("sources") or [],
                "review": {k: v for k, v in review.items() if k != "text_sha256"},
                "review_matches_text": review.get("text_sha256") == fingerprint(variant),
                "clinically_signed": valid_signature(variant) is not None,
                "facts_checked_on": str(metadata["facts_checked_on"]) if metadata.get("facts_checked_on") else None,
                "stale": is_stale(metadata.get("facts_checked_on")),
            }
        )
    return entries


def setup_page(reason: str) -> str:
    page = (STATIC / "setup.html").read_text(encoding="utf-8")
    return page.replace("{{REASON}}", html.escape(reason))


def _turn_ids(conversation_id: str, event_id: int, turns: List[Dict[str, Any]], context: Any) -> List[Dict]:
    """The judged turn and up to `context` turns before it (the story needs what came first)."""
    if not isinstance(context, int) or not 0 <= context <= corrections.MAX_CONTEXT:
        raise corrections.CorrectionError(f"`context` must be 0 to {corrections.MAX_CONTEXT} earlier messages.")
    position = next((i for i, t in enumerate(turns) if t["event_id"] == event_id), None)
    if position is None:
        raise LookupError("No such message in that conversation.")
    return turns[max(0, position - context) : position + 1]


def mount_staff(app: Sanic) -> None:
    """Add the staff console to the assistant's Sanic app (before it starts)."""
    auth.mount(app)
    review_routes.mount(app)

    @app.get("/staff", name="staff_page")
    async def page(request: Request) -> HTTPResponse:
        found = engine(request)
        if found is None:
            reason = (
                "The staff console keeps its accounts and audit log in the conversation database, and this server's "
                "tracker store is not a SQL store. Use the SQLite or PostgreSQL tracker store (endpoints.yml)."
            )
            return response.html(setup_page(reason), status=503, headers=auth.headers())
        if not accounts.any_users(found):
            reason = "There are no staff accounts yet."
            return response.html(setup_page(reason), headers=auth.headers())
        return response.html((STATIC / "staff.html").read_text(encoding="utf-8"), headers=auth.headers())

    @app.get("/staff/static/<name:str>", name="staff_static")
    async def static_file(request: Request, name: str) -> HTTPResponse:
        if name not in FILES:
            return error(404, "not_found", "No such file.")
        return await response.file(STATIC / name, mime_type=FILES[name], headers=auth.headers())

    @app.post("/staff/api/explain", name="staff_explain")
    async def explain(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        message, session = data.get("message"), data.get("session") or "console"
        if not isinstance(message, str) or not message.strip() or len(message) > MAX_MESSAGE_CHARS:
            return error(400, "invalid_message", f"`message` must be 1 to {MAX_MESSAGE_CHARS} characters.")
        if not isinstance(session, str) or not _SESSION.match(session):
            return error(400, "invalid_session", "`session`: letters, digits, - and _ only.")
        sender = STAFF_SENDER_PREFIX + session
        try:
            explanation = await explain_message(request.app.ctx.agent, message, sender)
        except Exception:  # never log the message
            logger.exception("Staff explain failed.")
            return error(503, "unavailable", "The assistant could not answer.")
        explanation["conversation_id"] = sender
        return json(explanation)

    @app.get("/staff/api/bank", name="staff_bank")
    async def bank(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        entries = bank_entries(request.args.get("q", "")[:200])
        return json({"count": len(entries), "stale": sum(e["stale"] for e in entries), "entries": entries})

    @app.get("/staff/api/answers", name="staff_answers")
    async def answers(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        return json({"answers": corrections.answer_choices(checkout(), request.args.get("q", "")[:200])})

    @app.post("/staff/api/batch", name="staff_batch")
    async def batch(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        raw, filename = data.get("csv"), data.get("filename") or "upload.csv"
        if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_BATCH_CHARS:
            return error(400, "invalid_batch", f"Send the file's text as `csv` (at most {MAX_BATCH_CHARS} characters).")
        kind = (
            Path(str(filename)).suffix.lower() if str(filename).lower().endswith((".txt", ".yml", ".yaml")) else "csv"
        )
        try:
            rows, extra = batch_table.read_table(raw, kind)
            batch_table.check_size(rows)
        except (batch_table.BatchError, ValueError) as problem:
            return error(400, "invalid_batch", str(problem))
        scratch = in_memory(request.app.ctx.agent)
        results = []
        try:
            for n, row in enumerate(rows):
                e = await explain_message(scratch, row["phrasing"], f"staff-batch-{n}")
                results.append(batch_table.result_row(row, e))
        except Exception:
            logger.exception("Staff batch failed.")
            return error(503, "unavailable", "The assistant could not answer.")
        counts = batch_table.summary(results)
        audit.record(engine(request), user.name, "batch.run", str(filename)[:100], detail={"rows": len(rows)})
        return json(
            {
                "counts": counts,
                "summary": batch_table.summary_lines(counts),
                "columns": batch_table.RESULT_COLUMNS + extra,
                "extra_columns": extra,
                "rows": results,
                "csv": batch_table.to_csv(results, extra),
            }
        )

    @app.get("/staff/api/inbox", name="staff_inbox")
    async def inbox_page(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        args = request.args
        try:
            page_number = int(args.get("page", "1"))
            listing = inbox.list_conversations(
                engine(request),
                outcome=args.get("outcome") or None,
                since=args.get("since") or None,
                until=args.get("until") or None,
                tag=args.get("tag") or None,
                unreviewed=args.get("unreviewed") == "1",
                include_staff=args.get("staff") == "1",
                page=page_number,
            )
        except (inbox.InboxError, ValueError) as problem:
            return error(400, "invalid_filter", str(problem))
        listing["tags"] = inbox.TAGS
        return json(listing)

    def _conversation_id(conversation_id: str) -> str | None:
        return None if sender_problem(conversation_id) else conversation_id

    @app.get("/staff/api/conversations/<conversation_id:str>", name="staff_conversation")
    async def conversation(request: Request, conversation_id: str) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        turns = inbox.conversation(engine(request), conversation_id) if _conversation_id(conversation_id) else None
        if not turns:
            return error(404, "not_found", "No conversation with that id.")
        for turn in turns:
            turn["redaction"] = corrections.suggest_redaction(turn["text"])
            turn.pop("parse", None)
        return json({"conversation_id": conversation_id, "turns": turns, "tags": inbox.TAGS})

    @app.post("/staff/api/conversations/<conversation_id:str>/turns/<event_id:int>/marks", name="staff_marks")
    async def marks(request: Request, conversation_id: str, event_id: int) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        kind, value, on = data.get("kind"), data.get("value") or "", data.get("on")
        if kind not in ("tag", "reviewed") or not isinstance(value, str) or not isinstance(on, bool):
            return error(400, "invalid_mark", '`kind` must be "tag" or "reviewed", `on` true or false.')
        if not _conversation_id(conversation_id):
            return error(404, "not_found", "No conversation with that id.")
        try:
            done = inbox.set_mark(engine(request), conversation_id, event_id, kind, value, on, user.name)
        except inbox.InboxError as problem:
            return error(400, "invalid_mark", str(problem))
        except LookupError as problem:
            return error(404, "not_found", str(problem))
        return json(done)

    @app.post("/staff/api/conversations/<conversation_id:str>/turns/<event_id:int>/correction", name="staff_correction")
    async def correction(request: Request, conversation_id: str, event_id: int) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        if data.get("confirmed") is not True:
            return error(400, "not_confirmed", "Read the words to be saved, remove anything identifying, then confirm.")
        if data.get("verdict") not in ("right", "wrong"):
            return error(400, "invalid_correction", '`verdict` must be "right" or "wrong".')
        texts = data.get("texts")
        if not isinstance(texts, dict):
            return error(400, "invalid_correction", "`texts` must map each message's id to the confirmed words.")
        turns = inbox.conversation(engine(request), conversation_id) if _conversation_id(conversation_id) else None
        if not turns:
            return error(404, "not_found", "No conversation with that id.")
        try:
            chosen = _turn_ids(conversation_id, event_id, turns, data.get("context", 0))
            confirmed = {t["event_id"]: texts.get(str(t["event_id"])) for t in chosen}
            path, story = corrections.save_story(
                checkout(),
                chosen,
                confirmed,
                user.name,
                right=data["verdict"] == "right",
                expected_key=data.get("expected") if isinstance(data.get("expected"), str) else None,
                note=data.get("note") if isinstance(data.get("note"), str) else "",
            )
        except corrections.CorrectionError as problem:
            return error(400, "invalid_correction", str(problem))
        except LookupError as problem:
            return error(404, "not_found", str(problem))
        detail = {"verdict": data["verdict"], "expected": data.get("expected"), "got": chosen[-1]["answer_keys"]}
        target = f"conversation:{conversation_id}#{event_id}"
        audit.record(engine(request), user.name, f"correction.{data['verdict']}", target, detail=detail)
        return json({"saved_to": str(path.relative_to(checkout())), "story": story}, 201)

    @app.post("/staff/api/phrasings", name="staff_phrasing")
    async def phrasing(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        if data.get("confirmed") is not True:
            return error(400, "not_confirmed", "Read the words to be saved, remove anything identifying, then confirm.")
        if not isinstance(data.get("key"), str):
            return error(400, "invalid_phrasing", "Pick the answer these words should get.")
        try:
            path, intent, line = corrections.add_example(checkout(), data["key"], data.get("text"))
        except corrections.CorrectionError as problem:
            return error(400, "invalid_phrasing", str(problem))
        where = f"{path.relative_to(checkout())}:{line}"
        audit.record(engine(request), user.name, "phrasing.add", f"intent:{intent}", detail={"where": where})
        return json({"added_to": where, "intent": intent}, 201)
