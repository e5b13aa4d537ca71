"""The assistant's own about and privacy pages: the real sources its answers about itself cite."""

from __future__ import annotations

import urllib.request

import pytest

from guardrails import hotlines
from server.settings import Settings
from webchat.routes import clinical_review_sentence

pytestmark = pytest.mark.server


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=30) as res:
        return res.status, res.read().decode("utf-8"), res.headers


@pytest.mark.parametrize("path", ["/about", "/privacy"])
def test_the_pages_are_served_under_the_strict_csp(chat_server, path, browser, axe_source):
    from tests.webchat.test_webchat_browser import run_axe

    status, page, headers = fetch(chat_server["url"] + path)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"] and "{{" not in page
    browser.get(chat_server["url"] + path)
    serious = [v for v in run_axe(browser, axe_source) if v["impact"] in ("serious", "critical")]
    assert not serious, serious


def test_the_about_page_lists_every_regions_help_lines_from_the_directory_and_the_review_state(chat_server):
    _, page, _ = fetch(chat_server["url"] + "/about")
    for code in hotlines.regions():
        _, services = hotlines.route_for("crisis", code)
        assert f'id="help-lines-{code}"' in page
        assert all(s["how"] in page.replace("&amp;", "&") for s in services), code
    assert "No clinician has signed the answers yet" in page  # true for this repository's bank


def test_the_privacy_page_says_how_long_conversations_are_kept(chat_server):
    _, page, _ = fetch(chat_server["url"] + "/privacy")
    assert f"deleted after {Settings.from_env().retention_days}" in " ".join(page.split())


def test_the_clinical_review_sentence_is_true_to_the_signatures():
    from bank.fingerprint import fingerprint

    answer = {"text": "Hi.", "metadata": {"review": {"clinical_review": "pending"}}}
    answer["metadata"]["review"]["text_sha256"] = fingerprint(answer)
    signed = {"text": "Bye.", "metadata": {"review": {}}}
    signed["metadata"]["review"] = {"text_sha256": fingerprint(signed)}
    signed["metadata"]["review"]["clinical_review"] = f"signed: Dr A, PhD 2026-12-01 {fingerprint(signed)}"
    assert "pending for every answer" in clinical_review_sentence({"utter_a": [answer]})[1]
    assert clinical_review_sentence({"utter_a": [answer], "utter_b": [signed]})[1].startswith("1 of 2 answers")
    assert clinical_review_sentence({"utter_b": [signed]})[1].startswith("Every answer")
