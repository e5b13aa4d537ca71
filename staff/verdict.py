"""One plain-language verdict per visitor message: what happened, in words a support-line supervisor can read.

`verdict(parse, answer_keys)` reads a message's parse data (as stored with its UserUttered event; the shape is
the pipeline's record: `guardrail`, `context`, `intent`, `intent_ranking`) and the answer keys of the replies
it got, and returns:
  kind    one outcome name (the inbox filters on it; KINDS lists them all),
  text    one sentence, the same in explain (web and terminal), stored conversations and batch reports,
  alarm   "red" when a crisis signal was set aside or a possible crisis got no help line, "amber" when a
          person should look (crisis words taken back, a safety check that failed), else None,
  banner  the red or amber banner's words.

Both guardrail record shapes are read: the current one (`outcome`, `probability`, `band`) and the older one
(`layer` deterministic/learned, `vetoed`, `demoted`, `confidence`). Nothing here logs or stores text.
"""

from __future__ import annotations

from typing import Any, Dict, List, Sequence

POINTER = "contacts_pointer"  # one short crisis line under fallback replies, not the region's full list
LOW_CONFIDENCE = 0.5  # an answer chosen below this is worth a person's look
FALLBACK_INTENT = "nlu_fallback"

KINDS = {
    "crisis": "Crisis route",
    "checkin": "Safety check-in",
    "checkin_answer": "Answer to a check-in",
    "followup": "Crisis follow-up",
    "set_aside": "Crisis signal set aside",
    "faint": "Faint crisis signal, line added",
    "vetoed": "Crisis words taken back",
    "past": "Danger told as over, answered",
    "refused": "Dose refused",
    "error": "Safety check failed",
    "clarify": "Asked to clarify",
    "aspect_unknown": "Honest 'I don't know that part'",
    "compare": "Comparison",
    "fallback": "Not understood",
    "out_of_scope": "Out of scope",
    "answered": "Answered",
    "low_confidence": "Answered, low confidence",
}

CRISIS_KINDS = {
    "suicide": "suicide",
    "self_harm": "self-harm",
    "overdose": "overdose",
    "harm_others": "harm to others",
    "domestic_violence": "domestic violence",
    "sexual_assault": "sexual assault",
    "medical": "medical emergency",
    "third_party": "worry about someone else",
    "general": "general distress",
}
REFUSALS = {
    "dose": "a kratom dose or amount",
    "other_dose": "a medicine dose or amount",
    "followup": "a follow-up asking for a dose again",
    "replacement": "kratom as a replacement for treatment",
}
VETOES = {
    "idiom": "an everyday idiom",
    "negation": "a negation (the visitor said they are not in danger)",
    "topic": "a question about the topic, not about themselves",
}


def _pct(value: Any) -> str:
    try:
        return f"{round(float(value) * 100)}%"
    except (TypeError, ValueError):
        return "?%"


def guard_record(guardrail: Dict[str, Any] | None) -> Dict[str, Any] | None:
    """The guardrail record in the current shape, whichever shape it was stored in."""
    if not guardrail:
        return None
    g = dict(guardrail)
    if not g.get("outcome"):  # the older record
        if g.get("layer") == "error":
            g["outcome"] = "error"
        elif g.get("vetoed"):
            g["outcome"] = "vetoed"
        elif g.get("demoted"):
            g["outcome"] = "set_aside"
        else:
            g["outcome"] = "refused" if g.get("guard") == "kratom" else "crisis"
        if g.get("layer") == "deterministic":
            g["layer"] = "lexicon"
        if g.get("probability") is None and g.get("layer") == "learned":
            g["probability"] = g.get("confidence")
    return g


def _contacts(answer_keys: Sequence[str]) -> List[str]:
    return [k for k in answer_keys if k and k.startswith("contacts_")]


def _main_answer(answer_keys: Sequence[str]) -> str | None:
    for key in answer_keys:
        if key and not key.startswith("contacts_") and key != "guard_crisis_continue":
            return key
    return answer_keys[0] if answer_keys else None


def what_they_got(answer_keys: Sequence[str]) -> str:
    key = _main_answer(answer_keys)
    if not key:
        return "no reply"
    if key == "fallback":
        return "the not-understood reply"
    if key == "out_of_scope":
        return "the out-of-scope reply"
    return f"the answer {key}"


def _matched(g: Dict[str, Any]) -> str:
    if g.get("matched"):
        pattern = f" (pattern {g['pattern']})" if g.get("pattern") else ""
        return f"matched the phrase \u201c{g['matched']}\u201d{pattern}"
    if g.get("probability") is not None:
        return f"the learned check was {_pct(g['probability'])} sure"
    return f"by the {g.get('layer') or 'guardrail'} layer"


def _bar(g: Dict[str, Any], which: str) -> str:
    """ " of 75%" when the record says where the bar was."""
    band = g.get("band") or {}
    return f" of {_pct(band[which])}" if band.get(which) is not None else ""


def _top_guess(parse: Dict[str, Any]) -> tuple:
    for item in parse.get("intent_ranking") or []:
        if item.get("name") and item.get("name") != FALLBACK_INTENT:
            return item["name"], float(item.get("confidence") or 0.0)
    return None, 0.0


def _result(kind: str, text: str, alarm: str | None = None, banner: str | None = None) -> Dict[str, Any]:
    return {"kind": kind, "label": KINDS[kind], "text": text, "alarm": alarm, "banner": banner}


def _guard_verdict(g: Dict[str, Any], answer_keys: Sequence[str]) -> Dict[str, Any]:
    outcome, kind = g.get("outcome"), g.get("kind") or "general"
    contacts = [c for c in _contacts(answer_keys) if c != POINTER]  # full help-line lists
    if contacts:
        help_lines = f"help lines sent ({', '.join(contacts)})"
    elif POINTER in answer_keys:
        help_lines = f"only the one-line help pointer ({POINTER}), NO full help lines"
    else:
        help_lines = "NO help lines were sent"
    if outcome == "crisis":
        text = f"Crisis route: {CRISIS_KINDS.get(kind, kind)}, {_matched(g)}; {help_lines}."
        if g.get("answer_too"):  # a question about the kind's topic: its answer came after the lines
            text = text[:-1] + f", then the answer {g['answer_too']} to the question asked."
        if not contacts:
            return _result("crisis", text, "red", "Crisis route without help lines: the visitor got no help line.")
        return _result("crisis", text)
    if outcome == "checkin":
        why = (
            "the intent classifier read it as a message to ask about"
            if g.get("layer") == "classifier"
            else f"{_pct(g.get('probability'))}, over the check-in bar{_bar(g, 'checkin_from')}"
        )
        text = f"Possible crisis ({why}): asked a safety check-in question; {help_lines}."
        if not contacts:
            return _result("checkin", text, "red", "Possible crisis: the check-in went out without help lines.")
        return _result("checkin", text)
    if outcome in ("checkin_safe", "checkin_declined"):
        said = "they are safe" if outcome == "checkin_safe" else "they would rather not say"
        return _result("checkin_answer", f"Answer to the safety check-in: the visitor said {said}; {help_lines}.")
    if outcome == "followup":
        return _result(
            "followup", f"Stayed on the crisis route: a message after a crisis reply or check-in; {help_lines}."
        )
    if outcome == "set_aside":
        got = what_they_got(answer_keys)
        text = (
            f"Looked like a possible crisis ({_pct(g.get('probability'))}, {CRISIS_KINDS.get(kind, kind)}) but below "
            f"the check-in bar{_bar(g, 'checkin_from')}: the visitor got {got} and {help_lines}."
        )
        banner = "Crisis signal set aside" + ("." if contacts else ": this visitor got NO full help lines.")
        return _result("set_aside", text, "red", banner)
    if outcome == "faint":
        text = (
            f"A faint crisis signal ({_pct(g.get('probability'))}, below the notice bar{_bar(g, 'notice_from')}): "
            f"the visitor got {what_they_got(answer_keys)} and {help_lines}."
        )
        if not _contacts(answer_keys):  # the pointer is what a faint signal adds
            return _result("faint", text, "red", "Faint crisis signal, but the help line was not sent.")
        return _result("faint", text)
    if outcome == "past":
        # guardrails/resolved.py: the visitor said when it happened and that it is over, and asked something
        said = f"{CRISIS_KINDS.get(kind, kind)}; when and that it is over: {g.get('pattern')}"
        text = f"Danger told as over ({said}): the visitor got {what_they_got(answer_keys)} and {help_lines}."
        if not _contacts(answer_keys):
            return _result("past", text, "red", "Danger told as over, but the help line was not sent.")
        return _result("past", text, "amber", "Danger told as over: check that it really is.")
    if outcome == "vetoed":
        why = VETOES.get(kind, "a hard negative")
        words = f" (\u201c{g['matched']}\u201d)" if g.get("matched") else ""
        text = f"Crisis words{words} were taken back as {why}: the visitor got {what_they_got(answer_keys)}."
        return _result("vetoed", text, "amber", "Crisis words taken back: check that this was right.")
    if outcome == "refused":
        text = f"Refused {REFUSALS.get(kind, 'a dose')}, {_matched(g)}: {what_they_got(answer_keys)}."
        seen = guard_record(g.get("crisis")) if isinstance(g.get("crisis"), dict) else None
        if seen and seen["outcome"] in ("set_aside", "vetoed"):  # the crisis side saw something too
            also = _guard_verdict(seen, answer_keys)
            return _result("refused", f"{text} Also: {also['text']}", also["alarm"], also["banner"])
        return _result("refused", text)
    if outcome == "error":
        return _result(
            "error",
            f"A safety check failed, so the crisis-safe reply was sent; {help_lines}. Tell the engineers.",
            "amber" if contacts else "red",
            "A safety check failed." + ("" if contacts else " No help line was sent."),
        )
    return _result("answered", f"Guardrail record with an unknown outcome ({outcome}): {what_they_got(answer_keys)}.")


def verdict(parse: Dict[str, Any] | None, answer_keys: Sequence[str]) -> Dict[str, Any]:
    parse = parse or {}
    answer_keys = [k for k in answer_keys if k]
    g = guard_record(parse.get("guardrail"))
    if g:
        return _guard_verdict(g, answer_keys)
    context = parse.get("context") or {}
    intent = parse.get("intent") or {}
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
    first = context.get("answer_first")  # what a subject not met yet is, sent before the detail asked of it
    main = _main_answer([k for k in answer_keys if k != first] if first else answer_keys)
    if context.get("rule") == "clarify" or main == "clarify":
        options = [f"{c[0]} ({_pct(c[1])})" for c in context.get("candidates") or [] if len(c) == 2]
        between = " and ".join(options) if options else "two answers"
        return _result("clarify", f"Asked to clarify between {between}.")
    if main == "aspect_unknown":
        subject, aspect = context.get("subject"), context.get("aspect")
        about = f" about {aspect}" if aspect else ""
        return _result(
            "aspect_unknown",
            f"Recognised the subject{f' ({subject})' if subject else ''} but the bank has no answer{about}: it said so.",
        )
    if main and (main == "compare" or main.startswith("compare_")):
        if main == "compare":
            return _result("compare", "Asked which two treatments to compare.")
        return _result("compare", f"Compared {main[len('compare_') :].replace('_', ' and ', 1)} (answer {main}).")
    if name == FALLBACK_INTENT or main == "fallback":
        guess, guess_confidence = _top_guess(parse)
        best = f"its best guess, {guess} at {_pct(guess_confidence)}, was below the bar" if guess else "no guess"
        return _result("fallback", f"Not understood: {best}; the visitor got the not-understood reply.")
    if name == "out_of_scope" or main == "out_of_scope":
        return _result("out_of_scope", f"Out of scope ({_pct(confidence)}): said it cannot help with that.")
    earlier = ""
    if context.get("subject_from") == "slot" and context.get("subject"):
        earlier = f", taking the subject ({context['subject']}) from earlier in the conversation"
    elif context.get("subject_from") == "default":
        earlier = ", about PTSD care in general (no subject was named in the conversation)"
    if first:
        earlier += f", after {first} (what the subject is: it had not come up yet)"
    if confidence < LOW_CONFIDENCE:
        return _result(
            "low_confidence", f"Answered {main or name} but only {_pct(confidence)} sure{earlier}: check it."
        )
    return _result("answered", f"Answered {main or name} with {_pct(confidence)} confidence{earlier}.")
