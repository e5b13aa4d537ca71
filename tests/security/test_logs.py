"""Privacy: the server's log (the default configuration, INFO) never holds what visitors typed.

Every kind of request carries a unique marker (in the text, the sender id, the metadata, the path,
a refused body); none may appear in the log. tests/test_server.py checks one ordinary message; this
covers the refusal, crisis, fallback, error and Rasa-syntax paths, where libraries tend to log input.
"""

from __future__ import annotations

import json
import time
import uuid

from bench.client import WEBHOOK
from tests.security.conftest import post_json, request


def test_no_visitor_text_reaches_the_log_on_any_path(open_server):
    marks = []

    def mark() -> str:
        marks.append("zq" + uuid.uuid4().hex[:12])
        return marks[-1]

    texts = [
        "what is ptsd {}",
        "i want to kill myself {}",
        "how many grams of kratom should i take {}",
        "{} xqzv blorp",
        "/restart {}",
        "/{}",
        '/faq{{"x": "{}"}}',
        "\x00/{}",
        "I live in {}",
        "{} " + "a" * 25_000,  # refused as too long
    ]
    for text in texts:
        post_json(open_server, {"sender": uuid.uuid4().hex, "message": text.format(mark())})
    post_json(open_server, {"sender": "web-" + mark(), "message": "hello"})
    post_json(open_server, {"sender": mark() * 20, "message": "hello"})  # refused sender id
    post_json(open_server, {"sender": uuid.uuid4().hex, "message": "hi", "metadata": {"region": mark(), "x": mark()}})
    post_json(open_server, {"sender": 5, "message": mark()})
    request(open_server, "POST", WEBHOOK, b'{"sender": "a", "message": "' + mark().encode())  # broken JSON
    request(open_server, "GET", f"/{mark()}?q={mark()}")
    request(open_server, "POST", "/staff/api/explain", json.dumps({"message": mark()}).encode())
    time.sleep(1)
    log = open_server.log.read_text(errors="replace")
    leaked = [m for m in marks if m in log]
    assert not leaked, f"visitor input in the server log: {leaked}"
    # the check means something only if the server really logs at INFO once the model is loaded
    assert "INFO server.retention - Retention:" in log
