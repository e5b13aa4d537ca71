"""The clinical review queue in the staff console.

  GET  /staff/api/review/queue               (viewer) the queue (bank/queue.py) and how many answers are signed
  POST /staff/api/review/sign                (reviewer) {"key", "variant", "fingerprint"}: sign the words read
  POST /staff/api/review/request-changes     (reviewer) {"key", "variant", "fingerprint", "comment"}

A signature carries the name and credential of the signed-in account and is bound to the fingerprint of
the words the reviewer was shown: if they changed meanwhile, the answer is 409 and nothing is written. It is
written into the bank file by bank/review.py (the code `make review` uses), so git shows it and CI checks
it, and recorded in the audit log.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Dict, List

import sqlalchemy as sa
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bank import queue
from bank.loader import ROOT
from bank.review import ReviewError, record_signature, signer_line
from staff import audit, db
from staff.auth import body, engine, error, json, require

MAX_COMMENT = 1000


def checkout() -> Path:
    """The checkout the console reads the bank from and writes changes into (signatures, stories, examples)."""
    return Path(os.environ.get("STAFF_CHECKOUT") or ROOT)


def open_requests(found: sa.engine.Engine) -> List[Dict[str, Any]]:
    with found.connect() as connection:
        rows = connection.execute(sa.select(db.change_requests).order_by(db.change_requests.c.id)).all()
    return [dict(r._mapping) for r in rows]


def _target(data: Dict[str, Any]) -> tuple:
    key, variant, text_fingerprint = data.get("key"), data.get("variant"), data.get("fingerprint")
    if not isinstance(key, str) or not isinstance(variant, int) or not isinstance(text_fingerprint, str):
        raise ReviewError("Send the answer's key, its variant number and the fingerprint of the words you read.")
    if len(text_fingerprint) != 64:
        raise ReviewError("`fingerprint` must be the 64-character fingerprint shown with the words.")
    return key.removeprefix("utter_"), variant, text_fingerprint


def mount(app: Sanic) -> None:
    @app.get("/staff/api/review/queue", name="staff_review_queue")
    async def review_queue(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        items = queue.build(checkout(), open_requests(engine(request)))
        return json({"counts": queue.counts(checkout()), "items": items, "may_sign": user.may("reviewer")})

    @app.post("/staff/api/review/sign", name="staff_review_sign")
    async def sign(request: Request) -> HTTPResponse:
        user = await require(request, "reviewer")
        if isinstance(user, HTTPResponse):
            return user
        try:
            key, variant, text_fingerprint = _target(body(request))
            signer = signer_line(user.full_name, user.credential)
        except ReviewError as problem:
            detail = str(problem)
            if "credential" in detail:
                detail = "Your account has no credential to sign with: ask an admin to add it."
            return error(400, "invalid_request", detail)
        try:
            path, value = record_signature(checkout(), key, variant, text_fingerprint, signer)
        except ReviewError as problem:
            status = 409 if "changed since" in str(problem) or "does not match" in str(problem) else 404
            return error(status, "not_signed", str(problem))
        target = f"answer:utter_{key}#{variant + 1}"
        audit.record(engine(request), user.name, "review.sign", target, text_fingerprint, {"signer": signer})
        return json({"signed": value, "file": str(path.relative_to(checkout()))})

    @app.post("/staff/api/review/request-changes", name="staff_review_changes")
    async def request_changes(request: Request) -> HTTPResponse:
        user = await require(request, "reviewer")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        comment = " ".join(str(data.get("comment") or "").split())
        try:
            key, variant, text_fingerprint = _target(data)
        except ReviewError as problem:
            return error(400, "invalid_request", str(problem))
        if not comment or len(comment) > MAX_COMMENT:
            return error(400, "invalid_request", f"Say what must change (1 to {MAX_COMMENT} characters).")
        current = {(i["key"], i["variant"]): i["fingerprint"] for i in queue.build(checkout())}
        if current.get((key, variant)) != text_fingerprint:
            return error(409, "changed", "These words are no longer in the queue as shown: reload the queue.")
        with engine(request).begin() as connection:
            connection.execute(
                db.change_requests.insert().values(
                    answer=f"utter_{key}",
                    variant=variant,
                    fingerprint=text_fingerprint,
                    comment=comment,
                    by=user.name,
                    at=time.time(),
                )
            )
        target = f"answer:utter_{key}#{variant + 1}"
        audit.record(
            engine(request), user.name, "review.request_changes", target, text_fingerprint, {"comment": comment}
        )
        return json({"requested": True})
