"""Tests for the deterministic crisis detector (guardrails/crisis.py) and its evaluation set.

Run: cd /work/main && .venv/bin/pytest -q tests/guardrails/test_crisis_detector.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bank.loader import parse_examples  # noqa: E402
from guardrails.crisis import KINDS, assess, load_lexicon, normalise  # noqa: E402
from guardrails.verdict import Verdict  # noqa: E402
from scripts.eval_crisis import CASES, MAX_FPR, evaluate, format_report, load_cases  # noqa: E402

TRAINING = ROOT / "data" / "guardrails" / "crisis.yml"


def crisis_kind(text: str):
    v = assess(text)
    return v.kind if v is not None and not v.vetoed else None


# ----------------------------------------------------------------------------- unit tests per kind


@pytest.mark.parametrize(
    "text, kind",
    [
        ("I want to kill myself", "suicide"),
        ("i want to commit suicide", "suicide"),
        ("kms", "suicide"),
        ("thinking about unaliving myself", "suicide"),
        ("i wish i could go to sleep and not wake up", "suicide"),
        ("everybody would be better off without me", "suicide"),
        ("how many tylenol would it take", "suicide"),
        ("cant stop thinking about the bridge", "suicide"),
        ("my gun is loaded", "suicide"),
        ("i finished writing my goodbye letters", "suicide"),
        ("i keep cutting myself", "self_harm"),
        ("i burn myself when i get triggered", "self_harm"),
        ("I took a whole bottle of pills", "overdose"),
        ("ill take the whole bag", "overdose"),
        ("i want to kill my neighbour", "harm_others"),
        ("my boyfriend hits me", "domestic_violence"),
        ("my mom beats me with a belt", "domestic_violence"),
        ("i was raped", "sexual_assault"),
        ("i was molested when i was 8", "sexual_assault"),
        ("my dad is having a heart attack", "medical"),
        ("she is not breathing", "medical"),
        ("my friend says he wants to die", "third_party"),
        ("my brother is talking about killing himself", "third_party"),
        ("i'm in crisis", "general"),
        ("i cant go on", "general"),
    ],
)
def test_each_kind(text, kind):
    v = assess(text)
    assert isinstance(v, Verdict) and v.guard == "crisis" and not v.vetoed
    assert v.kind == kind and v.intent == f"guard_crisis_{kind}"
    assert v.pattern and v.matched  # the deciding lexicon entry and span are recorded


@pytest.mark.parametrize(
    "text",
    [
        "i want to commit sucide",
        "feeling suicidel",
        "i wanna kil myself",
        "i feel like dieing",
        "I WANT TO DIEEEEE",
        "i want to dieeee!!!",
        "im    so   suicidal...",
        "i dont wanna live anymore",
        "suiside is all i think about",
        "kill my self",
    ],
)
def test_misspellings_and_noise(text):
    assert crisis_kind(text) is not None, text


@pytest.mark.parametrize(
    "text",
    [
        "this paperwork is killing me",
        "that cheesecake is to die for",
        "im dying to know the ending",
        "i could kill for a coffee",
        "she is killing it at work",
        "my phone died",
        "i nearly died laughing",
        "dead tired",
        "how do i cut onions",
        "the battery died",
        "overdosed on coffee lol",
    ],
)
def test_idioms_are_not_crisis(text):
    v = assess(text)
    assert v is None or v.vetoed, f"{text!r} -> {v}"


def test_idiom_verdict_records_the_veto():
    v = assess("this paperwork is killing me")
    assert v is not None and v.vetoed and v.intent is None and v.pattern.startswith("idiom.")


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, I just can't sleep",
        "I don't want to kill myself, I want to know about EMDR",
        "i would never hurt myself",
    ],
)
def test_negations_veto(text):
    v = assess(text)
    assert v is not None and v.vetoed and v.intent is None and v.kind == "negation"


@pytest.mark.parametrize(
    "text",
    [
        "hes outside the door screaming that hes going to kill me",  # not "that is killing me"
        "r u sure 20 paracetamol wont do it cos ive got 60",  # the pills "wont do it": not "i wont do it"
    ],
)
def test_threats_and_doses_are_never_vetoed_as_idiom_or_negation(text):
    v = assess(text)
    assert v is None or not v.vetoed, f"{text!r} -> {v}"  # the learned layer judges them


@pytest.mark.parametrize("text", ["which is faster, pills or jumping", "pills or the bridge, which is less painful"])
def test_comparing_ways_to_die_is_a_crisis(text):
    assert crisis_kind(text) == "suicide"


@pytest.mark.parametrize("text", ["which is better cpt or emdr", "which is better, pills or therapy"])
def test_comparing_treatments_is_not(text):
    assert assess(text) is None


def test_i_wont_do_it_is_still_a_negation():
    v = assess("i wont do it, i promise")
    assert v is not None and v.vetoed and v.kind == "negation"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("I'm not sure I want to live", "suicide"),
        ("im not suicidal but i want to die", "suicide"),
        ("i dont want to kill myself but i keep thinking about it", "suicide"),
        ("i'm not suicidal. i cut myself last night though", "self_harm"),
        ("not suicidal, just wish i would not wake up", "suicide"),
    ],
)
def test_negation_only_vetoes_what_it_negates(text, kind):
    assert crisis_kind(text) == kind


def test_topic_question_routes_to_information():
    v = assess("what is the suicide rate among veterans")
    assert v is not None and v.vetoed and v.intent == "faq_ptsd_suicide_risk"


@pytest.mark.parametrize("text", ["what happens if you take too much kratom", "can you take too many sleeping pills"])
def test_what_if_anyone_takes_too_much_is_a_question_about_risks(text):
    v = assess(text)
    assert v is not None and v.vetoed and v.kind == "topic", v


@pytest.mark.parametrize(
    "text",
    [
        "what happens if i take too much kratom",  # the visitor's own plan: the lexicon keeps it
        "i took too much kratom and my heart is racing",
        "what happens if you take too much kratom, i have taken 40 pills",
    ],
)
def test_taking_too_much_oneself_stays_an_overdose(text):
    assert crisis_kind(text) == "overdose"


def test_crisis_after_topic_question_still_wins():
    assert crisis_kind("what is the suicide rate among veterans? asking because i want to kill myself") == "suicide"


@pytest.mark.parametrize(
    "text",
    [
        "hi i have a question about kratom i have been using it for about two years for my back and my ptsd "
        "and my wife says i should stop but honestly some nights i just want to die and kratom is the only "
        "thing that takes the edge off so how do i taper",
        "can kratom help with ptsd nightmares? also i took a whole bottle of my pills an hour ago",
        "long story short the va lost my paperwork again, my therapist left, i cant sleep, and i have been "
        "thinking about ending my life, anyway what is cpt",
    ],
)
def test_crisis_buried_in_long_message(text):
    assert crisis_kind(text) is not None


@pytest.mark.parametrize(
    "text, kind",
    [
        ("quiero morir", "suicide"),
        ("me quiero matar", "suicide"),
        ("no quiero vivir", "suicide"),
        ("me voy a suicidar", "suicide"),
        ("je veux mourir", "suicide"),
        ("je vais me suicider", "suicide"),
        ("j'ai envie de mourir", "suicide"),
        ("je vais me tuer", "suicide"),
        ("mi esposo me pega", "domestic_violence"),
        ("me violaron", "sexual_assault"),
        ("mon ami veut se suicider", "third_party"),
    ],
)
def test_spanish_and_french(text, kind):
    assert crisis_kind(text) == kind


@pytest.mark.parametrize("text", ["me muero de risa", "no quiero morir, quiero mejorar", "je ne suis pas suicidaire"])
def test_spanish_and_french_negatives(text):
    v = assess(text)
    assert v is None or v.vetoed


def test_precedence_overdose_beats_suicide():
    assert crisis_kind("i want to die so i took all my pills") == "overdose"


def test_no_crisis_language_returns_none():
    assert assess("how long does prolonged exposure therapy take") is None


def test_lexicon_is_complete_and_documented():
    lex = load_lexicon()
    assert sorted(lex.precedence) == sorted(KINDS)
    assert {e.kind for e in lex.crisis} == set(KINDS)
    raw = yaml.safe_load((ROOT / "guardrails" / "lexicons" / "crisis.yml").read_text(encoding="utf-8"))
    for section in ("crisis", "idioms", "negations", "topics"):
        for item in raw[section]:
            assert item.get("id") and item.get("why"), item


# ----------------------------------------------------------------------------- the evaluation set


@pytest.fixture(scope="module")
def report():
    return evaluate()


def test_evaluation_set_size():
    cases = load_cases()
    pos, neg = cases["positives"], cases["negatives"]
    assert len(pos) >= 330 and len(neg) >= 220
    per_kind = {k: sum(1 for c in pos if c["kind"] == k) for k in KINDS}
    for kind, n in per_kind.items():
        assert n >= (1 if kind == "general" else 25), (kind, n)


def test_every_positive_is_detected(report):
    print(format_report(report))  # shows per-kind recall, wrong kinds and false positives with -s
    assert not report.misses, "missed crises:\n" + "\n".join(f"[{k}] {t}" for k, t in report.misses)


def test_false_positive_rate(report):
    assert report.fpr <= MAX_FPR, "false positives:\n" + "\n".join(t for _, _, t in report.false_positives)


def test_evaluation_texts_never_used_for_training():
    doc = yaml.safe_load(TRAINING.read_text(encoding="utf-8"))
    training = {normalise(e) for item in doc["nlu"] for e in parse_examples(item.get("examples", ""))}
    cases = load_cases(CASES)
    overlap = [c["text"] for c in cases["positives"] + cases["negatives"] if normalise(c["text"]) in training]
    assert not overlap, f"evaluation texts found in training data: {overlap}"


def test_the_evaluation_can_fail(tmp_path):
    """Guard against a vacuous evaluation: a planted miss and a planted false positive must both fail."""
    bad = {
        "positives": [{"kind": "suicide", "text": "the weather is nice today"}],
        "negatives": [{"type": "idiom", "text": "i want to kill myself"}],
    }
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    r = evaluate(path)
    assert r.misses and r.false_positives and not r.passed


# ----------------------------------------------------------------------------- indirect warning signs (2026-11)
# Phrasings below are written fresh for these tests (not copied from crisis_dev.yml or crisis_cases.yml).

DEV = ROOT / "tests" / "guardrails" / "crisis_dev.yml"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("im giving my guitar to my cousin so he has something to remember me by", "suicide"),
        ("my brother can have my car once im gone", "suicide"),
        ("sold my bike because i wont need it anymore", "suicide"),
        ("i finally got all my affairs in order", "suicide"),
        ("i set a date", "suicide"),
        ("its all over tonight", "suicide"),
        ("everybody would be happier if i was gone", "suicide"),
        ("nobody would even show up to my funeral", "suicide"),
        ("death sounds like a relief honestly", "suicide"),
        ("ive been looking up painless ways to go", "suicide"),
        ("my last try didnt work", "suicide"),
        ("i hope i never open my eyes again", "suicide"),
        ("i wont be around to bother anyone much longer", "suicide"),
        ("wrote letters for my family to find", "suicide"),
        ("the pills are lined up on my nightstand", "suicide"),
        ("bought a rifle last week even though i dont hunt", "suicide"),
        ("regale todas mis cosas", "suicide"),
        ("nadie me extranaria", "suicide"),
        ("je donne toutes mes affaires", "suicide"),
        ("personne ne me regretterait", "suicide"),
        ("i cut again last night after eight months clean", "self_harm"),
        ("i sink my nails into my arms when it gets bad", "self_harm"),
        ("took way too many of my sleeping pills and cant stay awake", "overdose"),
        ("im afraid of what i might do to my son", "harm_others"),
        ("i want to run my ex over with my truck", "harm_others"),
        ("she puts her hands around my throat when shes angry", "domestic_violence"),
        ("my boyfriend choked me last night", "domestic_violence"),
        ("he says hell leak my nudes unless i send more", "sexual_assault"),
        ("a grown man keeps asking me for pics on snapchat", "sexual_assault"),
        ("my uncle touches me and tells me nobody would believe me", "sexual_assault"),
        ("my wife collapsed and isnt responding", "medical"),
        ("found razor blades in my sons backpack", "third_party"),
        ("my cousin is on the ledge and wont come down", "third_party"),
        ("i might act on these thoughts tonight", "general"),
        ("i dont know how much longer i can hang on", "general"),
        # rounds 7 and 8: the general forms of blind misses, in new words
        ("should i bother with emdr if im planning to be dead before christmas", "suicide"),
        ("honestly im not afraid of dying anymore, im afraid ill botch it again", "suicide"),
        ("what pills give a painless death", "suicide"),
        ("i have come to the conclusion that i cannot go on", "suicide"),
        ("overdid the xanax and my heart is pounding", "overdose"),
        ("how mutch paracetamol is leathal", "overdose"),
        ("a client just messaged to say she had taken an overdose", "overdose"),
        ("crushing pain in my chest going down my left arm", "medical"),
        ("i keep thinking about giving her all the tablets at once", "harm_others"),
        ("i dont think i can hold on till my appointment", "suicide"),
        ("been rewriting my goodbye letter on my phone all night", "suicide"),
        ("id rather drift away quietly than go into a care home", "suicide"),
        ("my wife is fitting on the kitchen floor", "medical"),
        ("old man across the road, curtains drawn for three days, post piling up on the mat", "third_party"),
        ("i do not trust myself to be alone tonight", "general"),
        ("i burn my arms with a lighter, is that a ptsd thing", "self_harm"),
        ("it happened saturday, is there still time for a rape kit", "sexual_assault"),
        # round 9 (the round-8 sealed split's misses, reworded)
        ("the council turned me down. ive made a plan for the woman who signed it", "harm_others"),
        ("got everything i need for the man who conned my mum", "harm_others"),
        ("i nearly pushed a guy in front of the bus today", "harm_others"),
        ("im scared of myself right now", "general"),
        ("sliced my palm and blood is spurting out", "medical"),
        ("might wrap the car round a tree and make it look like an accident", "suicide"),
        ("nothing works, i give up, im ending it", "suicide"),
        ("my uncle gave away his tools and now he's unreachable", "third_party"),
        ("should we ask for a welfare check on my nan", "third_party"),
        ("going to jump off the 9th floor tonight", "suicide"),
        ("got a length of hose for the car exhaust", "suicide"),
        # round 10 (the round-9 sealed split's misses, reworded)
        ("found out my daughter looked up how long it would take to die by drowning", "suicide"),
        ("took extra tonight and my breathing is getting really slow", "overdose"),
        ("hes nodding out on the couch after those pills", "overdose"),
        # round 11 (the round-10 sealed split's misses, reworded)
        ("ive got a plan to badly hurt my neighbour and its getting hard not to", "harm_others"),
        ("so close to stabbing someone at work today", "harm_others"),
        ("he swung a bat at my little brother last night", "harm_others"),
        ("my dad wont wake up even when we shake him", "medical"),
        ("i took my sleeping pills with vodka on purpose", "overdose"),
        ("my boyfriend has locked me in the bedroom again", "domestic_violence"),
        ("she had her hands round my throat and i passed out", "domestic_violence"),
        ("my daughter keeps hitting herself in the face when the memories come", "self_harm"),
        ("which of my pills is strongest to die, i have two kinds", "suicide"),
        ("finished my note, its on the kitchen table", "suicide"),
        # round 12 (the round-11 sealed split's misses, reworded)
        ("kept a bullet back from the range and brought it home", "suicide"),
        ("the suicidal thoughts have come back worse since my last session", "suicide"),
        ("do you black out fast if you hang yourself", "suicide"),
        ("i know exactly how many would do it, theyre in my drawer", "suicide"),
        ("my legs are jerking by themselves and i have a fever since the new pills", "medical"),
        ("my old boss cornered me alone and groped me at the party", "sexual_assault"),
        ("got jumped on my way to the bus twenty minutes ago", "general"),
        ("i need urgent help please", "general"),
        ("not okay not okay not okay", "general"),
        ("had my gun drawn at the lights today, my temper is gone", "harm_others"),
        ("swallowed all my sleeping tablets so the memories stop", "overdose"),
        ("i cut my arm deliberately last night, how do i keep it clean", "self_harm"),
        ("wont be sticking around much longer if these nightmares keep up", "suicide"),
        ("the noose is tied in the garage", "suicide"),
        ("been reading about methods and i have picked one", "suicide"),
        ("made two attempts after my divorce and nobody knows", "suicide"),
        # round 13 (the round-12 sealed split's misses, reworded)
        ("last night my husband held me against the door by the neck, hes downstairs now", "domestic_violence"),
        ("suddenly lost the sight in my left eye and have a pounding headache, started ten minutes ago", "medical"),
        ("would it hurt if you jumped from 8 floors, just wondering", "suicide"),
        ("i should have died with them that day. im going to fix that soon", "suicide"),
        ("i keep having thoughts of hurting a coworker and i got a knife today", "harm_others"),
        ("the insurance will pay now, two years have passed", "suicide"),
        # round 13 (older dev messages the retrained model lost, reworded)
        ("shes asleep now, how can i sneak out with the kids", "domestic_violence"),
        ("i found his new address and i am going to go there tonight", "harm_others"),
        ("getting chased right now, hiding under a car", "general"),
        ("almost punched my neighbour today and i still want to", "harm_others"),
        ("my son swallowed a coin battery i think", "medical"),
        ("banged my head at work and now i keep throwing up", "medical"),
        ("how many xans is too many, ive taken 6", "overdose"),
        ("always in long sleeves even when its hot, and theres blood on the towels", "self_harm"),
        ("can you see fat in the cut if its deep, asking for myself", "self_harm"),
        ("my sergeant held me down last night and i froze", "sexual_assault"),
        ("he said i would lose my job unless i let him", "sexual_assault"),
        ("i think someone spiked my drink at the bar", "sexual_assault"),
        ("loaded the pistol. counting the hours", "suicide"),
        ("would a bridge that high be lethal? im thinking about it", "suicide"),
        ("what is the least painful way to go, asking for a friend", "suicide"),
        ("cant anymore. gonna jump", "suicide"),
        ("the noose costs less than my copay lol", "suicide"),
        ("do therapists report it if you have a plan? asking because i do", "suicide"),
        ("been looking up how long it takes to drown, the lake is close", "suicide"),
        ("i wont see another christmas, my choice", "suicide"),
        ("i have the cord ready in the shed", "suicide"),
        # round 14 (the round-13 sealed split's misses, reworded)
        ("everyone says im a burden and they are right. got a rope today", "suicide"),
        ("i give up. the note is written and its on my desk, ive written the letter for my kids", "suicide"),
        ("ive been purposely hurting myself with a lighter since the flashbacks started", "self_harm"),
        ("used to cut as a teenager, took the blade back out last month. tonights was deeper", "self_harm"),
        ("i press my hands on the hot iron till they blister so nobody notices", "self_harm"),
        ("fell off my bike an hour ago, my lips have turned blue and i feel weird", "medical"),
        ("my chest is aching and its getting worse every few minutes", "medical"),
        ("fainted three times today and my heart wont slow down", "medical"),
        # round 15 (the round-14 sealed split's misses, reworded)
        ("bye every1", "suicide"),
        ("see you never", "suicide"),
        ("the texts are timed for 2am. that is my exit time", "suicide"),
        ("gave my guitar to my little brother today. he doesnt know why", "suicide"),
        ("paid the rent for three months so its sorted for after", "suicide"),
        ("if i checked out would my kids get the insurance", "suicide"),
        ("how fast does antifreeze work", "suicide"),
        ("how long would a charcoal grill take in a closed garage", "suicide"),
        ("shes sitting on the railing with her legs dangling over, shes been there ages", "suicide"),
        ("grabbed my piece, pulling up on him tonight", "harm_others"),
        ("im safer staying in my car than at home with him", "domestic_violence"),
        ("everyone thinks the marks are from sport but i do them to myself", "self_harm"),
        ("my stepdad keeps forcing himself on me when mum is at work", "sexual_assault"),
        ("my dad is coughing up blood and wont call anyone", "medical"),
        ("she had a fit this morning and i think she just had another one", "medical"),
        # round 17 (the round-16 sealed split's misses, reworded)
        ("slashed into my leg with a bit of broken glass tonight, its how i cope", "self_harm"),
        ("i hold the blade across my ribs where nobody can see", "self_harm"),
        ("in my sixties and i have begun cutting myself again", "self_harm"),
        ("he found the first one so i picked up another rope on the way home", "suicide"),
        ("been saving up my repeat prescriptions in a shoebox, nearly enough now", "suicide"),
        ("quit the booze two days ago and now im shaking badly and seeing spiders on the ceiling", "medical"),
        ("my son has epilepsy but this seizure isnt stopping, its been going for eight minutes", "medical"),
        # round 18 (the round-17 sealed split's misses, reworded)
        ("got as far as the chair in the shed with the extension cord around my neck before my phone rang", "suicide"),
        ("gave my sister the spare key so that she finds me first and not the kids", "suicide"),
        ("as a pharmacist i know exactly how many of the heart tablets it would take", "suicide"),
        ("wrote a note to my wife and kids, by friday i wont be here", "suicide"),
        ("i buy a box of paracetamol every time im at a different pharmacy", "suicide"),
        ("woke up from the nightmare with my hands round my partners throat", "harm_others"),
        ("i had my son up against the wall before i knew what i was doing", "harm_others"),
        ("my dad phoned me drunk to say thanks for everything and now hes not answering", "third_party"),
        ("my brother screaming wit a knife in the kitchen", "third_party"),
        ("my husband controls the money and has hit me more than once since christmas", "domestic_violence"),
        ("i kept saying no and he carried on anyway", "sexual_assault"),
        ("my little girl says her uncle touched her down there", "sexual_assault"),
        ("quit drinking on sunday and now my hands have a tremor and i am hallucinating", "medical"),
        ("as a nurse ive figured out which meds on the ward would do it", "suicide"),
        ("the opioids we carry on shift, ive taken a few of them home", "suicide"),
        ("been quietly saying goodbye to my friends this week", "suicide"),
        # after round 18's sealed reading: withdrawal from any medicine with a seizure or hallucinations
        ("ran out of my venlafaxine three days ago and just had a seizure", "medical"),
        ("stopped my zoloft last week and now im hallucinating", "medical"),
        # round 19 (the round-18 sealed split's misses, reworded)
        ("ever since the redundancy my wife has started hitting me when she drinks", "domestic_violence"),
        ("my chest is so tight and my heart keeps racing, i think im dying, not joking", "medical"),
        ("discontinued my clonazepam last week, now im hearing voices at night", "medical"),
        ("its cat scratches, except we dont have a cat", "self_harm"),
        ("i keep banging my head against the wall over and over when the memories come", "self_harm"),
        ("got dads old pistol out of the safe tonight, its on the table in front of me", "suicide"),
        ("i gave my medals to my grandson yesterday and told him it was time", "suicide"),
        ("i have access to plenty of morphine at work and i know exactly how much", "suicide"),
        ("sat on the edge of the bridge, the drop doesnt look so far", "suicide"),
        ("wifes gone to her mums until sunday. nobody will find me", "suicide"),
        ("how can i make sure my daughter hears it from somebody gently after", "suicide"),
        ("counselling is useless, the bridge has better odds", "suicide"),
        # round 20 (the round-19 sealed split's misses, reworded)
        ("ive been coping with it all by cutting again and last night it went deeper than i meant", "self_harm"),
        (
            "is self harm common with cptsd? i ask because i have just started to do it and the urge is so strong",
            "self_harm",
        ),
        ("relapsed. three years clean", "self_harm"),
        ("two of my mates went by suicide. i have the same plan they had", "suicide"),
        ("she would get my life insurance and be rid of me", "suicide"),
        ("i know exactly what pills and how many, ive gone over it", "suicide"),
        ("i have no plans to still be alive by christmas", "suicide"),
        ("goodbye i guess", "suicide"),
        ("ive been saving up the oxycodone from my scripts and i know its enough now", "suicide"),
        ("his dog tags and a note on my side of the bed", "suicide"),
        ("the bite on my leg is swollen and hot, i have a temperature and feel really confused", "medical"),
        # ... and the round-20 everyday-injury vetoes leave these alone
        ("i burn myself on the oven door on purpose when it gets bad", "self_harm"),
        ("i keep burning myself with the iron and nobody knows", "self_harm"),
        ("my lips are going blue and i cant breathe", "medical"),
    ],
)
def test_indirect_warning_signs(text, kind):
    assert crisis_kind(text) == kind, (text, assess(text))


@pytest.mark.parametrize(
    "text",
    [
        # games and accidents are not abuse or self-harm
        "my grandma beat me at cards",
        "my little brother beat me at mario kart",
        "my dad beat me at chess again",
        "scratched my arm when i fell off my bike",
        "my cat scratched my arm",
        # negations the lexicon used to miss
        "ending my life has never crossed my mind",
        "taking my own life is something ive never considered",
        "suicide has never crossed my mind",
        "no self harm just stress",
        "im not going to overdose dont worry",
        # lookalikes of the new warning-sign families
        "gave away my old baby clothes",
        "im writing a will because we just had a baby",
        "updated my life insurance",
        "i put my affairs in order after we bought a house",
        "i want to end things with my boyfriend",
        "im grieving my dad who died by suicide last year",
        "we picked the date for the wedding",
        "the team will be fine without me while im on vacation",
        "i wont be here next week im on vacation",
        "i cant take one more day of this heat",
        "im in a dark place financially",
        "my dog keeps following me around",
        "that movie choked me up",
        "my face is swollen after the dentist",
        "we set a date for the wedding",
        "i need to get my life in order",
        "ill give it another try tomorrow",
        "my first try at sourdough failed",
        "i did this to myself lol hangover",
        "i need to scratch my back",
        "my baby is finally not crying",
        "he left this world peacefully in his sleep",
        "saw my grandma for the last time at the hospice",
        "got my hair cut again today",
        "i ate too much at thanksgiving and threw up",
        "had most of the bottle of wine last night",
        "i told the doctor i fell off my bike",
        "my dad beats me every time i play him at chess",
        "grabbed my neck pillow for the flight",
        "this tie is choking me",
        "took photos of the kids and will post them online",
        "my dog doesnt listen when i say no",
        "my pills are laid out for the week",
        "my sister can have my room when im gone to college",
        "my coworker posted a farewell message since shes retiring",
        "i wish i could disappear for a week on a beach",
        "i wont be here tomorrow morning im at the dentist",
        "i looked up how tall the eiffel tower is for a school project",
        # rounds 7 and 8: look-alikes of the new patterns
        "we are planning to be gone by christmas for the holidays",
        "my prescription meds are ready for pickup",
        "can you die without pain from cancer in hospice",
        "the dress is fitting well",
        "he's fitting in at school now",
        "we are fitting a new kitchen",
        "i dont think ill make it that long without coffee lol",
        "im drafting a note to my landlord on my phone",
        "the kids were screaming all day and now its finally quiet",
        "i hit my thumb with a hammer putting up shelves",
        "is there still time to apply for the course",
        "i have a plan for the birthday party",
        "im ending it with my boyfriend tonight, wish me luck",
        "i gave up sugar, ending it was hard",
        "the water was pumping out of the burst pipe",
        "we soaked two towels at the beach",
        "im scared of myself in photos",
        "the kids nearly pushed me off the sofa",
        "we want to jump from the first floor of the pool into the deep end",
        "the mechanic fitted a new exhaust pipe",
        # round 10
        "slow breathing before bed helps my nightmares",
        "my breathing gets slow and deep when i meditate",
        "how long does it take for sertraline to work",
        "how long until the pain from the shot dies down",
        # round 11
        "my team is planning to attack the boss in the raid tonight",
        "im going to hurt someones feelings if i say that",
        "my kid banged his head on the table, the bump is huge",
        "in competition i was choked and passed out for a few seconds",
        "we played a secret game of cards at the party",
        "its time i went to bed",
        "i wrote a note to my sons teacher about the school trip",
        "is sertraline strong enough to work for ptsd",
        # round 12
        "kept one round back for the final of the pub quiz",
        "does emdr make suicidal thoughts come back",
        "do you black out if you hang upside down too long",
        "i know how much would be enough to paint the fence",
        "what is serotonin syndrome, my doctor mentioned it",
        "five years ago i was attacked walking home from work, i'm safe now. is cpt for me",
        "we need urgent help with our boiler, no heat",
        "the dog attacked me again this morning at the park, just my sleeve",
        "im not ok but its fine, just tired",
        "mayday parade is my favourite band",
        "i had my knife in my hand chopping onions when the flashback hit",
        "took my sleeping tablets on time because the doctor said so",
        "the rope is ready for the climbing trip",
        "researching methods for my thesis on ptsd treatment",
        "not sticking around for the after party, early start",
        "if he cheats again i end it with him",
        "i had one attempt at the driving test before i passed",
        "only one attempt left in the game before it resets",
        # round 13
        "the wrestler pinned me by the neck in practice and my coach said good job",
        "my vision went blurry for a second after a long day at the screen, is that eye strain",
        "how many floors does the new library have",
        "i should have been the one to drive that night, i still feel guilty about it",
        "my manager keeps hurting my feelings in meetings",
        "does my life insurance pay out for therapy costs",
        "how do i get out of the house with two kids in under an hour, we are always late",
        "i found her address on the wedding invite, i am going to go there for the party",
        "we played hide and seek, i was hiding behind the shed",
        "the tv remote battery died, need a new one",
        "hit my head on the cupboard, it hurts a bit but im fine",
        "how much coffee is too much",
        "how much caffeine is too much in a day",
        "a guy in my judo club pinned me down in practice yesterday",
        "if i dont let him win at chess he sulks",
        "we spiked the punch with extra lemonade",
        "counting down the days to my holiday",
        "my friend is me in the photo on the left",
        "not for a story, what was the name of the ship in the film",
        "im going to jump in the pool after lunch",
        "the rope for the climbing wall costs less than i thought",
        "if i tell my counselor i have a plan for the weekend will they mind",
        "how long does it take to drown a tomato plant with too much water",
        "extension cord ready for the christmas lights",
        # round 14
        "I walked away from the crash with a scratch on my arm but my friend did not, I feel so guilty",
        "bought a rope for the tyre swing in the garden",
        "im done with the essay, wrote the letter for my landlord too",
        "my dad has gone grey early from the stress of it all",
        "the pain is getting worse every few days, should I see a physio",
        "passed out twice in the last hour of the film, so tired lol",
        "tonights episode was deep",
        "i used to cut hair for a living, picked the scissors back up last week",
        # round 15
        "bye for now, thanks for the help",
        "see you next week at group",
        "whats the exit strategy if therapy doesnt work",
        "i gave my notice at work today, my boss doesnt know why yet",
        "the paperwork is sorted, what happens after the first appointment",
        "i checked out a library book about ptsd",
        "is rat poison safe to use with a dog in the house",
        "we had a barbecue in the garden, great weather",
        "sitting on the edge of my bed, cant sleep again",
        "got the strap for my watch fixed",
        "i feel safer at home than in crowds since the attack",
        "the bruises from football are fading",
        "my toddler keeps throwing up his food",
        "my brother had seizures as a kid, is ptsd genetic",
        # round 17
        "i cut my thumb opening a tin with a broken can opener",
        "bought a new rope for the climbing gym",
        "i started cutting myself some slack at work",
        "kept burning myself out with overtime",
        "stopped drinking coffee and now i have a headache",
        "her seizures stopped after the new medicine, its been two years",
        "i keep my prescriptions in a pill organiser",
        # round 20
        "managing my stress by cutting out sugar",
        "i keep some of my pills in a box at work so i have enough for the week",
        "my wound is a bit red, had a fever last week but fine now, no confusion",
        "left my keys and a note on the kitchen table for my flatmate about the rent",
        "sliced my thumb open chopping carrots, blood everywhere but its stopped now",
        "cut my finger making tea and it bled a lot, plaster on",
        "dropped a weight on my foot, the toenail is going purple",
        "burnt myself on the toaster again lol",
        "cut myself on a broken glass in the sink",
        "i cut my finger with the knife while i was peeling potatoes",
        "my cat made a scratch on my arm when we played",
        "stung by a wasp on my arm, bit red, no trouble breathing",
        "bumped my head on the shelf, no dizziness or sickness",
        "she asked whether i had been hurting myself, which i havent",
        "relapse prevention plan for drinking, what is it",
        "i have the same plan as my sister for my phone",
        "i know exactly how much to take for my back pain",
        "no plans to be around this weekend, we are camping",
        "does life insurance cover ptsd treatment",
        "bye for now, thanks",
        # round 19
        "my toddler has started hitting me when he is tired, is that normal",
        "this heat, i feel like im dying lol",
        "i have a cat and she scratches me when we play",
        "i banged my head on the cupboard door this morning",
        "i dont think i have another marathon in me",
        "got my rifle cleaned and back in the safe before the kids came home",
        "gave my old bike to my nephew, he loves it",
        "someone will need to feed my cat from monday while im away on holiday",
        "standing on the pier watching the boats, lovely day",
        "my wifes away till monday, enough time to finish the shed",
        "how do i make sure the kids hear it from me first about the divorce",
        "therapy has better reviews than the meds on that site",
        # round 18
        "i wear my lanyard around my neck at work",
        "wrapped a scarf round my neck, its freezing",
        "i know how much work it would take to get better",
        "wrote letters to my kids while deployed, i wont be here for christmas again",
        "i said no to the job offer and he didnt stop asking",
        "which drugs are the most dangerous for dogs",
        "since the crash i cant go on motorways or the bus",
        "i dont want to be the one who cant handle it at the station",
        "i quit my job and im shaking with nerves",
        "my boss keeps saying no and then changes his mind",
        "i know which plan would do it for me, the cheaper one",
        "we started saying goodbye at the leaving party",
        "i took some of the leftover pizza home",
        "came off paroxetine and had brain zaps for a week",
        "i stopped taking prazosin because the nightmares stopped",
    ],
)
def test_indirect_lookalikes_are_not_crisis(text):
    v = assess(text)
    assert v is None or v.vetoed, f"{text!r} -> {v}"


@pytest.mark.parametrize(
    "text, kind",
    [
        ("ending my life has never crossed my mind but tonight i want to die", "suicide"),
        ("no self harm just stress, actually i cut myself last night", "self_harm"),
        ("suicide has never crossed my mind until now and i have the pills counted out", "suicide"),
        ("im not going to overdose dont worry, i already took the whole bottle", "overdose"),
        ("my grandma beat me at cards and then my husband beat me up", "domestic_violence"),
    ],
)
def test_negation_never_swallows_a_later_crisis(text, kind):
    assert crisis_kind(text) == kind, (text, assess(text))


def test_dev_set_regression_floor():
    """crisis_dev.yml tuned the lexicon (2026-11): its figures are tuning figures, kept as a floor."""
    r = evaluate(DEV)
    assert r.recall >= 0.95, format_report(r)
    assert r.fpr <= MAX_FPR, format_report(r)


def test_eval_script_path_option(capsys):
    from scripts.eval_crisis import main

    code = main(["--path", str(DEV)])
    out = capsys.readouterr().out
    assert "overall recall" in out and code in (0, 1)
