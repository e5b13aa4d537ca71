"""The public server's guard: per-visitor rate limit, CORS, security headers, body limit and clean JSON errors.

install_security(app, settings) is called once by server/app.py's build_app. It adds one request and one
response middleware, both O(1) per request:
- POST /webhooks/rest/webhook is rate-limited by client address and by sender id (token buckets; idle
  buckets are dropped, so memory stays bounded): over the limit the answer is 429 with Retry-After and
  a JSON body the web chat shows, except that crisis language is never held back by the sender limit;
- CORS is granted only to ALLOWED_ORIGINS (none by default): Rasa always installs Sanic-Cors with no
  origins but credentials on and a 200 for any OPTIONS, so it is made inert and CORS is decided here;
- every response gets nosniff, no-referrer, a Permissions-Policy and a Content-Security-Policy
  (routes that set their own, such as the chat page, keep theirs);
- Sanic refuses a body over MAX_BODY_BYTES with 413 before reading it, and every Sanic error (404, 405,
  413, ...) is a JSON body {"error", "detail"} like the chat endpoint's own.
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from typing import Callable, Dict, List, Tuple

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.rest import MAX_MESSAGE_CHARS, clean_text
from guardrails import crisis
from server.settings import Settings
from webchat.routes import security_headers

WEBHOOK = "/webhooks/rest/webhook"
MAX_BUCKETS = 100_000  # per limiter, a backstop (~30 MB): idle buckets go long before, at any rate the model serves
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PREFLIGHT_MAX_AGE = "600"
RATE_LIMITED_DETAIL = "You are sending messages faster than the assistant can answer. Please wait {seconds} s."
_ERRORS = {  # fixed texts: an error never echoes the request back
    400: ("bad_request", "The request could not be read."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not take that method."),
    413: ("body_too_large", "The request is too large."),
}


class RateLimiter:
    """Token buckets: `burst` requests at once, refilled at `per_minute` a minute, one bucket per key.

    Buckets are kept in last-use order, so the idle ones (full again, the same as absent) are dropped
    from the front: each call does O(1) amortised work and memory holds only recently active keys.
    """

    def __init__(
        self, per_minute: int, burst: int, max_keys: int = MAX_BUCKETS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = per_minute / 60.0  # tokens a second
        self.burst = float(burst)
        self.refill_seconds = self.burst / self.rate  # an untouched bucket is full again after this
        self.max_keys = max_keys
        self.clock = clock
        self.buckets: OrderedDict[str, Tuple[float, float]] = OrderedDict()  # key -> (tokens, last use)

    def take(self, key: str) -> float:
        """Spend one token for `key`: 0.0 if allowed, else the seconds until a token is back."""
        now = self.clock()
        self._evict(now)
        bucket = self.buckets.pop(key, None)
        tokens = self.burst if bucket is None else min(self.burst, bucket[0] + (now - bucket[1]) * self.rate)
        allowed = tokens >= 1.0
        self.buckets[key] = (tokens - 1.0 if allowed else tokens, now)  # (re)inserted last: newest use
        return 0.0 if allowed else (1.0 - tokens) / self.rate

    def _evict(self, now: float) -> None:
        buckets = self.buckets
        while buckets:
            key, (_, last) = next(iter(buckets.items()))
            if now - last < self.refill_seconds and len(buckets) < self.max_keys:
                return
            del buckets[key]


def _webhook_fields(body: bytes) -> Tuple[str | None, str | None]:
    """(sender, message) of a webhook body, each None unless a string (a bad body is the channel's to refuse)."""
    try:
        parsed = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested thousands deep
        return None, None
    if not isinstance(parsed, dict):
        return None, None
    sender, message = parsed.get("sender"), parsed.get("message")
    return (sender.strip() if isinstance(sender, str) else None, message if isinstance(message, str) else None)


def _is_crisis_language(message: str | None) -> bool:
    """True when the deterministic crisis lexicon finds crisis language (not a hard negative) in `message`."""
    if not message:
        return False
    verdict = crisis.assess(clean_text(message[:MAX_MESSAGE_CHARS]))
    return verdict is not None and not verdict.vetoed


def _rate_limited(wait: float, extra_headers: Dict[str, str]) -> HTTPResponse:
    seconds = max(1, math.ceil(wait))
    return response.json(
        {"error": "rate_limited", "detail": RATE_LIMITED_DETAIL.format(seconds=seconds), "retry_after": seconds},
        status=429,
        headers={"Retry-After": str(seconds), **extra_headers},
    )


def _json_error(request: Request, exception: SanicException) -> HTTPResponse:
    status = getattr(exception, "status_code", None) or 500
    code, detail = _ERRORS.get(status, (f"http_{status}", "The request could not be handled."))
    return response.json({"error": code, "detail": detail}, status=status)


def _disable_rasa_cors(app: Sanic) -> None:
    """Rasa's configure_app always installs Sanic-Cors; leave it nothing to match and restore the error handler."""
    context = getattr(app.ctx, "sanic_cors", None)
    if context is not None:
        context.resources = []
    original = getattr(app.error_handler, "orig_handler", None)
    if original is not None:
        app.error_handler = original


def install_security(app: Sanic, settings: Settings) -> None:
    app.config.REQUEST_MAX_SIZE = settings.max_body_bytes
    if settings.trusted_proxies:
        app.config.PROXIES_COUNT = settings.trusted_proxies  # Sanic then reads X-Forwarded-For for remote_addr
    _disable_rasa_cors(app)
    app.error_handler.add(SanicException, _json_error)

    limiters: List[Tuple[str, RateLimiter]] = []
    if settings.rate_limit_per_minute:
        if settings.rate_limit_per_ip_per_minute:
            limiters.append(("ip", RateLimiter(settings.rate_limit_per_ip_per_minute, settings.rate_limit_ip_burst)))
        limiters.append(("sender", RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)))
    app.ctx.rate_limiters = dict(limiters)

    allowed = frozenset(settings.allowed_origins)
    defaults = {**security_headers(False), "Content-Security-Policy": API_CSP}
    del defaults["Cache-Control"]  # each route decides its own caching
    default_items = tuple(defaults.items())

    def cors_headers(request: Request) -> Dict[str, str]:
        origin = request.headers.get("origin")
        if origin in allowed:
            return {
                "Access-Control-Allow-Origin": origin,
                "Vary": "Origin",
                "Access-Control-Expose-Headers": "Retry-After",
            }
        return {}

    @app.middleware("request")
    async def guard(request: Request) -> HTTPResponse | None:
        method = request.method
        if method == "OPTIONS" and "access-control-request-method" in request.headers:
            granted = cors_headers(request)
            if not granted:
                return response.json(
                    {"error": "origin_not_allowed", "detail": "This origin may not call the assistant."}, status=403
                )
            granted.update(
                {
                    "Access-Control-Allow-Methods": "GET, POST",
                    "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                }
            )
            return response.empty(headers=granted)
        if method != "POST" or request.path != WEBHOOK or not limiters:
            return None
        message = None
        for kind, limiter in limiters:
            if kind == "ip":
                key = request.remote_addr or request.ip
            else:
                key, message = _webhook_fields(request.body)
                if not key:
                    continue
            wait = limiter.take(key)
            # Crisis language always gets its answer: a visitor in crisis typing fast is not held back
            # by their own limit (checked only when over it). The per-address limit still applies.
            if wait and not (kind == "sender" and _is_crisis_language(message)):
                return _rate_limited(wait, cors_headers(request))
        return None

    @app.middleware("response")
    async def headers(request: Request, reply: HTTPResponse) -> None:
        out = reply.headers
        for name, value in default_items:
            if name not in out:
                out[name] = value
        if allowed and "Access-Control-Allow-Origin" not in out:
            out.update(cors_headers(request))
