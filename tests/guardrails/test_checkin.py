"""Reading answers to a safety check-in and follow-ups after a crisis reply (guardrails/checkin.py)."""

from __future__ import annotations

import pytest

from guardrails import checkin


@pytest.mark.parametrize(
    "text",
    [
        "Yes",
        "yeah",
        "kind of",
        "kinda",
        "sometimes",
        "most nites tbh. esp after the nightmares",
        "sometimes yeah",
        "a little",
        "i have a plan",
        "not sure",
        "im not sure",
        "yes but i wont do anything",
        "every day honestly",
        "maybe",
    ],
)
def test_yes_and_half_yes(text):
    assert checkin.answer(text)[0] == "affirm"


@pytest.mark.parametrize(
    "text", ["No, I'm safe", "no", "nah im good thanks", "no im ok just tired", "not really, just tired", "i am safe"]
)
def test_a_clear_no(text):
    assert checkin.answer(text)[0] == "deny"


@pytest.mark.parametrize("text", ["not really", "Not really.", "hmm not exactly"])
def test_a_bare_not_really_hedges_and_keeps_the_lines_without_more_questions(text):
    # round 20: a hedge is not a clear no; the declined reply keeps the lines on screen with no pressure
    assert checkin.answer(text)[0] == "decline"


@pytest.mark.parametrize(
    "text",
    [
        "no im safe, just wrecked from night shifts lol",
        "No dear, I'm quite safe, just lonely since Harold died. What help is there?",
        "No, I would never do anything like that, I just feel low. Is there a group I could join?",
        "No no, nothing like that. I'm ok honestly, just fed up waiting on my referral.",
    ],
)
def test_a_clear_no_that_opens_a_longer_message(text):
    # the router then reads the rest for risk words (tests/guardrails/test_router.py)
    said, pattern = checkin.answer(text)
    assert said == "deny" and pattern.startswith(checkin.LEAD_PREFIX)


@pytest.mark.parametrize(
    "text",
    [
        "no im safe but i bought a rope",
        "no im not ok",
        "no, not really, sometimes",
        "nothing like that yet",
        "no, nothing like that. but i have the pills",
    ],
)
def test_a_no_followed_by_but_or_a_not_is_no_plain_no(text):
    said, pattern = checkin.answer(text)
    assert not (said == "deny" and pattern.startswith(checkin.LEAD_PREFIX))


@pytest.mark.parametrize(
    "text", ["I'd rather not say", "rather not", "i dont want to talk about it", "prefer not to say"]
)
def test_would_rather_not_say(text):
    assert checkin.answer(text)[0] == "decline"


@pytest.mark.parametrize("text", ["no but i have the pills here", "no, i already tried once"])
def test_a_no_that_carries_risk_is_never_read_as_a_no(text):
    assert checkin.answer(text)[0] != "deny"


@pytest.mark.parametrize("text", ["what is emdr", "ok thanks", "whatever"])
def test_anything_else_is_read_as_a_message(text):
    assert checkin.answer(text) == (None, None)


@pytest.mark.parametrize(
    "text,pattern",
    [
        ("yes I have pills", "follow.means"),
        ("I already tried once", "follow.attempt"),
        ("I've been thinking about how I'd do it", "follow.plan"),
        ("yeah", "follow.affirm"),
    ],
)
def test_risk_follow_ups(text, pattern):
    assert checkin.risk_followup(text) == pattern


@pytest.mark.parametrize("text", ["ok. what is EMDR?", "thanks", "i do want to know about cpt"])
def test_ordinary_follow_ups_carry_no_risk(text):
    assert checkin.risk_followup(text) is None
