"""Danger told as the past by a visitor who says it is over (guardrails/resolved.py): only then."""

from __future__ import annotations

import pytest

from guardrails import resolved

TOLD_AS_OVER = [
    "I attempted suicide in 2016. I had therapy for a year and I'm in a very good place now. What is CPT?",
    "i tried to kill myself 6 yrs ago and im much better now, do u have any recovery storys",
    "I left my ex eight months ago. He choked me once. I am safe now and he does not know where I live. "
    "Can that cause PTSD?",
    "Overdosed on heroin eight years ago, been clean since. Which PTSD medicines are safe for me?",
    "My teenager took an overdose 3 years ago and she's been well for a long time now. Is fluoxetine ok?",
    "I was abused as a child. Therapy changed my life. Can I take sertraline while pregnant?",
    "I was assaulted in my first year of uni. It's been nearly three years and I'm safe. Is EMDR used for that?",
]

STILL_NOW = [
    "I tried to kill myself 6 years ago and I'm much better now but the thoughts are back",
    "I was raped two years ago. I'm safe now. I want to die.",
    "I left him last year and I'm safe now but he found me again",
    "Overdosed in 2019, been clean since, but I relapsed this week",
    "I attempted in 2016, doing well now, but lately I've been thinking about it",
    "I was abused as a child and I'm scared of him",  # nothing says it is over
    "I'm safe now",  # nothing says when it happened
    "years ago I cut myself. I'm doing well now but I want to cut tonight",
    "it's been two years since my attempt and I'm safe, but the thoughts are back",
    # round 17: a store of pills, or not expecting to make it, is a plan now whatever years came before
    "Sober two years now. Since the divorce I have been stockpiling my tablets in the garage",
    "I was a medic years ago and I'm in recovery, but I don't think I'll make it to the new therapist",
]


@pytest.mark.parametrize("text", TOLD_AS_OVER)
def test_the_past_with_a_statement_that_it_is_over_is_read_as_over(text):
    assert resolved.told_as_past(text)


@pytest.mark.parametrize("text", STILL_NOW)
def test_anything_that_brings_the_danger_into_now_keeps_it_open(text):
    assert resolved.told_as_past(text) is None
