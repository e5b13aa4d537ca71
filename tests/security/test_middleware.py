"""server/security.py and server/settings.py in-process: the limiter's arithmetic and memory bound, which
address counts, the settings' checks, and the middleware's cost per request (printed; must stay < 0.2 ms)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from types import SimpleNamespace

import pytest
from sanic import Sanic
from sanic.compat import Header
from sanic.request import Request
from sanic.response import HTTPResponse

from bench.client import WEBHOOK
from server.security import RateLimiter, install_security
from server.settings import SETTINGS, SettingError, Settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_the_burst_then_the_rate():
    clock = Clock()
    limiter = RateLimiter(per_minute=6, burst=3, clock=clock)
    assert [limiter.take("v") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("v") == pytest.approx(10.0)  # one token every 10 s
    clock.now += 4
    assert limiter.take("v") == pytest.approx(6.0)
    clock.now += 6
    assert limiter.take("v") == 0.0
    assert limiter.take("w") == 0.0, "each key has its own bucket"


def test_refused_requests_do_not_earn_tokens():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock)
    assert limiter.take("v") == 0.0
    for _ in range(100):
        assert limiter.take("v") > 0
    clock.now += 1
    assert limiter.take("v") == 0.0


def test_idle_buckets_are_dropped_so_memory_stays_bounded():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=10, clock=clock)  # a bucket is full again after 10 s
    for i in range(1000):
        limiter.take(f"visitor-{i}")
    assert len(limiter.buckets) == 1000
    clock.now += 11
    limiter.take("late")
    assert list(limiter.buckets) == ["late"]


def test_a_flood_of_new_keys_never_holds_more_than_max_keys():
    limiter = RateLimiter(per_minute=1, burst=1, max_keys=500, clock=Clock())
    for _ in range(20_000):
        assert limiter.take(uuid.uuid4().hex) == 0.0
    assert len(limiter.buckets) <= 500


@pytest.fixture()
def make_app(monkeypatch):
    monkeypatch.setattr(Sanic, "test_mode", True)

    def make(env):
        app = Sanic(f"security_{uuid.uuid4().hex[:8]}")
        install_security(app, Settings.from_env(env))
        return app

    return make


def webhook_request(app, sender="v", ip="192.0.2.1", headers=None, body=None):
    body = body if body is not None else json.dumps({"sender": sender, "message": "what is ptsd"}).encode()
    request = Request(WEBHOOK.encode(), Header(headers or {}), "1.1", "POST", None, app)
    request.conn_info = SimpleNamespace(client_ip=ip)
    request.body = body
    return request


def statuses(app, requests):
    guard = app.request_middleware[0]

    async def run():
        return [getattr(await guard(r), "status", 200) for r in requests]

    return asyncio.run(run())


def test_forwarded_addresses_are_ignored_unless_a_proxy_is_trusted(make_app):
    env = {"RATE_LIMIT_PER_MINUTE": "100", "RATE_LIMIT_BURST": "100", "RATE_LIMIT_IP_BURST": "2"}
    app = make_app(env)
    forged = [webhook_request(app, uuid.uuid4().hex, headers={"x-forwarded-for": f"10.0.0.{i}"}) for i in range(3)]
    assert statuses(app, forged) == [200, 200, 429], "X-Forwarded-For must not pick the bucket by default"
    app = make_app({**env, "TRUSTED_PROXIES": "1"})
    proxied = [webhook_request(app, uuid.uuid4().hex, headers={"x-forwarded-for": f"10.0.0.{i}"}) for i in range(3)]
    assert statuses(app, proxied) == [200, 200, 200]


def test_zero_turns_the_rate_limit_off(make_app):
    app = make_app({"RATE_LIMIT_PER_MINUTE": "0"})
    assert set(statuses(app, [webhook_request(app) for _ in range(500)])) == {200}
    assert app.ctx.rate_limiters == {}


def test_a_body_without_a_sender_is_limited_by_address_only(make_app):
    app = make_app({"RATE_LIMIT_BURST": "1", "RATE_LIMIT_IP_BURST": "3"})
    assert statuses(app, [webhook_request(app, body=b"not json") for _ in range(4)]) == [200, 200, 200, 429]


def test_the_defaults_parse_and_bad_values_name_their_variable():
    defaults = Settings.from_env({})
    assert defaults.allowed_origins == () and defaults.retention_days == 30 and defaults.rate_limit_per_minute > 0
    assert {s.name for s in SETTINGS} == {name.upper() for name in Settings.__dataclass_fields__}
    for name, value in [
        ("RATE_LIMIT_PER_MINUTE", "-1"),
        ("RATE_LIMIT_BURST", "lots"),
        ("RETENTION_DAYS", "0"),
        ("MAX_BODY_BYTES", "10"),
        ("ALLOWED_ORIGINS", "*"),
        ("ALLOWED_ORIGINS", "https://clinic.example/path"),
    ]:
        with pytest.raises(SettingError, match=name):
            Settings.from_env({name: value})
    origins = Settings.from_env({"ALLOWED_ORIGINS": "https://a.example, http://localhost:8080/"}).allowed_origins
    assert origins == ("https://a.example", "http://localhost:8080")


def test_the_middleware_costs_well_under_a_fifth_of_a_millisecond(make_app):
    """Request guard (two buckets, sender read from the body) plus response headers, per chat request."""
    app = make_app({"RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_PER_IP_PER_MINUTE": "1000000"})
    guard, headers = app.request_middleware[0], app.response_middleware[0]
    n = 5000

    async def run() -> float:
        requests = [webhook_request(app, f"web-{i % 500:032x}", ip=f"10.0.{i % 250}.1") for i in range(n)]
        replies = [HTTPResponse(b"[]", content_type="application/json") for _ in range(n)]
        started = time.perf_counter()
        for request, reply in zip(requests, replies):
            assert await guard(request) is None
            await headers(request, reply)
        elapsed = time.perf_counter() - started
        assert replies[-1].headers["x-content-type-options"] == "nosniff"
        return elapsed

    per_request_ms = min(asyncio.run(run()) for _ in range(3)) / n * 1000
    print(f"\nsecurity middleware: {per_request_ms * 1000:.1f} us per chat request")
    assert per_request_ms < 0.2
