"""The explanation engine and the terminal tools, in-process and through `python -m staff.cli`."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import yaml

from staff import batch, reports
from staff.cli import write_batch, write_diff
from staff.explain import explain_message, format_text
from staff.verdict import guard_record
from tests.conftest import ROOT, ensure_model

CRISIS_PHRASE = "i want to kill myself"


def _patterns() -> set:
    doc = yaml.safe_load((ROOT / "guardrails" / "lexicons" / "crisis.yml").read_text(encoding="utf-8"))
    return {p["id"] for p in doc["crisis"]}


def explain(agent, loop, text, sender):
    return loop.run_until_complete(explain_message(agent, text, sender))


def test_crisis_phrase_names_the_crisis_pattern(agent, event_loop_session):
    e = explain(agent, event_loop_session, CRISIS_PHRASE, "staff-test-crisis")
    guard = e["guardrail"]
    assert guard_record(guard)["outcome"] == "crisis" and guard_record(guard)["layer"] == "lexicon"
    assert guard["pattern"] in _patterns() and guard["pattern"].startswith("sui.")
    assert e["intent"]["name"] == "guard_crisis_suicide"
    assert e["answer_keys"][:2] == ["guard_crisis_suicide", "contacts_crisis"]
    assert all(r["sources"] and r["review"] for r in e["replies"])
    assert e["actions"][0]["policy"] == "AnswerRulePolicy" and e["actions"][0]["rule"]
    assert any(f.startswith("guardrail:crisis") for f in e["flags"])
    assert e["verdict"]["kind"] == "crisis" and guard["pattern"] in e["verdict"]["text"]
    text = format_text(e)
    assert guard["pattern"] in text and "Reply [guard_crisis_suicide]" in text
    assert text.splitlines()[1].startswith("  Verdict: Crisis route: suicide")


def test_faq_explanation_has_ranking_slots_rule_and_review(agent, event_loop_session):
    e = explain(agent, event_loop_session, "what is emdr therapy", "staff-test-faq")
    assert e["intent"]["name"] == "faq_treatment_emdr"
    assert e["intent_ranking"][0]["name"] == "faq_treatment_emdr" and len(e["intent_ranking"]) > 1
    assert e["slots"].get("topic") == "other"
    assert e["answer_keys"] == ["faq_treatment_emdr"]
    reply = e["replies"][0]
    assert reply["sources"][0]["url"].startswith("https://") and reply["review"]["checked_on"]
    assert e["guardrail"] is None and e["flags"] == []
    assert e["verdict"]["text"].startswith("Answered faq_treatment_emdr with ")


def test_fallback_and_low_confidence_are_flagged(agent, event_loop_session):
    e = explain(agent, event_loop_session, "qwzx plorb vexnat", "staff-test-fallback")
    assert "fallback" in e["flags"] and e["answer_keys"][0] == "fallback"
    assert e["verdict"]["kind"] == "fallback" and e["verdict"]["text"].startswith("Not understood")


def test_diff_report_lists_only_changed_answers(agent, event_loop_session, tmp_path):
    phrasings = ["what is emdr", "is kratom an opioid"]
    a = [explain(agent, event_loop_session, p, f"staff-test-diff-{i}") for i, p in enumerate(phrasings)]
    b = json.loads(json.dumps(a))
    b[1]["answer_keys"] = ["fallback"]
    result = write_diff(a, b, tmp_path / "diff", "old.tar.gz", "new.tar.gz")
    rows = list(csv.DictReader(result["csv"].open(encoding="utf-8")))
    assert [r["phrasing"] for r in rows] == ["is kratom an opioid"]
    assert rows[0]["answer_keys_b"] == "fallback" and rows[0]["answer_keys_a"] == "faq_kratom_opioid"
    assert "answer changed: 1" in result["html"].read_text(encoding="utf-8")


def test_html_report_escapes_text(tmp_path):
    row = {c: "<script>alert(1)</script>" for c in batch.RESULT_COLUMNS}
    path = tmp_path / "r.html"
    reports.write_html(path, "t", ["<b>"], batch.RESULT_COLUMNS, [row])
    page = path.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_cli_explain_conversation_file_as_json(tmp_path):
    conversation = tmp_path / "conversation.txt"
    conversation.write_text("# a kratom follow-up\nwhats a good kratom dose for ptsd\njust give me a rough number\n")
    result = subprocess.run(
        [sys.executable, "-m", "staff.cli", "explain", "--file", str(conversation), "--format", "json"]
        + ["--model", str(ensure_model())],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    turns = json.loads(result.stdout)
    assert [t["message"] for t in turns] == ["whats a good kratom dose for ptsd", "just give me a rough number"]
    assert (
        turns[0]["answer_keys"] == ["guard_kratom_dose", "contacts_pointer"]
        and turns[0]["guardrail"]["guard"] == "kratom"
    )
    assert turns[1]["slots_now"].get("topic") == "kratom"  # the conversation carried on
    assert turns[1]["answer_keys"] == ["guard_dose_followup", "contacts_pointer"]


def test_cli_batch_report_checks_expected_keeps_extra_columns_and_flags_confident_wrong(
    agent, event_loop_session, tmp_path
):
    sources, extra = batch.read_table(
        "ticket,phrasing,expected\n7,what is emdr,faq_treatment_emdr\n8,who made you,faq_treatment_cpt\n"
        "9,how much kratom should i take,faq_treatment_cpt\n",
        "csv",
    )
    assert extra == ["ticket"]
    explanations = [
        explain(agent, event_loop_session, s["phrasing"], f"staff-test-batch-{i}") for i, s in enumerate(sources)
    ]
    result = write_batch(explanations, sources, extra, tmp_path / "b", "model.tar.gz")
    rows = list(csv.DictReader(result["csv"].open(encoding="utf-8")))
    # sure of an ordinary answer and wrong: flagged; a guardrail's refusal is a plain fail
    assert [(r["ticket"], r["result"], r["confident_wrong"]) for r in rows] == [
        ("7", "pass", ""),
        ("8", "fail", "yes"),
        ("9", "fail", ""),
    ]
    assert rows[1]["verdict"].startswith("Answered faq_about_creator") and rows[2]["verdict"].startswith("Refused")
    page = result["html"].read_text(encoding="utf-8")
    assert "CONFIDENTLY WRONG" in page and "ticket" in page
