"""A reply never carries a review record for words it does not match (channels/rest.py), including replies
whose words fill in a reviewed template."""

from __future__ import annotations

import pytest

from bank.fingerprint import fingerprint
from channels import rest

SIGNER = "Dr A, PhD"


def reviewed(variant: dict, signed: bool = False) -> dict:
    variant = {**variant, "metadata": {"sources": [{"url": "https://example.org"}]}}
    said = fingerprint(variant)
    clinical = f"signed: {SIGNER} 2026-12-01 {said}" if signed else "pending"
    variant["metadata"]["review"] = {"text_sha256": said, "checked_on": "2026-12-01", "clinical_review": clinical}
    return variant


def sent(variant: dict, text: str | None = None, titles=None) -> dict:
    """What AnswerCollector builds for a reply of `variant` (optionally with other words)."""
    buttons = variant.get("buttons") or []
    if titles is not None:
        buttons = [{"title": t, "payload": "x"} for t in titles]
    message = {"recipient_id": "v", "text": text if text is not None else variant["text"]}
    if buttons:
        message["buttons"] = buttons
    return rest.AnswerCollector._with_bank(message, {"utter_action": "utter_x", "metadata": variant["metadata"]})


PLAIN = reviewed({"text": "EMDR is a talking therapy.", "buttons": [{"title": "More", "payload": "more"}]}, signed=True)
TEMPLATE = reviewed(
    {
        "text": "I have no answer about {aspect_label} for {subject_label}.",
        "buttons": [{"title": "About {subject_label}", "payload": "p"}],
    },
    signed=True,
)


@pytest.fixture(autouse=True)
def templates():
    rest.register_responses({"utter_x": [PLAIN, TEMPLATE]})
    yield
    rest._templates = None


def test_the_reviewed_words_carry_their_review_and_signature():
    review = sent(PLAIN)["metadata"]["review"]
    assert review["checked_on"] == "2026-12-01" and review["clinical_review"].startswith("signed: ")


@pytest.mark.parametrize("text,titles", [("EMDR is a talking therapy!", None), (None, ["Less"]), (None, [])])
def test_other_words_get_no_review_at_all(text, titles):
    review = sent(PLAIN, text, titles)["metadata"]["review"]
    assert review == {"status": "void", "detail": "This text does not match its review."}


CLARIFY = reviewed(
    {"text": "Did you mean one of these?", "buttons": [{"title": "{clarify_first_label}", "payload": "p"}]}
)


def test_a_filled_in_template_carries_the_templates_review():
    message = sent(TEMPLATE, "I have no answer about cost for EMDR.", ["About EMDR"])
    assert message["metadata"]["review"]["clinical_review"].startswith("signed: ")
    rest.register_responses({"utter_x": [PLAIN, TEMPLATE, CLARIFY]})
    assert sent(CLARIFY, titles=["What is PTSD?"])["metadata"]["review"]["checked_on"] == "2026-12-01"


@pytest.mark.parametrize(
    "text,titles",
    [
        ("I have no answer about cost for EMDR. Try this dose.", ["About EMDR"]),
        ("I have no answer about cost for EMDR.", ["Buy now"]),
    ],
)
def test_words_that_do_not_fill_the_template_get_no_review(text, titles):
    assert sent(TEMPLATE, text, titles)["metadata"]["review"]["status"] == "void"


def test_a_signature_for_other_words_reads_as_pending():
    stale = reviewed({"text": "EMDR is a talking therapy."})
    stale["metadata"]["review"]["clinical_review"] = f"signed: {SIGNER} 2026-12-01 {'a' * 64}"
    review = sent(stale)["metadata"]["review"]
    assert review["clinical_review"] == "pending" and review["checked_on"] == "2026-12-01"
