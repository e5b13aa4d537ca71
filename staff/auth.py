"""Staff accounts over HTTP: sign in and out, who am I, account management (admin) and the audit log (admin).

  POST /staff/api/login                     {"name", "secret"} -> {"token", "user"}; 401 wrong, 429 too many tries
  POST /staff/api/logout
  GET  /staff/api/me
  GET  /staff/api/accounts                  (admin)
  POST /staff/api/accounts                  (admin) {"name", "role", "full_name", "credential"} -> one-time secret
  POST /staff/api/accounts/<name>/active    (admin) {"active": bool}; deactivating ends its sessions at once
  POST /staff/api/accounts/<name>/secret    (admin) a new one-time secret
  GET  /staff/api/audit?last=100            (admin)

`require(request, role)` is what every other staff route calls first: it answers 401 without a valid session
of an active account, 403 when the account's role is below `role`.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any, Dict

import sqlalchemy as sa
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from server.security import RateLimiter
from staff import accounts, audit, db
from staff.accounts import AccountError, StaffUser
from webchat.routes import security_headers

# Tries at signing in: per account name and per client address (token buckets, in memory per replica).
NAME_TRIES = (5, 3)  # burst, then per minute
ADDRESS_TRIES = (20, 10)


def headers() -> Dict[str, str]:
    return {**security_headers(False), "Cache-Control": "no-store"}


def json(body: Any, status: int = 200, extra: Dict[str, str] | None = None) -> HTTPResponse:
    return response.json(body, status=status, headers={**headers(), **(extra or {})})


def error(status: int, code: str, detail: str, extra: Dict[str, str] | None = None) -> HTTPResponse:
    return json({"error": code, "detail": detail}, status, extra)


def unauthorized(detail: str = "Sign in with your staff name and secret.") -> HTTPResponse:
    return error(401, "unauthorized", detail, {"WWW-Authenticate": 'Bearer realm="staff"'})


def engine(request: Request) -> sa.engine.Engine | None:
    """The staff tables' database: the tracker store's own (created on first use), None without a SQL store."""
    app = request.app
    cached = getattr(app.ctx, "staff_engine", None)
    if cached is not None:
        return cached
    agent = getattr(app.ctx, "agent", None)
    found = db.store_engine(getattr(agent, "tracker_store", None)) if agent is not None else None
    if found is not None:
        db.create_tables(found)
        app.ctx.staff_engine = found
    return found


def bearer(request: Request) -> str:
    given = request.headers.get("authorization", "")
    return given[len("Bearer ") :].strip() if given.startswith("Bearer ") else ""


async def require(request: Request, role: str) -> StaffUser | HTTPResponse:
    found = engine(request)
    if found is None:
        return error(503, "not_configured", "The staff console needs the SQL tracker store (see /staff).")
    user = accounts.session_user(found, bearer(request))
    if user is None:
        return unauthorized()
    if not user.may(role):
        return error(403, "forbidden", f"This needs the {role} role; your account is a {user.role}.")
    return user


def body(request: Request) -> Dict[str, Any]:
    try:
        parsed = request.json
    except Exception:  # a body that is not JSON: treated as empty, each route then answers 400
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _too_many(wait: float) -> HTTPResponse:
    seconds = max(1, math.ceil(wait))
    return error(429, "too_many_tries", f"Too many sign-in tries. Wait {seconds} s.", {"Retry-After": str(seconds)})


def mount(app: Sanic) -> None:
    app.ctx.staff_login_names = RateLimiter(NAME_TRIES[1], NAME_TRIES[0])
    app.ctx.staff_login_addresses = RateLimiter(ADDRESS_TRIES[1], ADDRESS_TRIES[0])

    @app.post("/staff/api/login", name="staff_login")
    async def login(request: Request) -> HTTPResponse:
        found = engine(request)
        if found is None:
            return error(503, "not_configured", "The staff console needs the SQL tracker store (see /staff).")
        data = body(request)
        name, secret = data.get("name"), data.get("secret")
        if not isinstance(name, str) or not isinstance(secret, str) or not name.strip() or len(secret) > 200:
            return error(400, "invalid_login", "Send your staff name and secret.")
        name = name.strip().lower()[:64]
        for limiter, key in (
            (app.ctx.staff_login_addresses, request.remote_addr or request.ip),
            (app.ctx.staff_login_names, name),
        ):
            wait = limiter.take(key)
            if wait:
                return _too_many(wait)
        # scrypt takes ~50 ms of CPU: off the event loop, so visitors' messages do not wait for it
        user = await asyncio.get_running_loop().run_in_executor(None, accounts.check_secret, found, name, secret)
        if user is None:
            audit.record(found, f"unknown:{name}", "login.refused", f"account:{name}")
            return unauthorized("That name and secret do not match an active staff account.")
        token = accounts.start_session(found, user)
        audit.record(found, user.name, "login", f"account:{user.name}")
        return json({"token": token, "user": user.public()})

    @app.post("/staff/api/logout", name="staff_logout")
    async def logout(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        if isinstance(user, HTTPResponse):
            return user
        accounts.end_session(engine(request), bearer(request))
        audit.record(engine(request), user.name, "logout", f"account:{user.name}")
        return json({"signed_out": True})

    @app.get("/staff/api/me", name="staff_me")
    async def me(request: Request) -> HTTPResponse:
        user = await require(request, "viewer")
        return user if isinstance(user, HTTPResponse) else json({"user": user.public()})

    @app.get("/staff/api/accounts", name="staff_accounts")
    async def list_accounts(request: Request) -> HTTPResponse:
        user = await require(request, "admin")
        if isinstance(user, HTTPResponse):
            return user
        return json({"accounts": [u.public() for u in accounts.all_users(engine(request))], "roles": accounts.ROLES})

    @app.post("/staff/api/accounts", name="staff_account_create")
    async def create_account(request: Request) -> HTTPResponse:
        user = await require(request, "admin")
        if isinstance(user, HTTPResponse):
            return user
        data = body(request)
        fields = [data.get(k, "") for k in ("name", "role", "full_name", "credential")]
        if not all(isinstance(f, str) for f in fields):
            return error(400, "invalid_account", "name, role, full_name and credential must be text.")
        try:
            secret = accounts.create(engine(request), *fields, actor=user.name)
        except AccountError as problem:
            return error(400, "invalid_account", str(problem))
        created = accounts.find(engine(request), fields[0].strip().lower())
        return json({"account": created.public() if created else None, "secret": secret}, 201)

    @app.post("/staff/api/accounts/<name:str>/active", name="staff_account_active")
    async def set_active(request: Request, name: str) -> HTTPResponse:
        user = await require(request, "admin")
        if isinstance(user, HTTPResponse):
            return user
        active = body(request).get("active")
        if not isinstance(active, bool):
            return error(400, "invalid_request", "`active` must be true or false.")
        if not active and name == user.name:
            return error(400, "invalid_request", "You cannot deactivate your own account.")
        try:
            changed = accounts.set_active(engine(request), name, active, actor=user.name)
        except AccountError as problem:
            return error(404, "not_found", str(problem))
        return json({"account": changed.public()})

    @app.post("/staff/api/accounts/<name:str>/secret", name="staff_account_secret")
    async def new_secret(request: Request, name: str) -> HTTPResponse:
        user = await require(request, "admin")
        if isinstance(user, HTTPResponse):
            return user
        try:
            secret = accounts.new_secret(engine(request), name, actor=user.name)
        except AccountError as problem:
            return error(404, "not_found", str(problem))
        return json({"name": name, "secret": secret})

    @app.get("/staff/api/audit", name="staff_audit")
    async def audit_log(request: Request) -> HTTPResponse:
        user = await require(request, "admin")
        if isinstance(user, HTTPResponse):
            return user
        try:
            last = int(request.args.get("last", "100"))
        except ValueError:
            return error(400, "invalid_request", "`last` must be a whole number.")
        return json({"entries": audit.entries(engine(request), last), "problems": audit.verify(engine(request))})
