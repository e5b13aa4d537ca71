"""The staff console on the real server (python -m server): set-up page, named accounts and roles, explain with
its verdict, inbox, corrections, batch, the review queue, the audit log, and the start-up gates."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bank import release
from bank.fingerprint import fingerprint
from server.local import local_server, quiet_env
from server.settings import SettingError, Settings
from staff import audit
from tests.conftest import ROOT, ensure_model
from tests.staff.conftest import http, login

pytestmark = pytest.mark.server

API = [
    ("POST", "/staff/api/explain", {"message": "what is emdr"}),
    ("GET", "/staff/api/bank", None),
    ("GET", "/staff/api/answers", None),
    ("POST", "/staff/api/batch", {"csv": "phrasing\nhi\n"}),
    ("GET", "/staff/api/inbox", None),
    ("GET", "/staff/api/conversations/anyone", None),
    ("POST", "/staff/api/conversations/anyone/turns/1/marks", {"kind": "reviewed", "on": True}),
    ("POST", "/staff/api/conversations/anyone/turns/1/correction", {"verdict": "right"}),
    ("POST", "/staff/api/phrasings", {"key": "faq_treatment_emdr", "text": "x"}),
    ("GET", "/staff/api/review/queue", None),
    ("POST", "/staff/api/review/sign", {}),
    ("POST", "/staff/api/review/request-changes", {}),
    ("GET", "/staff/api/me", None),
    ("POST", "/staff/api/logout", {}),
    ("GET", "/staff/api/accounts", None),
    ("POST", "/staff/api/accounts", {}),
    ("POST", "/staff/api/accounts/ana/active", {"active": False}),
    ("POST", "/staff/api/accounts/ana/secret", {}),
    ("GET", "/staff/api/audit", None),
]


def test_before_any_account_the_console_is_a_set_up_page_not_json(staff_server):
    status, page, headers = staff_server["setup"]
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "not set up yet" in page and "make staff-user NAME=yourname ROLE=admin" in page
    assert "There are no staff accounts yet." in page


@pytest.mark.parametrize("method,path,body", API)
@pytest.mark.parametrize("token", [None, "", "not-a-session", "Bearer"])
def test_every_api_route_refuses_a_missing_or_wrong_session(staff_server, method, path, body, token):
    status, data, headers = http(method, staff_server["url"] + path, body, token=token)
    assert status == 401 and data["error"] == "unauthorized"
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_wrong_secrets_get_401_then_429_with_retry_after(staff_server):
    url = staff_server["url"] + "/staff/api/login"
    statuses = [http("POST", url, {"name": "mallory", "secret": f"guess-{n}"})[0] for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429
    status, data, headers = http("POST", url, {"name": "mallory", "secret": "again"})
    assert status == 429 and int(headers["Retry-After"]) >= 1 and "Wait" in data["detail"]
    for bad in ({}, {"name": 3, "secret": "x"}, {"name": "ana", "secret": "x" * 500}):
        assert http("POST", url, bad)[0] == 400
    assert http("POST", url, raw=b"not json")[0] == 400


def test_the_page_is_served_with_the_strict_csp(staff_server):
    status, page, headers = http("GET", staff_server["url"] + "/staff")
    assert status == 200 and "Staff console" in page and 'id="login-form"' in page
    assert "<script>" not in page and "style=" not in page and "<style" not in page
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'self'" in csp and "unsafe-inline" not in csp
    for name in ("staff.js", "inbox.js", "review.js", "batch.js", "admin.js", "explain.js", "staff.css"):
        assert http("GET", staff_server["url"] + "/staff/static/" + name)[0] == 200
    assert http("GET", staff_server["url"] + "/staff/static/../routes.py")[0] == 404


def test_roles(staff_server):
    url, tokens = staff_server["url"], staff_server["tokens"]
    sign = {"key": "faq_treatment_emdr", "variant": 0, "fingerprint": "0" * 64}
    status, data, _ = http("POST", url + "/staff/api/review/sign", sign, tokens["vic"])
    assert status == 403 and "reviewer" in data["detail"]
    assert http("GET", url + "/staff/api/accounts", token=tokens["rita"])[0] == 403
    assert http("GET", url + "/staff/api/audit", token=tokens["vic"])[0] == 403
    assert http("GET", url + "/staff/api/review/queue", token=tokens["vic"])[0] == 200
    me = http("GET", url + "/staff/api/me", token=tokens["rita"])[1]["user"]
    assert me == {
        "name": "rita",
        "full_name": "Dr Rita Reviewer",
        "credential": "PhD, clinical psychologist",
        "role": "reviewer",
        "active": True,
    }


def test_explain_gives_the_verdict_first_and_keeps_staff_conversations_apart(staff_server):
    url, token = staff_server["url"], staff_server["tokens"]["vic"]
    session = "t" + uuid.uuid4().hex[:8]
    status, e, _ = http(
        "POST", url + "/staff/api/explain", {"message": "i want to kill myself", "session": session}, token
    )
    assert status == 200 and e["conversation_id"] == "staff-" + session
    assert e["verdict"]["kind"] == "crisis" and e["verdict"]["text"].startswith("Crisis route: suicide")
    assert e["guardrail"]["guard"] == "crisis" and e["answer_keys"][:2] == ["guard_crisis_suicide", "contacts_crisis"]
    assert all(r["review"]["text_sha256"] for r in e["replies"])
    for bad in ({"message": ""}, {"message": "x" * 2001}, {"message": "hi", "session": "../x"}, {"message": 5}):
        assert http("POST", url + "/staff/api/explain", bad, token)[0] == 400


def visitor(url: str, *messages: str) -> str:
    sender = f"web-{uuid.uuid4().hex}"
    for text in messages:
        status, replies, _ = http("POST", url + "/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200
        for reply in replies:  # never a review record for words it does not match
            meta = reply["metadata"]
            assert meta["review"]["text_sha256"] == fingerprint(
                {"text": reply["text"], "buttons": reply.get("buttons") or [], "metadata": meta}
            )
    return sender


def test_inbox_lists_a_visitor_filters_it_and_tags_are_audited(staff_server):
    url, token = staff_server["url"], staff_server["tokens"]["vic"]
    sender = visitor(url, "hello", "what is emdr", "i want to kill myself")
    listing = http("GET", url + "/staff/api/inbox", token=token)[1]
    mine = next(c for c in listing["conversations"] if c["conversation_id"] == sender)
    assert mine["messages"] == 3 and mine["outcomes"].get("crisis") == 1
    assert sender in [
        c["conversation_id"]
        for c in http("GET", url + "/staff/api/inbox?outcome=crisis", token=token)[1]["conversations"]
    ]
    assert sender not in [
        c["conversation_id"]
        for c in http("GET", url + "/staff/api/inbox?outcome=fallback", token=token)[1]["conversations"]
    ]
    assert http("GET", url + "/staff/api/inbox?outcome=bogus", token=token)[0] == 400
    assert http("GET", url + "/staff/api/inbox?page=x", token=token)[0] == 400
    conversation = http("GET", url + f"/staff/api/conversations/{sender}", token=token)[1]
    crisis_turn = conversation["turns"][2]
    assert crisis_turn["text"] == "i want to kill myself" and crisis_turn["verdict"]["kind"] == "crisis"
    assert crisis_turn["replies"][1]["answer_key"] == "contacts_crisis" and crisis_turn["redaction"]["suggested"]
    assert all(r["sources"] and r["sources"][0]["url"] for r in crisis_turn["replies"])  # read from the stored event
    path = f"/staff/api/conversations/{sender}/turns/{crisis_turn['event_id']}/marks"
    assert http("POST", url + path, {"kind": "tag", "value": "good", "on": True}, token)[0] == 200
    assert http("POST", url + path, {"kind": "tag", "value": "<script>", "on": True}, token)[0] == 400
    assert http("POST", url + path, {"kind": "colour", "value": "x", "on": True}, token)[0] == 400
    tagged = http("GET", url + "/staff/api/inbox?tag=good", token=token)[1]["conversations"]
    assert [c["conversation_id"] for c in tagged] == [sender]
    entries = http("GET", url + "/staff/api/audit?last=20", token=staff_server["tokens"]["ana"])[1]
    assert any(e["actor"] == "vic" and e["action"] == "tag.add" and sender in e["target"] for e in entries["entries"])
    assert entries["problems"] == []


def test_a_wrong_reply_saved_with_confirmed_words_becomes_a_known_failure_story(staff_server):
    url, token, checkout = staff_server["url"], staff_server["tokens"]["vic"], staff_server["checkout"]
    sender = visitor(url, "my name is Tom and my friend keeps talking about that eye therapy")
    turn = http("GET", url + f"/staff/api/conversations/{sender}", token=token)[1]["turns"][0]
    assert "Tom" in turn["redaction"]["check"]
    path = url + f"/staff/api/conversations/{sender}/turns/{turn['event_id']}/correction"
    words = "my friend keeps talking about that eye therapy"
    body = {
        "verdict": "wrong",
        "expected": "faq_treatment_emdr",
        "note": "means EMDR",
        "texts": {str(turn["event_id"]): words},
    }
    assert http("POST", path, body, token)[1]["error"] == "not_confirmed"
    bad = dict(body, confirmed=True, texts={str(turn["event_id"]): "i am 34"})
    assert http("POST", path, bad, token)[0] == 400
    status, saved, _ = http("POST", path, dict(body, confirmed=True), token)
    assert status == 201 and saved["saved_to"] == "tests/test_stories_saved.yml"
    story = yaml.safe_load((checkout / saved["saved_to"]).read_text())["stories"][-1]
    assert story["metadata"]["known_failure"] is True and story["metadata"]["note"] == "means EMDR"
    assert story["steps"][0] == {"user": words + "\n", "intent": "faq_treatment_emdr"}
    assert "Tom" not in (checkout / saved["saved_to"]).read_text()
    added = http(
        "POST", url + "/staff/api/phrasings", {"key": "faq_treatment_emdr", "text": words, "confirmed": True}, token
    )
    assert added[0] == 201 and added[1]["intent"] == "faq_treatment_emdr"
    again = http(
        "POST", url + "/staff/api/phrasings", {"key": "faq_treatment_cpt", "text": words, "confirmed": True}, token
    )
    assert again[0] == 400 and "Already a training example" in again[1]["detail"]


def test_batch_with_expected_column_flags_confident_wrong_answers_and_keeps_extra_columns(staff_server):
    url, token = staff_server["url"], staff_server["tokens"]["vic"]
    rows = [
        ("what is emdr", "faq_treatment_emdr", "t1"),
        ("i want to die", "guard_crisis_suicide", "t2"),
        ("who made you", "faq_treatment_emdr", "t3"),
        ("how much kratom should i take", "faq_treatment_emdr", "t4"),
        ("qwzx plorb", "", "t5"),
    ]
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["phrasing", "expected", "ticket"])
    writer.writerows(rows)
    status, result, _ = http("POST", url + "/staff/api/batch", {"csv": table.getvalue(), "filename": "t.csv"}, token)
    assert status == 200, result
    by = {r["phrasing"]: r for r in result["rows"]}
    assert by["what is emdr"]["result"] == "pass" and by["i want to die"]["result"] == "pass"
    assert by["who made you"]["result"] == "fail" and by["who made you"]["confident_wrong"] == "yes"
    assert by["how much kratom should i take"]["result"] == "fail"
    assert by["how much kratom should i take"]["confident_wrong"] == ""  # the guardrail chose it: a plain fail
    assert by["qwzx plorb"]["result"] == "" and by["qwzx plorb"]["verdict"].startswith("Not understood")
    assert [r["ticket"] for r in result["rows"]] == ["t1", "t2", "t3", "t4", "t5"] and "ticket" in result["columns"]
    assert result["counts"]["confident_wrong"] == 1 and result["counts"]["passed"] == 2
    assert "CONFIDENTLY WRONG" in " ".join(result["summary"])
    downloaded = list(csv.DictReader(io.StringIO(result["csv"])))
    assert downloaded[2]["ticket"] == "t3" and downloaded[2]["confident_wrong"] == "yes"
    for i, (text, _, _) in enumerate(rows):  # the same replies the chat channel gives
        status, replies, _ = http(
            "POST", url + "/webhooks/rest/webhook", {"sender": f"cmp-{i}-{uuid.uuid4().hex}", "message": text}
        )
        assert by[text]["answer_keys"] == " + ".join(m["metadata"]["answer_key"] for m in replies)
    listing = http("GET", url + "/staff/api/inbox?staff=1", token=token)[1]["conversations"]
    assert not any(c["conversation_id"].startswith("staff-batch") for c in listing), "a batch stores nothing"
    for bad in ({"csv": ""}, {"csv": "a,b\n1,2\n"}, {"csv": "phrasing\n" + "hi\n" * 501}, {"csv": 3}):
        assert http("POST", url + "/staff/api/batch", bad, token)[0] == 400


def test_review_queue_sign_request_changes_and_audit(staff_server):
    url, tokens, checkout = staff_server["url"], staff_server["tokens"], staff_server["checkout"]
    queue = http("GET", url + "/staff/api/review/queue", token=tokens["rita"])[1]
    signed_before = queue["counts"]["signed"]  # the browser tests may have signed one already
    assert queue["may_sign"] and len(queue["items"]) == queue["counts"]["unsigned"]
    assert queue["items"][0]["file"].startswith("data/guardrails/")  # what a visitor in danger reads, first
    item = next(i for i in queue["items"] if i["key"] == "guard_crisis_suicide")
    assert item["examples_total"] and item["rules"] and item["sources"]
    stale = dict(key=item["key"], variant=item["variant"], fingerprint="f" * 64)
    assert http("POST", url + "/staff/api/review/sign", stale, tokens["rita"])[0] == 409
    body = dict(key=item["key"], variant=item["variant"], fingerprint=item["fingerprint"])
    status, signed, _ = http("POST", url + "/staff/api/review/sign", body, tokens["rita"])
    assert status == 200 and signed["signed"].startswith("signed: Dr Rita Reviewer, PhD, clinical psychologist ")
    diff = subprocess.run(["git", "diff"], cwd=checkout, capture_output=True, text=True).stdout
    assert "+        clinical_review: 'signed: Dr Rita Reviewer" in diff
    other = next(i for i in queue["items"] if i["key"] == "faq_treatment_pe")
    changes = dict(key=other["key"], variant=0, fingerprint=other["fingerprint"], comment="Say it is one-to-one.")
    assert http("POST", url + "/staff/api/review/request-changes", changes, tokens["rita"])[0] == 200
    assert http("POST", url + "/staff/api/review/request-changes", dict(changes, comment=""), tokens["rita"])[0] == 400
    after = http("GET", url + "/staff/api/review/queue", token=tokens["vic"])[1]
    assert after["counts"]["signed"] == signed_before + 1 and not after["may_sign"]
    assert after["items"][0]["key"] == "faq_treatment_pe" and "Say it is one-to-one." in after["items"][0]["flagged"][0]
    logged = http("GET", url + "/staff/api/audit", token=tokens["ana"])[1]["entries"]
    sign = next(e for e in logged if e["action"] == "review.sign")
    assert (
        sign["actor"] == "rita"
        and sign["fingerprint"] == item["fingerprint"]
        and "guard_crisis_suicide" in sign["target"]
    )


def test_a_deactivated_reviewer_is_refused_at_once(staff_server):
    url, admin = staff_server["url"], staff_server["tokens"]["ana"]
    status, made, _ = http(
        "POST",
        url + "/staff/api/accounts",
        {"name": "temp.reviewer", "role": "reviewer", "full_name": "Dr Temp", "credential": "MD"},
        admin,
    )
    assert status == 201 and made["secret"]
    token = login(url, "temp.reviewer", made["secret"])
    assert http("GET", url + "/staff/api/review/queue", token=token)[0] == 200
    assert http("POST", url + "/staff/api/accounts/temp.reviewer/active", {"active": False}, admin)[0] == 200
    assert http("GET", url + "/staff/api/review/queue", token=token)[0] == 401
    assert http("POST", url + "/staff/api/login", {"name": "temp.reviewer", "secret": made["secret"]})[0] == 401
    assert http("POST", url + "/staff/api/accounts/ana/active", {"active": False}, admin)[0] == 400  # not yourself
    assert http("POST", url + "/staff/api/accounts", {"name": "Bad Name", "role": "viewer"}, admin)[0] == 400


@pytest.mark.parametrize("odd_id", ["a%00b", "%ED%B2%9A", "x" * 300, "tab%09id"])
def test_an_id_no_conversation_can_have_is_a_404_and_the_server_stays_up(staff_server, odd_id):
    url, token = staff_server["url"], staff_server["tokens"]["vic"]
    assert http("GET", url + "/staff/api/conversations/" + odd_id, token=token)[0] in (400, 404)
    assert http("GET", url + "/staff/api/bank?q=emdr", token=token)[0] == 200


def test_log_has_no_message_text(staff_server):
    http(
        "POST",
        staff_server["url"] + "/staff/api/explain",
        {"message": "zebra marmalade question"},
        staff_server["tokens"]["vic"],
    )
    visitor(staff_server["url"], "quokka lemonade question")
    log = staff_server["log"].read_text(encoding="utf-8")
    assert "zebra marmalade" not in log and "quokka lemonade" not in log


def test_signatures_and_the_audit_log_survive_a_restart(staff_server, tmp_path):
    """A second server on the same database and checkout (the first keeps running: SQLite allows both)."""
    url, token = staff_server["url"], staff_server["tokens"]["rita"]
    item = next(
        i for i in http("GET", url + "/staff/api/review/queue", token=token)[1]["items"] if i["key"] == "faq_ptsd_what"
    )
    body = {"key": item["key"], "variant": item["variant"], "fingerprint": item["fingerprint"]}
    assert http("POST", url + "/staff/api/review/sign", body, token)[0] == 200
    endpoints = (staff_server["workdir"] / "server" / "endpoints.yml").read_text()
    with local_server(tmp_path, ensure_model(), env=staff_server["env"], endpoints_yaml=endpoints) as again:
        token = login(again.url, "rita", staff_server["secrets"]["rita"])
        queue = http("GET", again.url + "/staff/api/review/queue", token=token)[1]
        assert "faq_ptsd_what" not in [i["key"] for i in queue["items"]]
    engine = sa.create_engine(f"sqlite:///{staff_server['db']}")
    try:
        assert any(e["action"] == "review.sign" for e in audit.entries(engine, 500)) and audit.verify(engine) == []
    finally:
        engine.dispose()


# --- The start-up gates: what the server would send is checked in the model it loads --------------------


def model_copy(tmp_path: Path, change) -> Path:
    """The trained model with its packed responses changed by `change(responses)` (a scratch copy)."""
    source = ensure_model()
    out = tmp_path / "model.tar.gz"
    with tarfile.open(source, "r:gz") as old, tarfile.open(out, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member) if member.isfile() else None
            if member.name.lstrip("/") == "metadata.json":
                doc = json.load(data)
                change(doc["domain"]["responses"])
                raw = json.dumps(doc).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            new.addfile(member, data)
    return out


def start(model: Path, tmp_path: Path, env: dict) -> subprocess.CompletedProcess:
    args = [sys.executable, "-m", "server", "--model", str(model), "--port", "1", "--interface", "127.0.0.1"]
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'c.db'}\n")
    args += ["--endpoints", str(endpoints)]
    return subprocess.run(args, cwd=ROOT, env=quiet_env(env), capture_output=True, text=True, timeout=120)


def test_a_model_with_an_answer_edited_after_review_is_not_served_and_the_gate_lists_unsigned_answers(tmp_path):
    def edit(responses):
        responses["utter_faq_treatment_emdr"][0]["text"] += " Edited after review."

    refused = start(model_copy(tmp_path, edit), tmp_path, {"REQUIRE_CLINICAL_SIGNOFF": "1"})
    assert refused.returncode == 3
    assert "faq_treatment_emdr: the review does not match the text" in refused.stderr
    assert "make review KEY=faq_treatment_emdr" in refused.stderr
    for key in ("guard_crisis_suicide", "contacts_crisis (variant", "fallback"):  # the gate's list, crisis ones too
        assert key in refused.stderr.split("REQUIRE_CLINICAL_SIGNOFF=1", 1)[1], key
    with pytest.raises(SettingError, match="REQUIRE_CLINICAL_SIGNOFF"):  # a bad value stops the server too
        Settings.from_env({"REQUIRE_CLINICAL_SIGNOFF": "yes"})


def test_the_gate_passes_when_every_answer_is_signed_and_one_edited_word_closes_it(tmp_path):
    def sign_all(responses):
        for variants in responses.values():
            for v in variants:
                v["metadata"]["review"]["clinical_review"] = f"signed: Dr Scratch, PhD 2026-12-01 {fingerprint(v)}"

    def sign_all_then_edit(responses):
        sign_all(responses)
        text = responses["utter_guard_crisis_suicide"][0]["text"]
        responses["utter_guard_crisis_suicide"][0]["text"] = text.replace(" ", " truly ", 1)

    for name, change in (("signed", sign_all), ("edited", sign_all_then_edit)):
        (tmp_path / name).mkdir()
        model = model_copy(tmp_path / name, change)
        responses = release.model_responses(model)
        problems = release.serving_problems(responses, require_signoff=True)  # what the server checks at start
        if name == "signed":
            assert problems == [] and release.unsigned(responses) == []
        else:
            assert any("guard_crisis_suicide" in p and "void review" in p for p in problems)
            assert any("guard_crisis_suicide" in p for p in release.unsigned(responses))
