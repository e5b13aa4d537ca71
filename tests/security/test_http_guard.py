"""The public surface of the real server: routes, rate limit, CORS, security headers and the body limit."""

from __future__ import annotations

import json
import socket
import time
import uuid

import pytest
from sanic import Sanic

from bench.client import WEBHOOK
from server.security import API_CSP
from tests.conftest import ROOT, ensure_model
from tests.security.conftest import ALLOWED_ORIGIN, LIMITED_ENV, post_json, request

# Every route the built app may have, and why it is public. A new route fails the test until it is listed.
ALLOWED_ROUTES = {
    ("/", "GET"): "Rasa's root route; the web chat page is served there instead (webchat/routes.py)",
    ("/webhooks/rest", "GET"): "health check of the chat channel",
    ("/webhooks/rest/webhook", "POST"): "the chat channel",
    ("/webchat/config.json", "GET"): "the web chat's region list",
    ("/about", "GET"): "the assistant's about page (cited by its answers about itself)",
    ("/privacy", "GET"): "the assistant's privacy page (cited by its privacy answer)",
    ("/webchat/<name:str>", "GET"): "the web chat's files (an allow-list of names)",
    ("/staff", "GET"): "staff console page (no data; a set-up page until an account exists)",
    ("/staff/static/<name:str>", "GET"): "staff console files (an allow-list of names)",
    ("/staff/api/login", "POST"): "staff sign-in: name and secret, rate-limited",
    ("/staff/api/logout", "POST"): "staff console, session",
    ("/staff/api/me", "GET"): "staff console, session",
    ("/staff/api/accounts", "GET"): "staff console, admin session",
    ("/staff/api/accounts", "POST"): "staff console, admin session",
    ("/staff/api/accounts/<name:str>/active", "POST"): "staff console, admin session",
    ("/staff/api/accounts/<name:str>/secret", "POST"): "staff console, admin session",
    ("/staff/api/audit", "GET"): "staff console, admin session",
    ("/staff/api/explain", "POST"): "staff console, session",
    ("/staff/api/bank", "GET"): "staff console, session",
    ("/staff/api/answers", "GET"): "staff console, session",
    ("/staff/api/batch", "POST"): "staff console, session",
    ("/staff/api/inbox", "GET"): "staff console, session",
    ("/staff/api/conversations/<conversation_id:str>", "GET"): "staff console, session",
    ("/staff/api/conversations/<conversation_id:str>/turns/<event_id:int>/marks", "POST"): "staff console, session",
    (
        "/staff/api/conversations/<conversation_id:str>/turns/<event_id:int>/correction",
        "POST",
    ): "staff console, session",
    ("/staff/api/phrasings", "POST"): "staff console, session",
    ("/staff/api/review/queue", "GET"): "staff console, session",
    ("/staff/api/review/sign", "POST"): "staff console, reviewer session",
    ("/staff/api/review/request-changes", "POST"): "staff console, reviewer session",
}
REQUIRED_HEADERS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}


def test_the_built_app_has_only_the_allowed_routes(monkeypatch):
    from server.app import build_app

    monkeypatch.setattr(Sanic, "test_mode", True)  # another app of the same name may exist in this process
    app = build_app(str(ensure_model()), str(ROOT / "endpoints.yml"), str(ROOT / "credentials.yml"), 0)
    routes = {("/" + route.path, method) for route in app.router.routes for method in route.methods}
    unexpected = routes - set(ALLOWED_ROUTES)
    assert not unexpected, f"routes not in the allow-list: {sorted(unexpected)}"
    assert ("/webhooks/rest/webhook", "POST") in routes


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/status"),
        ("GET", "/version"),
        ("POST", "/model/parse"),
        ("PUT", "/model"),
        ("GET", "/conversations/x/tracker"),
        ("POST", "/conversations/x/messages"),
        ("POST", "/conversations/x/trigger_intent"),
        ("GET", "/domain"),
        ("POST", "/webhooks/rasa/webhook"),
        ("GET", "/socket.io/"),
        ("GET", "/webchat/../endpoints.yml"),
        ("GET", "/webchat/%2e%2e%2fendpoints.yml"),
    ],
)
def test_rasas_http_api_and_other_paths_are_not_served(open_server, method, path):
    status, headers, body = request(open_server, method, path, b"{}")
    assert status in (404, 405), (status, body)
    assert body["error"] in ("not_found", "method_not_allowed") and "rasa" not in json.dumps(body).lower()


def test_the_root_serves_the_web_chat_not_rasas_hello(open_server):
    status, headers, body = request(open_server, "GET", "/")
    assert status == 200 and b"Hello from Rasa" not in body and b"<!doctype html>" in body.lower()
    assert "frame-ancestors" in headers["content-security-policy"]


def all_kinds_of_responses(server):
    """(what, status, headers) for one response of every kind the server gives."""
    sender = uuid.uuid4().hex
    cases = [
        ("page", "GET", "/", b"", {}),
        ("script", "GET", "/webchat/chat.js", b"", {}),
        ("config", "GET", "/webchat/config.json", b"", {}),
        ("unknown file", "GET", "/webchat/nope.js", b"", {}),
        ("health", "GET", "/webhooks/rest/", b"", {}),
        ("reply", "POST", WEBHOOK, json.dumps({"sender": sender, "message": "hi"}).encode(), {}),
        ("bad body", "POST", WEBHOOK, b"nope", {}),
        ("too long", "POST", WEBHOOK, json.dumps({"sender": "a", "message": "a" * 20_001}).encode(), {}),
        ("not found", "GET", "/nope", b"", {}),
        ("wrong method", "DELETE", WEBHOOK, b"", {}),
        ("staff set-up page", "GET", "/staff", b"", {}),
        ("staff api without a session", "GET", "/staff/api/me", b"", {}),
        (
            "preflight",
            "OPTIONS",
            WEBHOOK,
            b"",
            {"Origin": "https://x.example", "Access-Control-Request-Method": "POST"},
        ),
    ]
    for what, method, path, body, headers in cases:
        status, seen, _ = request(server, method, path, body, headers)
        yield what, status, seen


def test_every_response_carries_the_security_headers(open_server):
    statuses = set()
    for what, status, headers in all_kinds_of_responses(open_server):
        statuses.add(status)
        for name, value in REQUIRED_HEADERS.items():
            assert headers.get(name) == value, (what, status, headers)
        assert "content-security-policy" in headers and "permissions-policy" in headers, (what, headers)
        assert "access-control-allow-credentials" not in headers, (what, headers)
        assert "access-control-allow-origin" not in headers, (what, headers)  # no ALLOWED_ORIGINS here
        assert headers.get("content-type", "").startswith(("application/json", "text/")) or status == 204, what
    assert {200, 400, 401, 403, 404, 405, 413} <= statuses


def test_json_answers_get_the_strict_api_policy(open_server):
    _, headers, _ = post_json(open_server, {"sender": uuid.uuid4().hex, "message": "hi"})
    assert headers["content-security-policy"] == API_CSP


# ---------- rate limit (limited_server: 3 at once, then 6 a minute, per sender; 8 at once per address) ----------


def test_a_visitor_over_the_rate_limit_gets_429_with_retry_after(limited_server):
    sender, proxy = uuid.uuid4().hex, {"X-Forwarded-For": "203.0.113.1"}
    burst = int(LIMITED_ENV["RATE_LIMIT_BURST"])
    for _ in range(burst):
        status, _, _ = post_json(limited_server, {"sender": sender, "message": "what is ptsd"}, proxy)
        assert status == 200
    status, headers, body = post_json(limited_server, {"sender": sender, "message": "what is ptsd"}, proxy)
    assert status == 429
    retry_after = int(headers["retry-after"])
    assert 1 <= retry_after <= 60 // int(LIMITED_ENV["RATE_LIMIT_PER_MINUTE"])
    assert body["error"] == "rate_limited" and body["retry_after"] == retry_after and str(retry_after) in body["detail"]
    assert headers["x-content-type-options"] == "nosniff"
    other = post_json(limited_server, {"sender": uuid.uuid4().hex, "message": "what is ptsd"}, proxy)
    assert other[0] == 200, "another visitor at the same address is not limited"


def test_crisis_language_is_answered_even_over_the_visitors_own_limit(limited_server):
    sender, proxy = uuid.uuid4().hex, {"X-Forwarded-For": "203.0.113.9"}
    for _ in range(int(LIMITED_ENV["RATE_LIMIT_BURST"])):
        assert post_json(limited_server, {"sender": sender, "message": "what is emdr"}, proxy)[0] == 200
    assert post_json(limited_server, {"sender": sender, "message": "what is cpt"}, proxy)[0] == 429
    status, _, replies = post_json(limited_server, {"sender": sender, "message": "i want to kill myself"}, proxy)
    assert status == 200 and replies[0]["metadata"]["answer_key"].startswith("guard_crisis_")
    # a hard negative is not crisis language: still limited
    status, _, _ = post_json(limited_server, {"sender": sender, "message": "this paperwork is killing me"}, proxy)
    assert status == 429


def test_one_address_is_limited_whatever_sender_ids_it_uses(limited_server):
    proxy = {"X-Forwarded-For": "198.51.100.7"}
    burst = int(LIMITED_ENV["RATE_LIMIT_IP_BURST"])
    statuses = [
        post_json(limited_server, {"sender": uuid.uuid4().hex, "message": "hi"}, proxy)[0] for _ in range(burst)
    ]
    assert statuses == [200] * burst
    status, headers, body = post_json(limited_server, {"sender": uuid.uuid4().hex, "message": "hi"}, proxy)
    assert status == 429 and body["error"] == "rate_limited" and int(headers["retry-after"]) >= 1
    # the trusted proxy's X-Forwarded-For names the client: another address is not limited
    other = post_json(
        limited_server, {"sender": uuid.uuid4().hex, "message": "hi"}, {"X-Forwarded-For": "198.51.100.8"}
    )
    assert other[0] == 200


def test_the_limit_counts_the_address_the_proxy_saw_not_one_the_client_wrote(limited_server):
    """With one trusted proxy, only the last X-Forwarded-For entry counts: a forged first entry changes nothing."""
    burst = int(LIMITED_ENV["RATE_LIMIT_IP_BURST"])
    statuses = []
    for i in range(burst + 1):
        forged = {"X-Forwarded-For": f"10.9.{i}.1, 192.0.2.55"}
        statuses.append(post_json(limited_server, {"sender": uuid.uuid4().hex, "message": "hi"}, forged)[0])
    assert statuses[:burst] == [200] * burst and statuses[burst] == 429


def test_a_rate_limited_visitor_can_talk_again_after_retry_after(limited_server):
    sender, proxy = uuid.uuid4().hex, {"X-Forwarded-For": "203.0.113.9"}
    while True:
        status, headers, _ = post_json(limited_server, {"sender": sender, "message": "hi"}, proxy)
        if status == 429:
            break
    time.sleep(int(headers["retry-after"]))
    assert post_json(limited_server, {"sender": sender, "message": "hi"}, proxy)[0] == 200


# ---------- CORS (limited_server allows one origin) ----------


def preflight(server, origin):
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    return request(server, "OPTIONS", WEBHOOK, b"", headers)


def test_cors_preflight_is_granted_to_the_allowed_origin_only(limited_server):
    status, headers, _ = preflight(limited_server, ALLOWED_ORIGIN)
    assert status == 204
    assert headers["access-control-allow-origin"] == ALLOWED_ORIGIN and "origin" in headers["vary"].lower()
    assert (
        "POST" in headers["access-control-allow-methods"]
        and "content-type" in headers["access-control-allow-headers"].lower()
    )
    assert "access-control-allow-credentials" not in headers
    for other in ("https://evil.example", "null", ALLOWED_ORIGIN + ".evil.example", "http://clinic.example"):
        status, headers, body = preflight(limited_server, other)
        assert status == 403 and body["error"] == "origin_not_allowed"
        assert "access-control-allow-origin" not in headers


def test_cors_headers_on_answers_for_the_allowed_origin_only(limited_server):
    proxy = {"X-Forwarded-For": "203.0.113.20"}
    payload = {"sender": uuid.uuid4().hex, "message": "what is emdr"}
    status, headers, _ = post_json(limited_server, payload, {**proxy, "Origin": ALLOWED_ORIGIN})
    assert status == 200 and headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "retry-after" in headers["access-control-expose-headers"].lower()
    payload = {"sender": uuid.uuid4().hex, "message": "what is emdr"}
    status, headers, _ = post_json(limited_server, payload, {**proxy, "Origin": "https://evil.example"})
    assert status == 200 and "access-control-allow-origin" not in headers  # the browser withholds the answer


# ---------- body size ----------


def raw_exchange(port: int, data: bytes, wait: float = 10) -> bytes:
    """Send `data` (and nothing more) and read until the server answers and closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.time() + wait
        while time.time() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
    return received


def test_a_body_over_the_limit_gets_413_before_it_is_sent(open_server):
    """Content-Length says 50 MB; only 1 kB is sent, and Sanic answers 413 and closes without waiting for the rest."""
    head = (
        f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {50_000_000}\r\n\r\n"
    ).encode()
    started = time.time()
    answer = raw_exchange(open_server.port, head + b"{" + b" " * 1023)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert time.time() - started < 5
    body = json.loads(answer.split(b"\r\n\r\n", 1)[1])
    assert body["error"] == "body_too_large"


def test_a_chunked_body_over_the_limit_gets_413_once_it_passes_the_limit(open_server):
    head = f"POST {WEBHOOK} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    chunk = b"4000\r\n" + b" " * 0x4000 + b"\r\n"  # 16 kB each; no final chunk is ever sent
    answer = raw_exchange(open_server.port, head + chunk * 5)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
