"""Decide, for one message in its conversation, whether a guardrail overrides the intent.

Pure Python (no Rasa imports) so every decision can be unit-tested directly. Three outcomes, not two:
the crisis route, a safety check-in when the signal is real but uncertain, or the answer.

1. After a check-in, the visitor's reply decides: a yes (or "sometimes", "kind of", a plan) -> the crisis
   route; "I'd rather not say" -> lines stay visible; "no, I'm safe" -> the answer the first message would
   have had; anything else is read with the crisis bar lowered to the check-in bar.
2. After a crisis reply (or a check-in answered with neither yes nor no), a follow-up with risk in it ("yes
   I have pills", "I already tried once") stays on the crisis route, and so does anything that is not a new
   question: what the assistant would not understand ("whatever. doesnt matter"), a nod or a goodbye ("It's
   loaded"), more about how they feel ("mostly at night when the nightmares wake me up"), and a statement
   with any learned signal; a question ("ok. what is EMDR?") is answered.
3. Otherwise: danger told as over, with a question ("I overdosed in 2016, clean since; which PTSD medicines are
   safe?", guardrails/resolved.py) -> its answer, with the help line of its kind beside it. A strong lexicon
   match -> crisis (a question about that kind's topic, such as sexual assault, also gets the topic's answer after
   the lines); a soft one (words headlines and hyperbole also use) -> crisis when the learned layer agrees,
   a check-in when it sees any signal or the reply would say nothing about the message, else the answer; no
   lexicon match -> the learned layer's band decides (>= crisis_from: crisis; >= checkin_from: check-in, except a
   short message the classifier is sure of and sees no crisis in, which keeps its answer with the crisis line;
   >= notice_from in a message it would not otherwise understand: check-in, never "not understood"); a hard
   negative (idiom, negation, topic question) takes the crisis words back. A signal below the bars ("set
   aside", or "faint" below notice_from) keeps the answer, with the crisis line beside it.
4. Kratom and other dose/replacement guards, when no crisis or check-in was chosen. An amount that names no
   substance, in a conversation about none, that the classifier is sure lies outside PTSD ("how many steps a
   day do I need") gets the out-of-scope reply instead of the refusal: neither gives an amount.
If anything here raises, the caller routes to FAIL_SAFE_INTENT: a crisis-safe reply, never silence.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Sequence, Tuple

from guardrails import checkin, crisis, kratom, resolved
from guardrails.hotlines import regions
from guardrails.region import detect_region
from guardrails.verdict import Verdict

CRISIS_PREFIX = "guard_crisis_"
CHECKIN_INTENT = "guard_checkin"
CHECKIN_SAFE_INTENT = "guard_checkin_safe"
CHECKIN_DECLINED_INTENT = "guard_checkin_declined"
FOLLOWUP_INTENT = "guard_crisis_followup"
# Intents that only mean something in their place in a conversation: out of it, they are never the answer.
IN_CONTEXT_ONLY = (CHECKIN_INTENT, CHECKIN_SAFE_INTENT, CHECKIN_DECLINED_INTENT, FOLLOWUP_INTENT)
FAIL_SAFE_INTENT = "guard_crisis_general"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
KRATOM_INTENT_PREFIXES = ("faq_kratom_", "guard_kratom_")
OTHER_TOPIC_INTENTS_PREFIX = "faq_"
FEELING_PREFIX = "feeling_"
ASPECT_PREFIX = "aspect_"  # "side effects?", "how long?": a question about the conversation's subject
WHOLE_MESSAGE_SHARE = 0.8  # a soft match this much of the message (normalised) is all the message says
CHECKIN_SHARE_FLOOR = 0.35  # the classifier's check-in class this sure, behind a feeling, is a reason to ask
STATEMENTS = ("everyday_statement", "thanks")  # "thanks but it's fine" right after the lines: not a goodbye
# Replies that say little about the message itself: where the classifier also sees a crisis, ask instead
SAYS_LITTLE = (FALLBACK_INTENT, "everyday_statement", "goodbye", "guard_dose_other")
# After a crisis reply or a check-in, these replies would leave the visitor without the lines: they hold them
HOLDS_THE_LINES = (*SAYS_LITTLE, *STATEMENTS, "aspect_unknown", "out_of_scope")
# An amount in grams or milligrams is a dose whatever the classifier thinks the topic is ("should i drop to 2 grams
# or switch to red": kratom strains, unnamed); only a unitless amount may be out of scope ("how many steps a day")
AMOUNT_IN_UNITS = ("number_unit", "unit_word")
# Amount cues a visitor can tell without asking ("the same dream 3 or 4 times a week", "it was 2 cups")
TOLD_AMOUNTS = (*AMOUNT_IN_UNITS, "schedule_strict")
# A question mark, or a word that asks for something or tells a use: "give me", "should", "i take"
_ASKS_OR_USES = re.compile(
    r"\?|^\W*(?:is|are|was|were|am|did|has|have|had|must)\b|\b(?:how|what|whats|which|can|could|should|shall|may|might|"
    r"would|will|is it|is that|is this|are|do|does|give|gimme|tell|need|want|recommend|suggest|ok|okay|safe|advise|"
    r"enough|too much|too many|take|taking|took|use|using|used|dose|dosing|pop|popping|drink|drinking|smoke|smoking|"
    r"start|starting|up it|upped)\b"
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")
# Something done to the visitor ("like someone did stuff to me", "what he did to me"): a possible disclosure of harm,
# which keeps its check-in however sure the classifier is of another answer
_DONE_TO_ME = re.compile(r"\b(?:did|done|do|does|doing|happened|happening|tried)\b(?:\W+\w+){0,3}?\W+to me\b", re.I)
LEARNED_KIND_FLOOR = 0.05  # a crisis intent below this share of the classifier's belief does not name the kind
# Replies that answer nothing: danger told as the past keeps the crisis route unless there is a real answer
NO_ANSWER = (*SAYS_LITTLE, "aspect_unknown", OUT_OF_SCOPE_INTENT, "thanks", "greet")
PAST_ANSWER_FLOOR = 0.05  # the classifier's belief in that answer, under a crisis intent it sees too
# A question about the topic of a crisis kind ("is it normal to still feel jumpy months after being sexually
# assaulted?") keeps the crisis route, lines first, and gets the topic's answer after them: the route alone left
# the question unanswered. Only answers written for that kind, and only when the classifier is this sure of it.
TOPIC_ANSWERS = {
    "sexual_assault": ("faq_trauma_sexual_assault", "faq_trauma_mst"),
    "domestic_violence": ("faq_trauma_partner_violence",),
}
TOPIC_ANSWER_FLOOR = 0.5


@dataclass(frozen=True)
class Band:
    """The learned layer's bars (config.yml, chosen from the calibration curves: make eval)."""

    checkin_from: float = 0.3
    crisis_from: float = 0.85
    notice_from: float = 0.2  # below the check-in bar but worth a staff member's look ("set aside"); a soft
    # lexicon match needs at least this much agreement from the learned layer to ask
    pointer_from: float = 0.1  # a faint signal: the answer stays, with the crisis line under it ("faint")
    # A second opinion: the intent classifier's total belief in the crisis intents. From this belief, a
    # signal of at least pointer_from asks when the reply would say little ("Cat's in the cattery.
    # Indefinitely." would get "not understood", a statement's nod, a goodbye or a dose refusal) ...
    classifier_from: float = 0.6
    # ... and a lexicon veto (an idiom, a question about the topic) in one sentence takes back the lexicon's
    # words, not a learned score from here on that the classifier shares and another sentence carries
    # ("I promised myself I'd hang on until then. After that I'm going."), or that would get "not understood"
    vetoed_checkin_from: float = 0.5
    # an amount request naming no substance is refused, unless the classifier is this sure it is out of scope
    outside_from: float = 0.5
    # In a short message, the learned layer alone, below this, against an answer the classifier is at least
    # `sure_answer_from` sure of with under `classifier_quiet` crisis belief of its own, is set aside (the answer,
    # with the crisis line beside it), not asked about: "Are the side effects of the flu jab worse this year? My arm
    # is very sore." A long message keeps its check-in: a story holds its risk in one sentence the classifier misses.
    sure_answer_below: float = 0.5
    sure_answer_from: float = 0.8
    classifier_quiet: float = 0.1
    sure_answer_words: int = 20


@dataclass(frozen=True)
class Safety:
    """Where the conversation stands, read from the tracker: what the assistant's last reply was."""

    after: str | None = None  # "checkin" | "crisis" | None
    checkin_kind: str | None = None  # the kind guessed when the check-in was asked
    set_aside_intent: str | None = None  # the answer the check-in's message would otherwise have had
    topic: str | None = None  # a substance the conversation is about (the `topic` slot: kratom or other)
    subject: str | None = None  # the `subject` slot before this message (bank/subjects.yml): "sertraline", "cpt"


@dataclass
class Routing:
    intent: str | None = None  # None: keep the intent from before the guardrails
    guardrail: Dict[str, Any] | None = None  # why, for staff tools (shape: docs/staff.md, "What is recorded")
    entities: Dict[str, str] = field(default_factory=dict)  # region / topic for slots


def learned_crisis(ranking: Sequence[Tuple[str, float]]) -> Tuple[str | None, float]:
    """The classifier's strongest crisis intent (None below LEARNED_KIND_FLOOR) and its total crisis belief."""
    real = [(n, c) for n, c in ranking if n != FALLBACK_INTENT and n.startswith(CRISIS_PREFIX) and n != FOLLOWUP_INTENT]
    total = sum(c for _, c in real)
    best = max(real, key=lambda r: r[1], default=(None, 0.0))
    return (best[0] if best[1] >= LEARNED_KIND_FLOOR else None), total


def best_answer(ranking: Sequence[Tuple[str, float]], minimum: float) -> str:
    """The classifier's best intent that is an answer (not a crisis or in-context-only intent), or fallback."""
    for name, conf in ranking:
        if name == FALLBACK_INTENT or name.startswith(CRISIS_PREFIX) or name in IN_CONTEXT_ONLY:
            continue
        if conf >= minimum:
            return name
    return FALLBACK_INTENT


def metadata_region(metadata: Dict[str, Any] | None) -> str | None:
    """The region a web chat page was configured with (sent as message metadata)."""
    if isinstance(metadata, dict):
        value = metadata.get("region")
        if isinstance(value, str) and value.lower() in regions():
            return value.lower()
    return None


def topic_of(intent: str, text: str) -> str | None:
    """The conversation topic a message sets: kratom follow-ups ("just a rough number") need it."""
    if intent.startswith(KRATOM_INTENT_PREFIXES) or kratom.mentions_kratom(text):
        return "kratom"
    if intent.startswith(OTHER_TOPIC_INTENTS_PREFIX) or intent == "guard_dose_other":
        return "other"
    return None


class _Decision:
    """Builds the guardrail record staff tools read (docs/staff.md, "What is recorded"): its one shape."""

    def __init__(self, band: Band, probability: float, unit: str | None, answer_intent: str) -> None:
        self.band, self.probability, self.unit, self.answer_intent = band, probability, unit, answer_intent

    def record(self, outcome: str, kind: str | None, layer: str, verdict: Any = None, **extra: Any) -> Dict[str, Any]:
        guard = "kratom" if outcome == "refused" else "crisis"
        return {
            "guard": guard,
            "outcome": outcome,
            "kind": kind,
            "layer": layer,
            "pattern": getattr(verdict, "pattern", None),
            "matched": getattr(verdict, "matched", None),
            "probability": round(self.probability, 4),
            "unit": self.unit,
            "band": asdict(self.band),
            "set_aside_intent": self.answer_intent if outcome in ("checkin", "set_aside") else None,
            **extra,
        }


def route(
    text: str,
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    metadata: Dict[str, Any] | None = None,
    probability: float = 0.0,
    unit: str | None = None,
    band: Band = Band(),
    safety: Safety = Safety(),
    veto_min_confidence: float = 0.3,
) -> Routing:
    """`intent` is the intent after understanding (classifier, fallback, context); `probability` is the
    learned crisis layer's score for the message, highest over its sentences."""
    routing = Routing()
    region = detect_region(text) or metadata_region(metadata)
    if region:
        routing.entities["region"] = region

    learned_kind_intent, classifier_mass = learned_crisis(ranking)
    classifier_says_crisis = intent.startswith(CRISIS_PREFIX) and intent != FOLLOWUP_INTENT
    checkin_signal = intent in (CHECKIN_INTENT, FOLLOWUP_INTENT)  # out of place, each is a reason to ask
    # ... and so is the classifier's check-in class close behind a feeling or a statement: "everything feels
    # pointless lately" is a low mood and a warning sign at once, and the warning sign is asked about
    checkin_signal = checkin_signal or (
        (intent.startswith(FEELING_PREFIX) or intent in (*STATEMENTS, FALLBACK_INTENT))
        and dict(ranking).get(CHECKIN_INTENT, 0.0) >= CHECKIN_SHARE_FLOOR
    )
    needs_other_answer = classifier_says_crisis or intent in IN_CONTEXT_ONLY
    answer_intent = best_answer(ranking, veto_min_confidence) if needs_other_answer else intent
    dose = kratom.assess(text, safety.subject)
    if (
        dose is not None
        and dose.intent == kratom.INTENT_DOSE_FOLLOWUP
        and not safety.topic
        and dose.pattern not in AMOUNT_IN_UNITS
        and dict(ranking).get(OUT_OF_SCOPE_INTENT, 0.0) >= band.outside_from
    ):
        # an amount naming no substance, in a question the classifier is sure lies outside PTSD ("how many steps
        # a day do I need", "the recommended daily intake of vitamin D"), with no substance in the conversation:
        # the out-of-scope reply, which gives no amount either. After kratom, "how many a day is ok" is refused.
        dose = None
    if (
        dose is not None
        and dose.intent == kratom.INTENT_DOSE_FOLLOWUP
        and not (safety.topic or safety.subject)
        and dose.pattern in TOLD_AMOUNTS
        and not _ASKS_OR_USES.search(_sentence_holding(text, dose.matched))
    ):
        # an amount or a frequency told, with no substance anywhere in the conversation and nothing asked or taken:
        # "still get the same dream about the convoy 3 or 4 times a week" is about the dream, not a dose
        dose = None
    if dose is not None and dose.intent:
        answer_intent = dose.intent
    decide = _Decision(band, probability, unit, answer_intent)
    verdict = crisis.assess(text)
    lexicon_crisis = verdict is not None and not verdict.vetoed

    def crisis_route(kind: str | None, layer: str, v: Any = None, outcome: str = "crisis") -> Routing:
        kind = kind or "general"
        routing.intent = FOLLOWUP_INTENT if outcome == "followup" else f"{CRISIS_PREFIX}{kind}"
        routing.guardrail = decide.record(outcome, kind, layer, v)
        return routing

    def checkin_route(kind: str | None, layer: str, v: Any = None) -> Routing:
        routing.intent = CHECKIN_INTENT
        routing.guardrail = decide.record("checkin", kind or "suicide", layer, v)
        return routing

    def guessed_kind() -> str:
        if lexicon_crisis:
            return verdict.kind
        return learned_kind_intent[len(CRISIS_PREFIX) :] if learned_kind_intent else "general"

    # 1. The visitor is answering a check-in.
    if safety.after == "checkin":
        said, pattern = checkin.answer(text)
        if said == "decline":
            routing.intent = CHECKIN_DECLINED_INTENT
            routing.guardrail = decide.record("checkin_declined", safety.checkin_kind, "checkin_reply", pattern=pattern)
            return routing
        if said == "affirm":
            return crisis_route(safety.checkin_kind or "suicide", "checkin_reply", _Pattern(pattern, text))
        said_more = said == "deny" and pattern.startswith(checkin.LEAD_PREFIX)  # "no im safe, just tired. and ..."
        if said == "deny":
            # "no, I'm safe" is taken at its word unless the same message states a risk outright; the learned
            # score is not asked, since "safe" and "not" are crisis words to it. After a no that opens a longer
            # message, any crisis word in the rest, or a learned score at the crisis bar, is a risk.
            risky = (lexicon_crisis and (said_more or not verdict.soft)) or checkin.risk_followup(text) is not None
            risky = risky or (said_more and probability >= band.crisis_from)
        else:
            risky = lexicon_crisis or probability >= band.checkin_from
        if said == "deny" and not risky:
            carry_on = safety.set_aside_intent
            if said_more and answer_intent not in HOLDS_THE_LINES:  # (the fallback among them)
                carry_on = answer_intent  # the question that came with the no
            if not carry_on or carry_on == FALLBACK_INTENT or carry_on in IN_CONTEXT_ONLY:
                carry_on = CHECKIN_SAFE_INTENT
            routing.intent = carry_on
            routing.guardrail = decide.record("checkin_safe", safety.checkin_kind, "checkin_reply", pattern=pattern)
            return routing
        if risky:  # more risk words after a check-in: no second question, the lines now
            return crisis_route(guessed_kind(), "lexicon" if lexicon_crisis else "learned", verdict)

    # 2. A follow-up after a crisis reply (or a check-in answered with something else): risk words, or a
    #    message the assistant would not understand, stay on the crisis route: never "not understood" there.
    if safety.after in ("crisis", "checkin"):
        if lexicon_crisis and not verdict.soft:
            return crisis_route(verdict.kind, "lexicon", verdict)
        followup = checkin.risk_followup(text) if safety.after == "crisis" else None
        # A reply that is not a new question stays with the lines: "not understood", a nod, a goodbye ("It's
        # loaded", "He's asleep now"), more about how they feel ("mostly at night when the nightmares wake
        # me up"), or a statement with any signal in it ("What's the use. I survived that and for what.").
        # A check-in that gets one of these was not answered with a no. A check-in reply out of place ("I'm fine now.
        # Forget I said anything." after the lines) is judged by the answer it would leave the visitor with.
        # ... and so does a question about no subject at all ("does it matter", "why do you ask"): an aspect asked of
        # nothing is no new question here
        says_little = dose is None and (
            answer_intent in HOLDS_THE_LINES
            or intent.startswith(FEELING_PREFIX)
            or (intent.startswith(ASPECT_PREFIX) and not safety.subject)
        )
        faint_statement = probability >= band.pointer_from and "?" not in text
        if followup or lexicon_crisis or probability >= band.checkin_from or says_little or faint_statement:
            kind = guessed_kind() if (lexicon_crisis or probability >= band.checkin_from) else safety.checkin_kind
            return crisis_route(kind, "followup", _Pattern(followup, text), outcome="followup")

    # 3. One message on its own.
    signal = lexicon_crisis or probability >= band.checkin_from or classifier_says_crisis or checkin_signal
    kind = guessed_kind() if signal else None
    past = _told_as_past(text, kind, answer_intent, ranking, dose)  # no kind without a signal: None at once
    if past:
        # danger told as the past by a visitor who says it is over, with a question: its answer, and the help
        # line for its kind beside it (dialogue/answer_policy.py); "again", "lately", a plan... keep the route
        routing.intent = past[1]
        layer = "lexicon" if lexicon_crisis else "learned"
        routing.guardrail = decide.record("past", kind, layer, _Pattern(past[0], None))
        return _kratom_guard(routing, text, intent, dose)
    if lexicon_crisis and not verdict.soft:
        crisis_route(verdict.kind, "lexicon", verdict)
        topic_answer = _topic_answer(text, verdict.kind, ranking)
        if topic_answer:  # after the lines (dialogue/answer_policy.py)
            routing.guardrail["answer_too"] = topic_answer
        return routing
    if lexicon_crisis:  # soft: headlines and hyperbole use these words too
        if probability >= band.crisis_from:
            return crisis_route(verdict.kind, "lexicon", verdict)
        if probability >= band.notice_from or answer_intent in NO_ANSWER or _nothing_but(verdict, text):
            # ... and the words alone are reason to ask when the answer would say nothing about the message:
            # "spiralling hard, feeling proper suicidal" never gets "not understood", "which over-the-counter meds
            # are the most dangerous in large amounts?" not a dose refusal alone, and "Someone should probably feed
            # my cat from Monday." not "that is outside what I cover"
            return checkin_route(verdict.kind, "lexicon", verdict)
        if needs_other_answer:
            routing.intent = answer_intent
        routing.guardrail = decide.record("set_aside", verdict.kind, "lexicon", verdict)
        return _kratom_guard(routing, text, intent, dose)
    second_opinion = classifier_mass >= band.classifier_from
    if verdict is not None:  # vetoed: an idiom, a negation or a question about the topic
        # a veto speaks for its own sentence: "I promised myself I'd hang on until then. After that I'm going."
        elsewhere = _veto_elsewhere(verdict, unit, text)
        # ... and in a message of several sentences, a veto that would leave the visitor with "not understood" (or a
        # nod) takes back its words, not a signal both layers share: "I'm not trying to die, it's how I cope. But
        # it's a lot of blood this time." A one-sentence idiom stays vetoed ("i shot some hoops after work").
        unanswered = answer_intent in SAYS_LITTLE and dose is None and not verdict.intent and _several_sentences(text)
        if probability >= band.crisis_from or (
            (elsewhere or unanswered) and second_opinion and probability >= band.vetoed_checkin_from
        ):
            return checkin_route(guessed_kind(), "learned", verdict)
        if verdict.intent:
            routing.intent = verdict.intent
        elif needs_other_answer:
            routing.intent = answer_intent
        routing.guardrail = decide.record("vetoed", verdict.kind, "lexicon", verdict)
        return _kratom_guard(routing, text, intent, dose)
    if probability >= band.crisis_from:
        return crisis_route(guessed_kind(), "learned")
    # a signal worth noticing in a message the assistant would not understand: ask, never "not understood"
    unsure = answer_intent == FALLBACK_INTENT and dose is None and probability >= band.notice_from
    says_little = answer_intent in SAYS_LITTLE  # a dose refusal is the answer_intent already
    unsure = unsure or (says_little and second_opinion and probability >= band.pointer_from)
    if (
        probability >= band.checkin_from
        and not (checkin_signal or unsure)
        and _sure_elsewhere(text, intent, ranking, probability, classifier_mass, band)
    ):
        routing.guardrail = decide.record("set_aside", guessed_kind(), "learned")
        return _kratom_guard(routing, text, intent, dose)
    if probability >= band.checkin_from or checkin_signal or unsure:
        # the learned layer's score, or else the intent classifier's own check-in (or follow-up) class
        layer = "learned" if probability >= band.checkin_from or unsure else "classifier"
        return checkin_route(guessed_kind(), layer)
    if needs_other_answer:  # a check-in reply with no check-in, or a crisis guess below the bar
        routing.intent = answer_intent
    if classifier_says_crisis or probability >= band.notice_from:
        # a signal below the bar: the visitor gets the answer it would otherwise get, with the crisis line
        # beside it (dialogue/answer_policy.py); staff see it
        routing.guardrail = decide.record("set_aside", guessed_kind(), "learned")
    elif probability >= band.pointer_from and (routing.intent or intent) != FALLBACK_INTENT:
        # fainter still: not worth a staff member's look, but a crisis line costs one line of text and a
        # missed crisis is the worst bug (evaluation/README.md: what the pointer bar costs); the fallback
        # carries the line already
        routing.guardrail = decide.record("faint", guessed_kind(), "learned")
    return _kratom_guard(routing, text, intent, dose)


def _sure_elsewhere(
    text: str, intent: str, ranking: Sequence[Tuple[str, float]], probability: float, classifier_mass: float, band: Band
) -> bool:
    """The learned layer's lone, middling signal in a short message whose answer the classifier is sure of and sees
    no crisis in.

    Feelings are left out: a disclosure with a learned signal is asked about, whatever the classifier thinks.
    """
    return (
        probability < band.sure_answer_below
        and len(text.split()) <= band.sure_answer_words
        and not _DONE_TO_ME.search(text)
        and classifier_mass < band.classifier_quiet
        and not intent.startswith((FEELING_PREFIX, CRISIS_PREFIX))
        and intent not in (*SAYS_LITTLE, *IN_CONTEXT_ONLY)
        and dict(ranking).get(intent, 0.0) >= band.sure_answer_from
    )


def _topic_answer(text: str, kind: str | None, ranking: Sequence[Tuple[str, float]]) -> str | None:
    """The answer to a question about the topic of this crisis kind, when the classifier is sure of it."""
    if "?" not in text:
        return None
    answer = best_answer(ranking, TOPIC_ANSWER_FLOOR)
    return answer if answer in TOPIC_ANSWERS.get(kind or "", ()) else None


@dataclass(frozen=True)
class _Pattern:
    """A check-in or follow-up pattern, recorded like a lexicon verdict."""

    pattern: str | None
    matched: str | None


def _told_as_past(
    text: str, kind: str | None, answer_intent: str, ranking: Sequence[Tuple[str, float]], dose: Any
) -> Tuple[str, str] | None:
    """(the resolved.yml patterns, the answer) when danger of a kind that is often a preamble is told as over."""
    if kind not in resolved.KINDS or dose is not None:
        return None
    told = resolved.told_as_past(text)
    if not told:
        return None
    answer = answer_intent if answer_intent != FALLBACK_INTENT else best_answer(ranking, PAST_ANSWER_FLOOR)
    return None if answer in NO_ANSWER else (told, answer)


def _veto_elsewhere(verdict: Any, unit: str | None, text: str) -> bool:
    """The learned score's riskiest sentence is not the whole message and does not hold the vetoed words."""
    matched = (getattr(verdict, "matched", None) or "").lower()
    if not unit or not matched or unit.strip().lower() == text.strip().lower():
        return False
    return matched not in unit.lower()


def _sentence_holding(text: str, words: str | None) -> str:
    """The sentence (lower case) that holds `words`, or the whole text: "What causes migraine? I have it every
    week." asks its question in one sentence and tells how often in the other."""
    lowered = text.lower()
    for sentence in _SENTENCES.split(lowered):
        if words and words.lower() in sentence:
            return sentence.strip()
    return lowered


def _nothing_but(verdict: Verdict, text: str) -> bool:
    """The soft words are the whole message ("bye i guess", "relapse. two years gone."): there is no headline or
    story around them to read them as, and no other question to answer, so the assistant asks."""
    return bool(verdict.matched) and len(verdict.matched) >= WHOLE_MESSAGE_SHARE * len(crisis.normalise(text))


def _several_sentences(text: str) -> bool:
    return sum(1 for sentence in _SENTENCES.split(text.strip()) if sentence.strip()) >= 2


def _kratom_guard(routing: Routing, text: str, intent: str, dose: Any) -> Routing:
    if dose is not None and dose.intent:
        routing.intent = dose.intent
        guard = dict(dose.as_dict(), outcome="refused", layer="lexicon")
        if routing.guardrail:  # keep what the crisis side saw, for staff
            guard["crisis"] = routing.guardrail
        routing.guardrail = guard
    topic = topic_of(routing.intent or intent, text)
    if topic:
        routing.entities["topic"] = topic
    return routing


def fail_safe(error: BaseException) -> Routing:
    return Routing(
        intent=FAIL_SAFE_INTENT,
        guardrail={
            "guard": "crisis",
            "outcome": "error",
            "intent": FAIL_SAFE_INTENT,
            "kind": "general",
            "layer": "error",
            "error": type(error).__name__,
        },
    )


def ranking_pairs(ranking: Sequence[Dict[str, Any]]) -> list:
    return [(r.get("name"), float(r.get("confidence") or 0.0)) for r in ranking if r.get("name")]
