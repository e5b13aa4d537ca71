"""The staff routes on the real server (python -m server + mount_staff): auth, explain, bank, conversations,
the regression story passing `rasa test`, the batch report matching the REST channel, and the page in
headless Chromium."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import uuid

import pytest

from tests.conftest import ROOT, ensure_model
from tests.staff.conftest import TOKEN, http

pytestmark = pytest.mark.server

STAFF_ROUTES = [
    ("GET", "/staff", None),
    ("GET", "/staff/static/staff.js", None),
    ("POST", "/staff/api/explain", {"message": "what is emdr"}),
    ("GET", "/staff/api/bank", None),
    ("GET", "/staff/api/conversations/anyone", None),
    ("POST", "/staff/api/conversations/anyone/regression-test", {}),
]
API_ROUTES = [r for r in STAFF_ROUTES if r[1].startswith("/staff/api/")]


@pytest.mark.parametrize("method,path,body", API_ROUTES)
@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x", TOKEN[:-1]])
def test_api_refuses_missing_or_wrong_token(staff_server, method, path, body, token):
    status, data, headers = http(method, staff_server["url"] + path, body, token=token)
    assert status == 401 and data["error"] == "unauthorized"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_every_route_is_closed_when_no_token_is_configured(tmp_path):
    from server.local import local_server

    with local_server(tmp_path, ensure_model(), env={"STAFF_TOKEN": ""}) as s:
        for method, path, body in STAFF_ROUTES:
            for token in (None, "", "anything"):
                status, _, _ = http(method, s.url + path, body, token=token)
                assert status == 401, (method, path, token)


def test_page_is_served_with_the_strict_csp(staff_server):
    status, page, headers = http("GET", staff_server["url"] + "/staff")
    assert status == 200 and "Staff console" in page
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "unsafe-inline" not in csp


def test_explain_bank_and_conversation(staff_server):
    url = staff_server["url"]
    session = "t" + uuid.uuid4().hex[:8]
    status, e, _ = http(
        "POST", url + "/staff/api/explain", {"message": "i want to kill myself", "session": session}, TOKEN
    )
    assert status == 200 and e["guardrail"]["guard"] == "crisis" and e["guardrail"]["pattern"]
    assert e["conversation_id"] == "staff-" + session
    status, bank, _ = http("GET", url + "/staff/api/bank?q=kratom", token=TOKEN)
    assert status == 200 and bank["count"] > 3
    assert all("kratom" in (x["key"] + x["text"]).lower() for x in bank["entries"])
    assert all("stale" in x and "review" in x and x["sources"] for x in bank["entries"])
    status, conv, _ = http("GET", url + f"/staff/api/conversations/staff-{session}", token=TOKEN)
    assert status == 200 and conv["turns"][0]["user"] == "i want to kill myself"
    status, _, _ = http("GET", url + "/staff/api/conversations/nobody-" + session, token=TOKEN)
    assert status == 404


@pytest.mark.parametrize("odd_id", ["a%00b", "%ED%B2%9A", "x" * 300, "tab%09id"])
def test_an_id_no_conversation_can_have_is_a_404_and_the_server_stays_up(staff_server, odd_id):
    url = staff_server["url"]
    status, _, _ = http("GET", url + "/staff/api/conversations/" + odd_id, token=TOKEN)
    assert status in (400, 404)
    status, _, _ = http("GET", url + "/staff/api/bank?q=emdr", token=TOKEN)
    assert status == 200


def test_log_has_no_message_text(staff_server):
    http("POST", staff_server["url"] + "/staff/api/explain", {"message": "zebra marmalade question"}, TOKEN)
    assert "zebra marmalade" not in staff_server["log"].read_text(encoding="utf-8")


def test_batch_report_matches_the_rest_channel(staff_server, tmp_path):
    phrasings = ["what is emdr", "how much kratom should i take", "i want to die", "qwzx plorb", "is kratom legal"]
    source = tmp_path / "phrasings.csv"
    with source.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phrasing"])
        writer.writerows([[p] for p in phrasings])
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "staff.cli", "batch", "--in", str(source), "--out", str(out)]
        + ["--model", str(ensure_model())],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    rows = list(csv.DictReader((tmp_path / "report.csv").open(encoding="utf-8")))
    assert [r["phrasing"] for r in rows] == phrasings
    for i, row in enumerate(rows):
        status, replies, _ = http(
            "POST",
            staff_server["url"] + "/webhooks/rest/webhook",
            {"sender": f"batch-cmp-{i}-{uuid.uuid4().hex}", "message": row["phrasing"]},
        )
        assert status == 200
        assert row["answer_keys"] == " + ".join(m["metadata"]["answer_key"] for m in replies), row["phrasing"]
        assert row["reply_text"] == "\n\n".join(m["text"] for m in replies)
    flags = {r["phrasing"]: r["flags"] for r in rows}
    assert "guardrail:crisis" in flags["i want to die"] and (
        "fallback" in flags["qwzx plorb"] or "low_confidence" in flags["qwzx plorb"]
    )
    html_page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert all(p in html_page for p in phrasings)


def test_saved_conversation_passes_rasa_test(staff_server, tmp_path):
    url, sender = staff_server["url"], f"visitor-{uuid.uuid4().hex[:8]}"
    for text in ("hi there", "what is emdr", "i want to kill myself", "whats a good kratom dose for ptsd", "thanks"):
        status, _, _ = http("POST", url + "/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200
    status, saved, _ = http("POST", url + f"/staff/api/conversations/{sender}/regression-test", {"label": "t"}, TOKEN)
    assert status == 200 and saved["turns"] == 5 and "utter_contacts_crisis" in saved["story"]
    stories = tmp_path / "saved.yml"
    shutil.copy(staff_server["saved"], stories)
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "test", "core", "--model", str(ensure_model()), "--stories", str(stories)]
        + ["--fail-on-prediction-errors", "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    failed = tmp_path / "out" / "failed_test_stories.yml"
    detail = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:] + detail
