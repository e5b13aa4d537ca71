"""Read one message in its conversation: follow-ups, comparisons and "did you mean ...?".

Pure Python (no Rasa imports), so every decision is unit-tested directly; understanding/context_resolver.py
is the thin Rasa component that feeds it the classifier's ranking, the `subject` entities and the
conversation so far. What it can decide, in order:

0. first of all, words that decide between two neighbouring answers the classifier confuses
   (understanding/decisive_words.yml: "is there like an app" is the PTSD Coach answer, not the treatments overview);
1. a comparison ("CPT or EMDR?", "which one is better?" after two subjects came up, "is NET or CPT the better
   fit?" even when the classifier is sure of one side) -> `compare`, with the pair's id (`cpt_emdr`) for the
   comparison answer;
2. an aspect question without a subject ("and the side effects?") -> the grid's answer for the subject named
   in the message, else the current subject (with none anywhere, cost, online and finding care are asked of
   PTSD care in general; "does it take very long?" after the treatments answer, or "would I have to go over
   everything?" about PTSD, is asked of its treatment; with none anywhere and the classifier also reading it as
   out of scope, "how long is passport processing taking?" gets the out-of-scope reply); no answer in the grid ->
   the one other aspect the subject has whose words appear, or the aspect intent stays, and its rule gives the
   honest "I don't have a reviewed answer about that" (answer key `aspect_unknown`);
3. a bare subject: "and EMDR?" or "EMDR?" -> the last question's detail (its sessions, its side effects),
   asked of the new subject, when the bank has that answer (English ellipsis: "how many sessions is PE?" "and
   EMDR?"), and a bare "what about paxil?" right after a detail of a particular subject; "what about effexor"
   after a general answer, or "EMDR instead?" -> what the new subject is, as after a "what is" question;
   "same question for EMDR" keeps the detail even without an answer (the honest "no reviewed answer"). Blind
   writers of the dev rounds read it this way in 9 of 13 conversations (either reading alone: 6 or 7), and a
   bare "what about X" after a particular subject's detail as that detail in 3 of 4 (rounds 3 and 4);
4. a subject-specific answer that names another subject ("is paxil's sleepiness normal" classified as a
   sertraline answer) -> the same aspect for the named subject: never another subject's answer; and one that
   names no subject while the conversation is about another ("is it risky" about kratom, classified as the
   benzodiazepine risks) -> that detail for the conversation's subject, or the honest "no reviewed answer";
   a "how many / how often" the classifier took for a dose request, about a therapy -> its sessions; a general
   word never overrides a particular kind of itself ("what is written exposer therapy": only "therapy" is
   found, the WET answer stands), and "that pill" after prazosin points back at prazosin; a particular
   medicine's answer to a message that names no medicine, in a conversation not about it ("my girlfriend
   has nightmares, is there anything that helps" as prazosin) -> the next candidate, when it is close enough;
   "can u do emdr online" read as a detail whose words are not there -> the online answer;
   before these, a few short replies that lean on the answer just given, each of which came up in several
   blind sets (rules in the staff record): a bare name after an answer about treatment in general narrows it
   ("CPT" -> CPT's sessions); "is there anything for that" after nightmares or flashbacks -> that coping
   answer; "how is it diff from normal ptsd" after complex PTSD -> that answer again; "why not tho" after the
   benzodiazepines answer -> their risks; "can u get addicted to kratom?" -> its risks; "what works best" is
   about every treatment; "whats so bad about benzos" -> their risks; "so what do docs use instead" after a
   medicine -> the other medicines; "what kind of therapy helps with that", naming none and not about a child ->
   every therapy; "is that normal with ptsd" right after telling how one feels -> the symptoms answer;
5. two close candidates -> the fallback intent with `clarify=yes`, whose response variant asks "Did you mean
   A or B?" with both as buttons (answer key `clarify`): Rasa's two-stage-fallback pattern, with plain
   questions as button payloads because the public channel refuses `/intent` syntax.
Safety comes after this: guardrails/ runs last and overrides any of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import yaml

from bank.subjects import Grid

COMPARE_INTENT = "compare"
SUBJECT_ONLY_INTENT = "subject_only"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# An aspect asked of nothing, in a conversation about nothing, that the classifier also reads as out of scope this
# much ("How long is passport processing taking in the UK?"): the out-of-scope reply, not "which one do you mean?"
OUTSIDE_ASPECT_FLOOR = 0.25
DOSE_FOLLOWUP_INTENT = "guard_dose_followup"  # the classifier's guess at an amount request naming no substance
DOSE_INTENTS = (DOSE_FOLLOWUP_INTENT, "guard_dose_other")  # the classifier's amount requests, no substance named
WEAK_SUBJECT = "ptsd"  # named in most messages; it is the subject only when nothing else is named
# Aspects that, with no subject anywhere in the conversation, are about PTSD care in general ("any free options?");
# "how long does it take?" with no subject still asks which one
ABOUT_CARE_IN_GENERAL = ("cost", "online", "find")
# ... and this one only in its own words ("what happens at the first appointment?", not "how do they treat it")
ABOUT_CARE_IN_ITS_WORDS = ("session_like",)
# "what if it makes me worse instead of better" with nothing named: the answer about therapy feeling worse at first
# ("is it hard?" alone still asks which one)
_MAKES_WORSE = re.compile(r"\b(?:make|makes|making|made|feel|feeling|get|getting)\b(?:\W+\w+){0,2}?\W+worse\b", re.I)
ONLINE = "online"  # an aspect with words of its own ("zoom", "from home"): they win over a detail not asked for
NO_VALUE = "none"  # a slot value meaning "nothing": a stale comparison must never be shown
_COMPARE_CUE = re.compile(r"\b(?:or|vs|versus|compared?|comparing|difference|differ|better|than|between)\b", re.I)
# Words that ask for a comparison even when only one side is named ("how does it compare with CPT?")
_STRONG_COMPARE_CUE = re.compile(
    r"\b(?:vs|versus|compared?|comparing|comparison|differences?|differ|different (?:from|to|than)|stack up|better th[ae]n|separates?|"
    r"distinguish\w*|contrast\w*|as (?:well|good|effective) as|same thing as|superior to|inferior to|"
    r"more (?:effective|useful|helpful) th[ae]n|outperforms?|beats?)\b",
    re.I,
)
# "wich is beter for me" after CPT and PE came up: a short question that picks between the two
_WHICH_CUE = re.compile(
    r"\bw(?:h)?ich\b(?:\W+\w+){0,3}?\W+(?:bet+er|beter|best|quicker|faster|shorter|easier|gentler|less intense)\b", re.I
)
WHICH_WORDS = 8
_WHICH_ONE = re.compile(r"\bw(?:h)?ich (?:one|of (?:them|the two|those))\b", re.I)
# "deciding between zoloft and therapy", "Prozac or WET, what you recommend?": a choice between the two named
_CHOOSE_CUE = re.compile(
    r"\b(?:decid\w* between|choos\w* between|torn between|pick\w* between|"
    r"(?:what|which)(?: one)? (?:do |would |d )?(?:you|u) (?:recommend|suggest|advise))\b",
    re.I,
)
# "put them side by side for me", "compare the two": a comparison of the two subjects that came up, named or not
_SIDE_BY_SIDE = re.compile(
    r"\b(?:side by side|next to each other|compare (?:them|the two|both|those|these)|(?:how|where) do (?:they|the two|those) "
    r"(?:compare|differ|stack up))\b",
    re.I,
)
LIST_OF_OPTIONS = 3  # subjects named in one message: a list to choose from, not one subject asked about
SHORT_PAIR_WORDS = 6  # "cpt and pct": two treatments and little else is a request to compare them
_SAME_QUESTION_CUE = re.compile(r"\bsame\b", re.I)  # "same question but for emdr", "same for paxil?"
# "what about effexor", "EMDR instead?": a new topic rather than the last question again
_NEW_TOPIC_CUE = re.compile(r"\b(?:what|how) about\b|\binstead\b", re.I)
# ... except a bare "what about paxil?" right after a detail ("side effects?"): the same detail, asked of it
_BARE_WHAT_ABOUT = re.compile(r"^\W*(?:and|ok|so|hmm)?\W*(?:what|how) about\s+(?!.*\binstead\b)(?:\w+\W*){1,3}$", re.I)
# "does that pill have side effects" after prazosin: a general word pointing back at the subject in hand
_POINTS_BACK = re.compile(
    r"\b(?:that|this|the|those|these|his|her|my|same)\s+(?:\w+\s+)?(?:pills?|meds?|medicines?|medications?|tablets?|drugs?|"
    r"therap(?:y|ies)|treatments?)\b",
    re.I,
)
# "does it actually help ptsd?" after kratom: "it" is the subject in hand and PTSD only what it would help
_IT_FOR_PTSD = re.compile(
    r"\b(?:does|do|did|will|would|can|could|is|are)\s+(?:it|that|this|they|those|these)(?:\s+stuff)?\s+"
    r"(?:\w+\s+)?(?:help|helps|work|works|treat|fix|cure|do anything|good for)\b",
    re.I,
)
# Words that ask about medicines in general: "is there a medicine for the nightmares" may get prazosin's answer
_MEDICINE_WORD = re.compile(r"\b(?:medic\w*|meds?|pills?|tablets?|drugs?|prescri\w*|rx|dose)\b", re.I)
UNNAMED_MEDICINE_FLOOR = 0.2
# Asking for a medicine for something: "is there a medicine for that", "is ther a pill for them", "any meds to help"
_MEDICINE_FOR = re.compile(
    r"\b(?:pills?|meds?|medic\w*|drugs?|tablets?|prescriptions?|rx)\b\W+(?:\w+\W+)?(?:for|to (?:help|stop|treat)|that "
    r"(?:helps?|stops?|works?))\b|\b(?:is|are) (?:there|ther|thier) (?:a|an|any|some)\W+(?:\w+\W+)?(?:pills?|meds?|medic\w*|"
    r"drugs?|tablets?|prescriptions?)\b",
    re.I,
)
# "is there a pill for that?" right after an answer about nightmares: the medicine for nightmares is the question
NIGHTMARE_ANSWERS = ("faq_coping_nightmares", "feeling_flashbacks_nightmares")
_NIGHTMARES = re.compile(
    r"\b(?:night ?mares?|nightmars?|nighmares?|nitemares?|bad dreams?|night terrors?|same (?:bad )?dreams?|"
    r"dreams? (?:about|of) (?:it|that|the)|every night (?:i )?dream)\b",
    re.I,
)
_ANOTHER_ONE = re.compile(r"\b(?:ones?|other|another)\b", re.I)  # "wat about the writen one": a subject, unnamed
KRATOM = "kratom"
KRATOM_DEPENDENCE_HELP = "faq_kratom_dependence_help"
# "can you get hooked on it", "can she get addicted": whether it can happen, asked as a question (not "I'm hooked")
_CAN_GET_HOOKED = re.compile(
    r"\b(?:can|could|will|would|do|does|is it possible to)\W+(?:you|u|ya|i|one|people|someone|she|he|they|we)\W+"
    r"(?:get|become|be|end up)\W+(?:\w+\W+)?(?:addicted|hooked|dependent|addicts?)\b",
    re.I,
)
_WANTS_TO_QUIT = re.compile(r"\b(?:quit|quitting|stop|stopping|get off|come off|help|rehab|treatment)\b", re.I)
KRATOM_INTERACTIONS = "faq_kratom_interactions"  # kratom with a medicine: its own answer, not the medicine's
_TOGETHER = re.compile(
    r"\b(?:interact\w*|mix\w*|together|combin\w*|mess(?:es|ing)? (?:with|up)|alongside|along with|at the same time|on both|"
    r"(?:take|taking|use|using|have|having) (?:it|kratom|them) (?:with|while on|on top of))\b",
    re.I,
)
NIGHTMARE_COPING = "faq_coping_nightmares"
FLASHBACK_COPING = "faq_coping_flashbacks"
_FLASHBACKS = re.compile(r"\b(?:flash ?backs?|flasbacks?|flashbaks?)\b", re.I)
# Asking what helps: "anything that actually helps with those", "what can I do about them", "and the nighmares?"
_HELP_WITH = re.compile(
    r"\b(?:anything|something|what|wat)\b(?:\W+\w+){0,4}?\W+(?:helps?|for (?:that|them|those|it)|do about|stop|can do|could do)\b|"
    r"\bhow (?:do|can|could|to) (?:i |you |u |we |she |he |they )?(?:make (?:them|it) stop|stop them|get rid|deal|cope|handle)\b|"
    r"^\W*(?:and|what about|how about|wat about)\W+(?:the\W+)?(?:night ?mares?|nighmares?|nightmars?|nitemares?|bad dreams?|"
    r"flash ?backs?|flasbacks?)\W*$",
    re.I,
)
_NO_MORE_PILLS = re.compile(  # "without meds", "other things besides pills", "anything non-med"
    r"\b(?:don\W?t|do not|without|no more|not|besides|other than|instead of|apart from|except|rather than|"
    r"alternatives? to)\b(?:\W+\w+){0,3}?\W+(?:pills?|meds?|medic\w*|tablets?)|\bnon\W?(?:meds?|medic\w*|drug)",
    re.I,
)


def _asks_for_a_medicine(text: str) -> bool:
    """Medicine words that are not refusing medicine ("any meds for them", not "anything without pills")."""
    return bool(_MEDICINE_WORD.search(text or "")) and not _NO_MORE_PILLS.search(text or "")


COPING_GUESSES = (  # the classifier's guesses a question about coping may get; each coping answer for the other
    NIGHTMARE_COPING,
    FLASHBACK_COPING,
    FALLBACK_INTENT,
    SUBJECT_ONLY_INTENT,
    "faq_treatment_overview",
    "feeling_flashbacks_nightmares",
    "aspect_unknown",
)
NIGHTMARE_MEDICINE = "prazosin"  # bank/subjects.yml: its "what" answer is the one about nightmares
GENERAL_MEDICINE_GUESSES = (FALLBACK_INTENT, "faq_meds_overview", "faq_treatment_overview", "aspect_effectiveness")
# "does it take very long?" after the treatments answer, "would I have to go over everything?" in a conversation
# about PTSD: questions about PTSD's treatment, not about PTSD itself
TREATMENT_OF_PTSD = "therapy"
# "what works best", "which treatment is most effective": a question about every treatment, never about the one in hand
_WHAT_WORKS_BEST = re.compile(
    r"\b(?:what|which|wat|wich)\b(?:\W+\w+){0,6}?\W+(?:works? (?:the )?best|best|most effective|strongest evidence|"
    r"works? (?:the )?most)\b",
    re.I,
)
_TREATMENT_WORD = re.compile(r"\b(?:treatments?|therap\w*|options?|approach\w*|methods?|meds?|medic\w*)\b", re.I)
_TREATMENT_TIME = re.compile(
    r"\b(?:sess?ions?|appointments?|visits?|go for|keep going|therap\w*|treatments?|counsel\w*)\b", re.I
)
_HOW_OFTEN_GO = re.compile(  # "how often would she have to go": visits to a therapist, never a dose
    r"\bhow (?:many times|often|frequently)\b(?:\W+\w+){0,4}?\W+(?:go|attend|come in|show up)\b", re.I
)
_UNTREATED = re.compile(
    r"\b(?:without|untreated|on (?:its|it s|it'?s|their) own|by itself|go(?:es)? away|naturally)\b", re.I
)
_RETELLING = re.compile(
    r"\b(?:talk|tell|go over|go through|describe|reliv\w*|say|share|open up|get into)\b.{0,40}?"
    r"\b(?:what happened|everything|all of it|it all|every detail|details?|trauma|the (?:war|attack|assault|accident|crash|abuse|rape|fire|shooting))",
    re.I,
)
SHORT_FOLLOW_UP_WORDS = 12
# Short replies that only make sense as more of the answer just given, which is the answer to give again (first of
# each tuple): "is it the same as reguler ptsd" after complex PTSD; "and if it does?" after "can it come back?"
_ORDINARY_KIND = re.compile(
    r"\b(?:normal|regular|reg|reguler|regualr|ordinary|usual|plain|classic|standard|simple|typical|common)\b"
    r"(?:\W+\w+){0,1}?\W+(?:ptsd|kind|one|type|version|sort)\b",
    re.I,
)
_HOW_DIFFERENT = re.compile(r"\b(?:differ\w*|diff|same|like|vs|versus|compare\w*)\b", re.I)
_IF_IT_DOES = re.compile(
    r"^\W*(?:(?:and|but|so|ok|okay|k|hmm)\W+)?(?:wh?at\W+(?:happens\W+)?)?if\W+it\W+(?:does|dose|do|did|goes|comes?|returns?)\b",
    re.I,
)
# "can they treat both things at the same time or do I have to quit first" right after PTSD with drink or drugs
_BOTH_AT_ONCE = re.compile(
    r"\b(?:both|same time|at once|together|(?:quit|stop|sober|clean)\w*(?:\W+\w+){0,2}?\W+(?:first|before))\b", re.I
)
SAME_ANSWER_AGAIN = (  # (answers, cues all found, at most this many words)
    (("faq_ptsd_complex",), (_ORDINARY_KIND, _HOW_DIFFERENT), SHORT_FOLLOW_UP_WORDS),
    (("faq_ptsd_come_back", "faq_ptsd_go_away"), (_IF_IT_DOES,), SHORT_FOLLOW_UP_WORDS),
    (("faq_ptsd_alcohol_drugs",), (_BOTH_AT_ONCE,), 20),  # a longer question, still about the same two things
)
# "why not tho", "but why not?", "how come": asked right after an answer that said something is not advised
_WHY_NOT = re.compile(
    r"^\W*(?:(?:but|ok|okay|so|hmm|k|and)\W+)?(?:why|y|how come)\W+(?:not|no|is that|arent|aren t|shouldnt|"
    r"shouldn t|cant|can t|wont|won t|is it bad|are they bad)\b",
    re.I,
)
# "whats so bad about benzos", "what's wrong with kratom": its risks, though "whats" asks what it is
_WHATS_BAD = re.compile(
    r"\bwh?at\W*(?:s|is)?\W+(?:so\s+|really\s+|actually\s+)?(?:bad|wrong|dangerous|harmful|risky|unsafe|"
    r"the (?:problem|issue|big deal|harm|danger|risk))\s+(?:about|with)\b",
    re.I,
)
# "so what do docs use instead" after an answer that advises against a medicine: the other medicines
_WHAT_INSTEAD = re.compile(
    r"\b(?:what|wat|which)\b(?:\W+\w+){0,5}?\W+(?:use|give|prescribe|recommend|try|take|offer|ask)\w*\W+(?:\w+\W+){0,2}?"
    r"instead\b|\bwhat else (?:is there|can (?:i|u|you|he|she|we) (?:take|try|use)|do (?:they|docs|doctors) (?:use|give))\b|"
    r"\b(?:something|anything) (?:better|safer)\b(?:\W+\w+){0,5}?\W+(?:ask|take|try|use|get)\b",
    re.I,
)
INSTEAD_GUESSES = (FALLBACK_INTENT, SUBJECT_ONLY_INTENT, "faq_treatment_overview", "faq_meds_overview", COMPARE_INTENT)
# "what kind of therapy helps with that" after an answer about sexual assault: every therapy, not TF-CBT, unless the
# question is about a child, whom TF-CBT is for ("what kind of treatment would they give a 9 year old")
_WHICH_THERAPY = re.compile(
    r"\b(?:what|which|wat|wich)\s+(?:(?:kinds?|types?|sorts?)\s+of\s+)?(?:therap\w*|treatments?)\b", re.I
)
_ABOUT_A_CHILD = re.compile(
    r"\b(?:kids?|child\w*|son|daughter|teens?|teenagers?|boys?|girls?|toddlers?|youth|adolescen\w*|"
    r"\d+\s*(?:yo|y o|years? old|yrs? old))\b",
    re.I,
)
CHILD_ANSWERS = ("faq_ptsd_children",)
WHICH_THERAPY_WORDS = 8
# "is that normal with ptsd?", "Is this PTSD?" right after telling how one feels: whether it is a symptom
_IS_THAT_PTSD = re.compile(
    r"\b(?:is|are|could|would|can)\s+(?:that|this|it|these|those)\s+(?:\w+\s+){0,3}?(?:ptsd|normal|common|usual|typical|"
    r"part of|a sign|a symptom)\b",
    re.I,
)
IS_THAT_PTSD_WORDS = 8
SYMPTOMS = "faq_ptsd_symptoms"
WHICH_ONE_WORDS = 6  # "of venlafaxine", "the zoloft one": a name given in reply to "which one do you mean?"
NARROWING_WORDS = 2  # "CPT", "and emdr" after an answer about treatment in general: that answer, for it
WEAK_CUE_WORDS = 12  # "or" and "than" ask for a comparison in a short question, not inside a long story
SURE = 0.5  # the classifier's confidence above which a weak cue does not turn its answer into a comparison


@dataclass(frozen=True)
class DecisiveWords:
    """Words that pick `to` over the classifier's neighbouring answer (understanding/decisive_words.yml)."""

    id: str
    sources: Tuple[str, ...]
    to: str
    words: re.Pattern
    floor: float = 0.05  # `to` must be one of the classifier's candidates, not only a word match ...
    when_subject: str | None = None  # ... and, when set, the conversation must be about this subject


DECISIVE_WORDS_FILE = Path(__file__).resolve().parent / "decisive_words.yml"


def load_decisive_words(path: Path = DECISIVE_WORDS_FILE) -> Tuple[DecisiveWords, ...]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(
        DecisiveWords(
            e["id"],
            tuple(e["from"]),
            e["to"],
            re.compile(e["words"], re.I),
            float(e.get("floor", DecisiveWords.floor)),
            e.get("when_subject"),
        )
        for e in doc.get("entries", [])
    )


DECISIVE_WORDS = load_decisive_words()


def _decided_by_words(
    intent: str, ranking: Sequence[Tuple[str, float]], text: str, named: Sequence[str], current: str | None, grid: Grid
) -> DecisiveWords | None:
    """`named`: the subjects named in the message; `current`: the conversation's subject."""
    particular = [s for s in named if s not in (WEAK_SUBJECT, *GENERIC)]
    for entry in DECISIVE_WORDS:
        if entry.when_subject and entry.when_subject not in (named or [current]):
            continue
        about = grid.subjects_of(entry.to)
        if particular and about and not about.intersection(particular):
            continue  # "do I write things down in CPT?": about CPT, which the words do not decide
        candidate = any(name == entry.to and confidence >= entry.floor for name, confidence in ranking)
        chosen = intent == entry.to or (intent in entry.sources and (candidate or entry.floor <= 0))
        if chosen and entry.words.search(text or ""):
            return entry  # the classifier's own choice of `to` stands too: no later rule trades it for a neighbour
    return None


@dataclass(frozen=True)
class Turn:
    """What the resolver recorded for one earlier user turn (parse data `context`)."""

    intent: str | None = None
    subject: str | None = None
    aspect: str | None = None
    named: Tuple[str, ...] = ()
    nightmares: bool = False  # the visitor's words were about nightmares ("are nightmares part of PTSD?")
    flashbacks: bool = False  # ... about flashbacks ("i keep getting flashbacks at work")


@dataclass
class Resolution:
    intent: str | None = None  # None: keep the classifier's intent
    entities: Dict[str, str] = field(default_factory=dict)  # for slots: current_subject, comparison, labels
    record: Dict[str, Any] = field(default_factory=dict)  # why, for staff tools and the next turn


@dataclass(frozen=True)
class Labels:
    """The reviewed label and question of each answer (its metadata), for clarify buttons."""

    label: Mapping[str, str]
    question: Mapping[str, str]

    def has(self, intent: str) -> bool:
        return intent in self.label and intent in self.question


@dataclass(frozen=True)
class ClarifyBand:
    below: float = 0.0  # ask only when the top candidate is below this confidence
    margin: float = 0.0  # ... and the second is within this margin of it
    follow_up_floor: float = 1.0  # a follow-up (aspect, bare subject, compare) below the fallback bar still
    # counts from this confidence when the conversation has a subject it can be about


GENERIC = {"therapy": "therapy", "medication": "medication"}  # a generic subject -> the column it stands for
# "emdr vs regular talk therapy": therapy of the ordinary kind, named beside a particular one, is a subject of its own
_PLAIN_THERAPY = re.compile(
    r"\b(?:regular|normal|ordinary|plain|standard|traditional|usual|conventional|general|old[- ]school)\s+"
    r"(?:talk(?:ing)?\s+)?(?:therapy|therapies|counsell?ing|psychotherapy)\b",
    re.I,
)


# "emdr vs medecine which is beter": medicine misspelt past the lookup table's synonyms is still medicine in general
_MISSPELT_MEDICINE = re.compile(
    r"\b(?:medecines?|medecin|medicens?|medicene|medicin|medicaton|medicatons|medicatoin|medicaiton|medicatin|"
    r"medcations?|medikation|medisin|medisine)\b",
    re.I,
)
# Medicine or therapy in general in everyday words, counted only as the other side of a subject named beside it:
# "better off with tablets or with talking therapy", "pills or talkin to someone" (not "I take tablets for my
# blood pressure", which names no subject)
_OTHER_SIDE_IN_OTHER_WORDS = {
    "medication": re.compile(r"\b(?:tablets|tabs)\b", re.I),
    "therapy": re.compile(
        r"\btalk(?:ing|in)?\s+(?:to|with)\s+(?:someone|somebody|some1|a professional|a counsell?or|a therapist|a shrink)\b",
        re.I,
    ),
}


def named_subjects(values: Sequence[str], grid: Grid, text: str = "") -> List[str]:
    """Subjects named in the message, in order, once each. PTSD only when nothing else is named; "therapy"
    or "medicine" only when no particular therapy or medicine is ("PE therapy" is about PE), unless the message
    sets ordinary therapy apart ("EMDR vs regular talk therapy")."""
    seen: List[str] = []
    for value in values:
        if value in grid.subjects and value not in seen:
            seen.append(value)
    if "medication" in grid.subjects and "medication" not in seen and _MISSPELT_MEDICINE.search(text):
        seen.append("medication")
    sides = {grid.subjects[s].compare_as for s in seen if grid.subjects[s].compare_as}
    for general, words in _OTHER_SIDE_IN_OTHER_WORDS.items():
        if sides - {general} and general not in seen and general in grid.subjects and words.search(text):
            seen.append(general)
    specific = [s for s in seen if s != WEAK_SUBJECT]
    seen = specific or seen
    columns = {grid.subjects[s].compare_as for s in seen if s not in GENERIC}
    covered = {"medication"} & columns
    if columns - {None, "medication"}:
        covered.add("therapy")  # a particular therapy is named
    if _PLAIN_THERAPY.search(text):
        covered.discard("therapy")
    return [s for s in seen if s not in GENERIC or GENERIC[s] not in covered]


def recent_subjects(history: Sequence[Turn], current: str | None) -> List[str]:
    """Subjects of the conversation, most recent first, once each."""
    out: List[str] = []
    for turn in reversed(history):
        for s in (*reversed(turn.named), turn.subject):
            if s and s not in out:
                out.append(s)
    if current and current not in out:
        out.append(current)
    return out


def _comparison(
    named: List[str], history: Sequence[Turn], current: str | None, grid: Grid
) -> Tuple[str | None, List[str]]:
    comparable = [s for s in named if grid.subjects[s].compare_as]
    earlier = [s for s in recent_subjects(history, current) if grid.subjects.get(s) and grid.subjects[s].compare_as]
    if len(comparable) >= 2:
        pair = comparable[:2]
    elif len(comparable) == 1:
        other = next((s for s in earlier if grid.comparison(s, comparable[0])), None)
        pair = [other, comparable[0]] if other else comparable
    else:
        pair = earlier[:2][::-1]
    if len(pair) == 2 and pair[0] and pair[1]:
        return grid.comparison(pair[0], pair[1]), pair
    return None, pair


def _last_aspect(history: Sequence[Turn]) -> str | None:
    return history[-1].aspect if history else None


def _kratom_with_a_medicine(named: Sequence[str], current: str | None, grid: Grid, text: str) -> bool:
    """Kratom (named, or the conversation's subject) and a medicine named, with words about taking them together."""
    about_kratom = KRATOM in named or current == KRATOM
    medicine = any(s != KRATOM and grid.subjects[s].compare_as == GENERIC["medication"] for s in named)
    return about_kratom and medicine and bool(_TOGETHER.search(text or ""))


def _same_answer_again(history: Sequence[Turn], text: str, words: int) -> str | None:
    """The answer just given, when a short reply can only be asking more of it (SAME_ANSWER_AGAIN)."""
    last = history[-1].intent if history else None
    for answers, cue, most in SAME_ANSWER_AGAIN:
        if last in answers and words <= most and all(c.search(text or "") for c in cue):
            return answers[0]
    return None


def _why_not(
    history: Sequence[Turn], current: str | None, specific: Sequence[str], grid: Grid, text: str, words: int
) -> bool:
    """ "why not tho" right after an answer about the subject in hand, which has a risks answer to say why."""
    return bool(
        history
        and current
        and all(s == current for s in specific)  # "y not tho xanax is the only thing that knocks me out"
        and history[-1].subject == current
        and words <= SHORT_FOLLOW_UP_WORDS
        and _WHY_NOT.search(text or "")
        and grid.answer(current, "side_effects")
    )


def _coping_help(
    intent: str, specific: Sequence[str], history: Sequence[Turn], text: str, words: int, said: Tuple[bool, bool]
) -> str | None:
    """The coping answer for asking what helps with nightmares or flashbacks, named in the message (`said`: its words
    name nightmares, flashbacks) or in the visitor's turn before, and not about medicine; None otherwise."""
    after_coping = bool(history) and history[-1].intent in (NIGHTMARE_COPING, FLASHBACK_COPING)
    if (
        (intent not in COPING_GUESSES and not after_coping)  # "what about flashbacks" after coping with nightmares
        or [s for s in specific if s != WEAK_SUBJECT]
        or words > 2 * SHORT_FOLLOW_UP_WORDS
    ):
        return None
    if _asks_for_a_medicine(text):
        return None  # "any meds for them": the nightmare_medicine rule's
    if not _HELP_WITH.search(text or ""):
        return None
    nightmares, flashbacks = said
    last = history[-1] if history and words <= SHORT_FOLLOW_UP_WORDS else None
    if not (nightmares or flashbacks) and last:  # "is there anything for that": what the visitor spoke of before
        nightmares = last.intent == NIGHTMARE_COPING or last.nightmares
        flashbacks = last.intent == FLASHBACK_COPING or last.flashbacks
    if nightmares != flashbacks:
        return NIGHTMARE_COPING if nightmares else FLASHBACK_COPING
    return None  # both, or neither: the classifier's answer stands


def _asks_for_nightmare_medicine(
    intent: str, specific: Sequence[str], history: Sequence[Turn], said: bool, text: str, words: int, grid: Grid
) -> bool:
    """A medicine asked for, naming none ("any meds for that"), about nightmares: right after the visitor spoke of
    them or got an answer about them, or in the same message ("nightmares every night, is there a medicine for
    that"), where the question itself must ask for one ("he's on meds but still has nightmares" does not)."""
    if [s for s in specific if s not in GENERIC] or not grid.subjects.get(NIGHTMARE_MEDICINE):
        return False
    if not _asks_for_a_medicine(text):
        return False
    last = history[-1] if history else None
    if last and (last.intent in NIGHTMARE_ANSWERS or last.nightmares) and words <= SHORT_FOLLOW_UP_WORDS:
        # the classifier's general guess, or an aspect it read into "is ther a pill for them"
        return intent in GENERAL_MEDICINE_GUESSES or (
            intent in grid.aspect_of_intent
            and bool(_MEDICINE_FOR.search(text or ""))
            # "any side effects? I already take tablets for my blood pressure" asks that aspect ("what about a
            # medicine for it" is a bare subject, whose cue is "what about")
            and (intent == SUBJECT_ONLY_INTENT or not grid.mentions_aspect(grid.aspect_of_intent[intent], text or ""))
        )
    return (
        said
        and words <= 2 * SHORT_FOLLOW_UP_WORDS
        and intent in (*GENERAL_MEDICINE_GUESSES, *NIGHTMARE_ANSWERS)
        and bool(_MEDICINE_FOR.search(text or ""))
    )


def _instead_of(
    intent: str,
    specific: Sequence[str],
    history: Sequence[Turn],
    current: str | None,
    grid: Grid,
    text: str,
    words: int,
) -> str | None:
    """The general subject ("medication", "therapy") whose overview answers "so what do they use instead", asked
    right after an answer about a particular kind of it (the classifier may read it as a general question, or as
    a detail of that kind: "so what am I supposed to take instead" as the benzodiazepines' risks); None otherwise."""
    if (
        (
            intent not in INSTEAD_GUESSES
            and not grid.belongs(intent, current or "")
            and intent not in grid.aspect_of_intent
        )
        or [s for s in specific if s not in GENERIC]
        or not history
        or history[-1].subject != current
        or words > SHORT_FOLLOW_UP_WORDS
        or not _WHAT_INSTEAD.search(text or "")
    ):
        return None
    return next((kind for kind in ("medication", "therapy") if grid.kind_of(current, kind)), None)


def _is_that_ptsd(intent: str, named: Sequence[str], history: Sequence[Turn], text: str, words: int) -> bool:
    """A short "is that normal with ptsd?" right after an answer to how the visitor feels."""
    return bool(
        intent in (FALLBACK_INTENT, SUBJECT_ONLY_INTENT, "faq_ptsd_what")
        and history
        and (history[-1].intent or "").startswith("feeling_")
        and words <= IS_THAT_PTSD_WORDS
        and list(named) == [WEAK_SUBJECT]
        and _IS_THAT_PTSD.search(text or "")
    )


def _which_therapy_in_general(
    intent: str, specific: Sequence[str], history: Sequence[Turn], grid: Grid, text: str
) -> bool:
    """ "what kind of therapy helps with that", classified as one therapy's answer (TF-CBT, the one for children),
    naming none: a question about every therapy, unless it or the turn before is about a child."""
    therapy = next((s for s in grid.subjects_of(intent) if grid.kind_of(s, TREATMENT_OF_PTSD)), None)
    if therapy is None or grid.answer(therapy, "what") != intent or [s for s in specific if s not in GENERIC]:
        return False
    if _ABOUT_A_CHILD.search(text or "") or (history and history[-1].intent in CHILD_ANSWERS):
        return False
    short = len((text or "").split()) <= WHICH_THERAPY_WORDS  # not "which therapy is for people who ..., like refugee"
    return short and bool(_WHICH_THERAPY.search(text or "")) and not (history and history[-1].subject == therapy)


def _which_one_was_asked(history: Sequence[Turn]) -> str | None:
    """The aspect of the last turn when it named nothing and so got "which treatment or medicine do you mean?", or
    was about treatment or medicine in general ("how many sessions does it usually take?"): a bare name next
    ("CPT") narrows that question to the treatment named."""
    last = history[-1] if history else None
    in_general = last and (last.subject is None or last.subject in GENERIC)
    if in_general and not [s for s in last.named if s not in GENERIC] and last.aspect not in (None, "what"):
        return last.aspect
    return None


# "the first one you said", "the other one": of the two subjects that came up last, the earlier
_THE_ONE_BEFORE = re.compile(
    r"\bthe (?:first|1st|other|earlier|previous) one\b|\bthe one (?:before|you (?:said|mentioned) first|u said first)\b",
    re.I,
)


def _the_one_before(
    intent: str, specific: Sequence[str], history: Sequence[Turn], current: str | None, grid: Grid, text: str
) -> Tuple[str, str] | None:
    """(the earlier subject, the aspect asked) when a message points back past the subject in hand."""
    if specific or not _THE_ONE_BEFORE.search(text or ""):
        return None
    recent = [s for s in recent_subjects(history, current) if s not in (WEAK_SUBJECT, *GENERIC) and s in grid.subjects]
    aspect = grid.aspect_of_intent.get(intent) or grid.primary_aspect(intent)
    if aspect is None:  # read as a dose ("how many sesions for the first one"): the aspect its words name
        aspect = next((a for a in grid.aspects if a != "what" and grid.mentions_aspect(a, text or "")), None)
    if len(recent) < 2 or not aspect:
        return None
    return recent[1], aspect


_WHAT_IS = re.compile(r"\bw(?:h?at|tf|aht|ht)\W*(?:s|is|are)\b", re.I)


def _what_the_last_question_names(
    text: str, comparable_named: Sequence[str], grid: Grid, strict: bool = False
) -> str | None:
    """The one subject a closing "what is X?" names, when the message names more than one and asks no comparison.
    `strict` (no comparison cue at all): the question asks nothing else of it ("what is the success rate of X?")."""
    sentences = [x for x in _SENTENCE_END.split(text.strip()) if x.strip()]
    if len(comparable_named) < 2 or len(sentences) < 2 or not sentences[-1].rstrip().endswith("?"):
        return None
    last = sentences[-1]
    if _STRONG_COMPARE_CUE.search(text) or _WHICH_CUE.search(text) or not grid.asks_what_it_is(last):
        return None
    if strict and any(grid.mentions_aspect(a, last) for a in grid.aspects if a != "what"):
        return None
    in_it = [s for s in comparable_named if grid.mentions_subject(s, last)]
    return in_it[0] if len(in_it) == 1 else None


def _narrows(history: Sequence[Turn], name: str, words: int) -> bool:
    """After "which one do you mean?" a short reply names it ("of venlafaxine", "the zoloft one"); after an answer
    about treatment in general only a bare name narrows it ("CPT", "and emdr"), not "is prozac one of them"."""
    if history[-1].subject is None:
        return words <= WHICH_ONE_WORDS
    return name not in GENERIC and words <= NARROWING_WORDS


def resolve(
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    subject_values: Sequence[str],
    current_subject: str | None,
    history: Sequence[Turn],
    grid: Grid,
    labels: Labels | None = None,
    band: ClarifyBand = ClarifyBand(),
    text: str = "",
    clarify_pending: bool = True,
) -> Resolution:
    """`clarify_pending`: the conversation's last fallback asked "did you mean ...?" (the `clarify` slot is
    "yes"); only then does a plain fallback have to switch that question off."""
    named = named_subjects(subject_values, grid, text or "")
    res = Resolution(record={"classifier_intent": intent, "named": named})
    said = (bool(_NIGHTMARES.search(text or "")), bool(_FLASHBACKS.search(text or "")))
    if said[0]:
        res.record["nightmares"] = True  # "any meds for them?" next turn is about the medicine for nightmares
    if said[1]:
        res.record["flashbacks"] = True  # "is there anything for that" next turn is about coping with them
    lifted = _follow_up_below_fallback(intent, ranking, named, current_subject, grid, band, text or "")
    if lifted != intent:
        intent = res.intent = lifted
        res.record["lifted_from_fallback"] = True
    comparable_named = [s for s in named if grid.subjects[s].compare_as]
    pair_named = len(comparable_named) >= 2 and grid.comparison(comparable_named[0], comparable_named[1])
    # two named and set against each other ("Prozac or the writing therapy, what you recommend?", "therapy or meds,
    # which one actually works better", "trying to decide between zoloft and going to therapy"): a comparison, and
    # no neighbour's words decide for one side
    chosen_between = pair_named and any(
        cue.search(text or "") for cue in (_STRONG_COMPARE_CUE, _WHICH_CUE, _CHOOSE_CUE)
    )
    decided = None if chosen_between else _decided_by_words(intent, ranking, text, named, current_subject, grid)
    if decided:
        # The words decide between neighbours the classifier confuses: "is there like an app he could use", read as
        # the treatments overview, is the app's answer; "how do I find someone actually trained in that" after TF-CBT
        # keeps the classifier's answer about trained therapists, not TF-CBT's cell for finding care
        res.record.update(rule="decisive_words", words=decided.id)
        if decided.to != intent:
            res.intent = decided.to
            res.record["was"] = intent
        about = sorted(grid.subjects_of(decided.to)) or ([decided.when_subject] if decided.when_subject else [])
        # ... or the subject named whose family the answer is in ("Kratom is legal in America?": kratom's state laws)
        about = about or [s for s in named if grid.belongs(decided.to, s)]
        if len(about) == 1:  # kratom's state laws keep kratom in hand for "why do people take it anyway?"
            res.entities["current_subject"] = about[0]
        return res
    earlier = [s for s in recent_subjects(history, current_subject) if s not in named and grid.subjects.get(s)]
    words = len((text or "").split())
    # "How do I find a therapist trained in CPT, PE or EMDR?": a confident answer is not second-guessed by "or"
    sure = intent not in (FALLBACK_INTENT, COMPARE_INTENT) and max((c for _, c in ranking), default=0.0) >= SURE
    asks_to_compare = (
        intent == COMPARE_INTENT
        or (
            pair_named
            and (
                chosen_between
                or (
                    _COMPARE_CUE.search(text or "")
                    and (
                        (words <= WEAK_CUE_WORDS and not sure)
                        or (
                            _one_sided(intent, comparable_named[:2], grid)
                            and _asks_about_pair(text or "", comparable_named[:2], grid)
                        )
                    )
                )
                or (words <= SHORT_PAIR_WORDS and not sure)
            )
        )
        or (
            len(comparable_named) == 1
            and _STRONG_COMPARE_CUE.search(text or "")
            and any(grid.comparison(s, comparable_named[0]) for s in earlier)
        )
        or (
            not comparable_named
            and words <= WHICH_WORDS
            and (_WHICH_CUE.search(text or "") or _SIDE_BY_SIDE.search(text or ""))
            and _comparison([], history, current_subject, grid)[0] is not None
        )
    )

    lone = [s for s in named if s != WEAK_SUBJECT]
    if (
        intent == COMPARE_INTENT
        and len(lone) == 1
        and grid.answer(lone[0], "what")
        and _comparison(named, history, current_subject, grid)[0] is None
        and not any(cue.search(text or "") for cue in (_COMPARE_CUE, _WHICH_CUE, _CHOOSE_CUE, _SIDE_BY_SIDE))
    ):
        # "My GP has suggested I try sertraline. I am 71 and rather wary of tablets.", read as a comparison: one
        # subject, nothing to set beside it and no word that compares; what it is, not "which two do you mean?"
        return _answer(res, grid, lone[0], "what", "compare_without_pair", "message")
    asked_what = _what_the_last_question_names(text or "", comparable_named, grid, strict=not asks_to_compare)
    if asked_what:
        # 'The clinic brochure lists "PCT" alongside CPT and PE. What is PCT?': the question asks what one of
        # them is; the others are the background it was read in (a pasted note that names two, then "What is
        # written exposure?", too)
        return _answer(res, grid, asked_what, "what", "what_the_question_names", "message")
    if asks_to_compare:
        comparison, pair = _comparison(named, history, current_subject, grid)
        if (
            comparison is None
            and not comparable_named
            and _WHAT_WORKS_BEST.search(text or "")
            and _TREATMENT_WORD.search(text or "")  # not "which breed would be best for that?" after service dogs
        ):
            # "Which treatment is best one?" with no two treatments in the conversation to set side by side:
            # which treatments work best, not "which two do you mean?"
            return _answer(res, grid, TREATMENT_OF_PTSD, "effectiveness", "best_in_general", "default")
        res.intent = COMPARE_INTENT
        res.entities["comparison"] = comparison or NO_VALUE
        res.record.update(rule="compare", comparison=comparison, pair=pair)
        return res

    aspect = grid.aspect_of_intent.get(intent)
    specific = named if named != [WEAK_SUBJECT] else []  # "does it work for ptsd?": "it" is the current subject
    if _asks_for_nightmare_medicine(intent, specific, history, said[0], text, words, grid):
        # "any meds for that" after the nightmares answer, or "nightmares every night, is there a medicine for
        # that": the medicine for nightmares, not medicines in general nor coping without one
        return _answer(res, grid, NIGHTMARE_MEDICINE, "what", "nightmare_medicine", "slot")
    coping = _coping_help(intent, specific, history, text, words, said)
    if coping:
        # "is there anything for that" after "every night same dream": what helps with nightmares, not the overview
        res.intent = coping
        res.record.update(rule="coping_help", answer=coping)
        return res
    if _kratom_with_a_medicine(named, current_subject, grid, text):
        # "does it mess with my prozac" after kratom: how kratom and that medicine interact, not the medicine's answer
        res.intent = KRATOM_INTERACTIONS
        res.record.update(rule="kratom_interactions", subject=KRATOM, answer=KRATOM_INTERACTIONS)
        res.entities["current_subject"] = KRATOM
        return res
    again = _same_answer_again(history, text, words)
    if again:
        # "how is it diff from normal ptsd" right after the complex PTSD answer: that answer is the one about it
        res.intent = again
        res.record.update(rule="same_answer_again", answer=again)
        return res
    if (
        intent == KRATOM_DEPENDENCE_HELP
        and _CAN_GET_HOOKED.search(text or "")
        and not _WANTS_TO_QUIT.search(text or "")
        and grid.answer(KRATOM, "side_effects")
    ):
        # "can u get addicted to kratom? asking for me lol": whether it can happen is its risks, not where to get help
        return _answer(res, grid, KRATOM, "side_effects", "can_get_hooked", "message" if KRATOM in named else "slot")
    why_not = _why_not(history, current_subject, specific, grid, text, words)
    if why_not:
        # "why not tho" after "benzodiazepines are not recommended for PTSD": why not is their risks
        return _answer(res, grid, current_subject, "side_effects", "why_not", "slot")
    kind = _instead_of(intent, specific, history, current_subject, grid, text, words)
    if kind:
        # "so what do docs use instead" after benzodiazepines: the other medicines, not treatment in general
        return _answer(res, grid, kind, "what", "what_instead", "slot")
    if _is_that_ptsd(intent, named, history, text, words):
        # "is that normal with ptsd" after "cant sleep since the fire": whether it is a symptom, not what PTSD is
        res.intent = SYMPTOMS
        res.record.update(rule="is_that_ptsd", answer=SYMPTOMS)
        return res
    if _which_therapy_in_general(intent, specific, history, grid, text):
        return _answer(res, grid, TREATMENT_OF_PTSD, "what", "which_therapy_in_general", "default")
    bad_about = specific[0] if len(specific) == 1 else None if specific else current_subject
    if (
        bad_about
        and bad_about not in (WEAK_SUBJECT, *GENERIC)
        and grid.belongs(intent, bad_about)
        and _WHATS_BAD.search(text or "")
        and grid.answer(bad_about, "side_effects")
    ):
        # "whats so bad about benzos my doc wont give me xanax anymore": their risks, not what they are
        return _answer(res, grid, bad_about, "side_effects", "whats_bad", "message" if specific else "slot")
    pending = _which_one_was_asked(history)
    if (
        pending
        and len(specific) == 1
        and _narrows(history, specific[0], words)
        and (intent == SUBJECT_ONLY_INTENT or intent == grid.answer(specific[0], "what"))
        and not grid.asks_what_it_is(text or "")  # "what is EMDR?" is a new question, not the name asked for
    ):
        # "side effects?" got "which medicine do you mean?"; "of venlafaxine" answers it: venlafaxine's side effects
        return _answer(res, grid, specific[0], pending, "which_one_answered", "message")
    before = _the_one_before(intent, specific, history, current_subject, grid, text)
    if before:
        # "how many sesions for the first one u said" after CPT and then EMDR: CPT's, not EMDR's
        return _answer(res, grid, before[0], before[1], "the_one_before", "history")
    therapy = _session_question_about_therapy(intent, specific, current_subject, grid, text, history, words)
    if therapy:
        # "how many times would I need to go?" about written exposure therapy: a session count, not a dose.
        # The dose lexicon runs after this step and still refuses any real amount request.
        source = "message" if therapy in named else "slot"
        return _answer(res, grid, therapy, "how_long", "session_not_dose", source)
    if aspect is not None and intent != SUBJECT_ONLY_INTENT:
        subject = specific[0] if specific else current_subject or (named[0] if named else None)
        if _points_back(specific, current_subject, grid, text):
            subject = current_subject  # "does that pill have side effects" after prazosin: prazosin's
        source = "message" if subject in named else "slot"
        if subject is None and (
            aspect in ABOUT_CARE_IN_GENERAL
            or (aspect in ABOUT_CARE_IN_ITS_WORDS and grid.mentions_aspect(aspect, text))
        ):
            subject, source = WEAK_SUBJECT, "default"  # "is it very expensive?" with nothing named: care in general
        if subject is None and aspect == "hard" and _MAKES_WORSE.search(text or ""):
            subject, source = TREATMENT_OF_PTSD, "default"
        if subject is None and not earlier and dict(ranking).get(OUT_OF_SCOPE_INTENT, 0.0) >= OUTSIDE_ASPECT_FLOOR:
            res.intent = OUT_OF_SCOPE_INTENT
            res.record.update(rule="aspect_outside", aspect=aspect)
            return res
        if subject == WEAK_SUBJECT and _asks_of_treatment(aspect, history, grid, text):
            subject = TREATMENT_OF_PTSD
        if aspect == "effectiveness" and not specific and _WHAT_WORKS_BEST.search(text or ""):
            # "honestly what does the evidence say works best" after ketamine: which treatments work, not ketamine
            return _answer(res, grid, TREATMENT_OF_PTSD, aspect, "best_in_general", "default")
        if not grid.answer(subject, aspect) and not grid.mentions_aspect(aspect, text):
            # "is it on line" after PE, read as another aspect PE has no answer for: the words ask for the
            # online answer PE has; an aspect whose own words appear keeps its honest "no reviewed answer"
            aspect = _aspect_in_words(subject, aspect, grid, text)
        return _answer(res, grid, subject, aspect, "aspect", source)

    if intent == SUBJECT_ONLY_INTENT:
        if current_subject and not named and not _ANOTHER_ONE.search(text or ""):
            worded = _aspect_in_words(current_subject, "what", grid, text)
            if worded != "what":
                # "ok forget that, what about withdrawal" after kratom: the aspect its words name, of the subject in hand
                return _answer(res, grid, current_subject, worded, "aspect_in_words", "slot")
        if not named:  # "and ...?" with no subject we know: do not guess
            res.intent = FALLBACK_INTENT
            if clarify_pending:
                res.entities["clarify"] = "no"
            res.record.update(rule="subject_only", subject=None)
            return res
        last = _last_aspect(history)
        asked_again = grid.answer(named[0], last or "what")  # the last question, asked of the new subject
        same = _SAME_QUESTION_CUE.search(text or "")
        new_topic = _NEW_TOPIC_CUE.search(text or "") and not (
            _BARE_WHAT_ABOUT.match(text or "")
            and history
            and history[-1].subject not in (None, *GENERIC)
            and asked_again != history[-1].intent  # not the same general answer again
        )
        ellipsis = not new_topic and asked_again
        kept = last if last and last != "what" and (same or ellipsis) else None
        what = grid.answer(named[0], "what")
        if kept and what not in (None, asked_again) and named[0] not in recent_subjects(history, None):
            # "and NET?" after "how many sessions is WET": NET not met yet, so what it is, then the question
            # asked again of it; half of the visitors who write this want each (evaluation/README.md, round 20)
            res = _answer(res, grid, named[0], kept, "subject_only_new", "message")
            res.record["answer_first"] = what
            return res
        return _answer(res, grid, named[0], kept or "what", "subject_only", "message")

    served = grid.subjects_of(intent)
    if served:
        # "what is written exposer therapy" (WET misspelt, so only "therapy" is found): the classifier's answer
        # about a particular therapy stands; a general word never overrides a particular kind of itself
        kind_of_named = all(s in GENERIC and any(grid.kind_of(x, s) for x in served) for s in specific)
        # "my psychologist gave me a list: CPT, PE, EMDR, WET, or medication ... is there a tool": a list of options
        # is not one subject asked about; the classifier's answer stands
        a_list = len(specific) >= LIST_OF_OPTIONS
        if specific and not served.intersection(specific) and not kind_of_named and not a_list:
            aspect = grid.primary_aspect(intent) or "what"
            return _answer(res, grid, specific[0], aspect, "cell_remap", "message")
        general = bool(served & {WEAK_SUBJECT, *GENERIC})
        if (
            named == [WEAK_SUBJECT]
            and current_subject not in (None, WEAK_SUBJECT, *GENERIC)
            and WEAK_SUBJECT in served
            and _IT_FOR_PTSD.search(text or "")
            and grid.answer(current_subject, "effectiveness")
        ):
            # "does it actually help ptsd or is that just internet talk" after kratom: how well kratom works, not
            # the answer about PTSD's treatments the word "ptsd" drew
            return _answer(res, grid, current_subject, "effectiveness", "it_for_ptsd", "slot")
        if not named and current_subject not in served and grid.subjects.get(current_subject or "") and general:
            # "how many sessions would I need" after EMDR: the classifier's general answer, asked of EMDR;
            # "is it free?" after the PTSD Coach app: the app's own answer, not the cost of care
            aspect = grid.primary_aspect(intent)
            if aspect and aspect != "what" and grid.answer(current_subject, aspect):
                return _answer(res, grid, current_subject, aspect, "slot_remap", "slot")
        if not specific and _borrows_detail(intent, served, current_subject, grid):
            # "is it risky" after kratom, classified as the benzodiazepine risks: the same detail, asked of
            # the conversation's subject, or the honest "no reviewed answer"; never another subject's answer
            return _answer(res, grid, current_subject, grid.primary_aspect(intent), "slot_remap", "slot")
        subject = next((s for s in named if s in served), None) or (
            current_subject if current_subject in served else sorted(served)[0] if len(served) == 1 else None
        )
        aspect = next((a for s, a in grid.cells_of_answer[intent] if s == subject), None)
        what = grid.answer(subject, "what")
        # "wat is prolonged exposur" opening a conversation: the name misspelt, so not found, but asked what it is
        unnamed = not named and not history and bool(_WHAT_IS.search(text or ""))
        if (
            (subject in specific or unnamed)
            and what not in (None, intent)
            and (
                grid.asks_what_it_is(text or "")
                or (subject in specific and _first_told(subject, history, grid, text or "", words))
            )
            and not grid.asked_for(intent, subject, text or "")
        ):
            # "whats pe", "explain prazosin to me": what it is, asked of the subject named, none of the detail's words
            res.record.update(was=intent)
            return _answer(res, grid, subject, "what", "what_it_is_unasked", "message")
        online = grid.answer(subject, ONLINE)
        if (
            subject in specific
            and online not in (None, intent)
            and grid.mentions_aspect(ONLINE, text or "")
            and (
                not grid.asked_for(intent, subject, text or "")
                or (intent == what and not grid.asks_what_it_is(text or ""))
            )
        ):
            # "can u do emdr online", classified as EMDR's sessions, or "back to cpt, can that one be done online"
            # as what CPT is: the online answer its words ask for
            res.record.update(was=intent)
            return _answer(res, grid, subject, ONLINE, "online_in_words", "message")
        instead = _unnamed_medicine(intent, served, named, current_subject, ranking, grid, text)
        if instead:
            # "my girlfriend has nightmares almost every night, is there anything that helps": prazosin was
            # not asked about; the next candidate that needs no unnamed medicine answers
            res.intent = instead
            res.record.update(rule="unnamed_medicine", was=intent)
            return res
        res.record.update(rule="answer", subject=subject, aspect=aspect)
        if subject:
            res.entities["current_subject"] = subject
        return _clarify(res, intent, ranking, labels, band, grid, named, clarify_pending, text or "")

    if named:
        res.entities["current_subject"] = named[0]
        res.record.update(subject=named[0])
    elif current_subject:
        family = _family_answer(intent, ranking, current_subject, grid, band, text or "")
        if family:
            res.intent = family
            res.record.update(rule="family", subject=current_subject)
            return res
        in_hand = _of_the_one_in_hand(intent, ranking, current_subject, grid, text or "")
        if in_hand:
            # "are they addictve" after benzos, read surely as alcohol and drugs with PTSD: "they" is the subject in
            # hand and "addictive" the aspect its risks answer; "does it actually work for the bad dreams" after
            # prazosin: how well prazosin works, not coping with nightmares in general
            res.intent = in_hand
            res.record.update(rule="pronoun_aspect", subject=current_subject, answer=in_hand)
            return res
    return _clarify(res, intent, ranking, labels, band, grid, named, clarify_pending, text or "")


def _one_sided(intent: str, pair: Sequence[str], grid: Grid) -> bool:
    """ "EMDR or TF-CBT for my son?": the classifier's sure answer is about one of the two named, not both."""
    about = [grid.belongs(intent, s) for s in pair]
    return any(about) and not all(about)


_SENTENCE_END = re.compile(r"(?<=[.?!])\s+")
_QUESTION_WORDS = "what|whats|how|does|do|is|are|can|could|should|which|will|would|why|when|where|who"
_QUESTION_START = re.compile(rf"^\W*(?:{_QUESTION_WORDS})\b", re.I)


def _asks_about_pair(text: str, pair: Sequence[str], grid: Grid) -> bool:
    """The question itself names both, joined by "or" or "vs" ("is NET or CPT the better fit?", "PE or meds? I
    don't want to rehash it"), not only a statement before it ("VA offered me sertraline or therapy. does zoloft
    work?"). With no question sentence, any sentence will do ("pct or pe. I really don't want to dig into it")."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) == 1:  # both were found in it, in whichever of their names ("wet or emdr if i want ...")
        return bool(_COMPARE_CUE.search(sentences[0]))
    questions = [s for s in sentences if s.rstrip().endswith("?") or _QUESTION_START.match(s)]
    return any(
        _COMPARE_CUE.search(sentence) and all(grid.mentions_subject(subject, sentence) for subject in pair)
        for sentence in questions or sentences
    )


def _asks_of_treatment(aspect: str, history: Sequence[Turn], grid: Grid, text: str) -> bool:
    """An aspect of PTSD's treatment, asked in a conversation about PTSD: the message names sessions or therapy,
    or follows an answer about treatment, or retells ("go over everything that happened") or asks about the
    first session in the aspect's own words. Never "does it go away without treatment?"."""
    if not grid.answer(TREATMENT_OF_PTSD, aspect) or _UNTREATED.search(text or ""):
        return False
    last = history[-1].intent if history else None
    if _TREATMENT_TIME.search(text or "") or (last and last.startswith("faq_treatment_")):
        return True
    if grid.answer(WEAK_SUBJECT, aspect):
        return False  # PTSD's own answer ("how long does it last?") unless the words are about treatment
    if aspect == "talk_trauma":
        return bool(_RETELLING.search(text or ""))
    return aspect == "session_like" and grid.mentions_aspect(aspect, text or "")


def _aspect_in_words(subject: str | None, aspect: str, grid: Grid, text: str) -> str:
    """The one other aspect the subject has an answer for whose cues the text holds, else `aspect`."""
    asked = [
        a
        for a in grid.aspects
        if a not in (aspect, "what") and grid.answer(subject, a) and grid.mentions_aspect(a, text)
    ]
    return asked[0] if len(asked) == 1 else aspect


def _unnamed_medicine(
    intent: str,
    served: set,
    named: Sequence[str],
    current: str | None,
    ranking: Sequence[Tuple[str, float]],
    grid: Grid,
    text: str,
) -> str | None:
    """A particular medicine's answer to a message that names neither it nor any medicine, in a conversation not
    about it: the next candidate (at least UNNAMED_MEDICINE_FLOOR) that is not about an unnamed medicine."""
    particular = {s for s in served if grid.kind_of(s, "medication")}
    if served & {WEAK_SUBJECT, *GENERIC}:  # care in general ("where can we find a therapist"), one cell a medicine's
        return None
    if not particular or particular.intersection(named) or current in particular or _MEDICINE_WORD.search(text or ""):
        return None
    for candidate, confidence in ranking:
        if candidate == intent or confidence < UNNAMED_MEDICINE_FLOOR:
            continue
        others = grid.subjects_of(candidate)
        if candidate.startswith(("faq_", "feeling_")) and not any(grid.kind_of(o, "medication") for o in others):
            return candidate
    return None


def _points_back(specific: Sequence[str], current: str | None, grid: Grid, text: str) -> bool:
    """Only a general subject is named ("that pill", "this therapy") and the conversation's subject is a
    particular kind of it: the words point back at the subject in hand, not at medicines in general."""
    return (
        len(specific) == 1
        and specific[0] in GENERIC
        and grid.kind_of(current, specific[0])
        and bool(_POINTS_BACK.search(text or ""))
    )


def _follow_up_below_fallback(
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    named: Sequence[str],
    current: str | None,
    grid: Grid,
    band: ClarifyBand,
    text: str = "",
) -> str:
    """A short or rambling message the classifier was unsure of is clear in its conversation: "and the side
    effects?" with a subject known, or "what is the EMDR, my doctor say this word" whose best guess is about
    the very subject it names."""
    real = [(n, c) for n, c in ranking if n != FALLBACK_INTENT]
    if intent != FALLBACK_INTENT or not real or real[0][1] < band.follow_up_floor:
        return intent
    top = real[0][0]
    if not (named or current):
        # "how many sessions are there usually" with nothing named: an aspect its words ask for gets "which
        # treatment or medicine do you mean?" (with the crisis line, as the fallback has), a better question back
        # than "I'm not sure I understood"; never an answer about care in general the visitor may not have asked
        aspect = grid.aspect_of_intent.get(top)
        asks_which = aspect not in (None, "what", *ABOUT_CARE_IN_GENERAL, *ABOUT_CARE_IN_ITS_WORDS)
        return top if asks_which and grid.mentions_aspect(aspect, text) else intent
    if top in grid.aspect_of_intent or top == COMPARE_INTENT:
        return top
    specific = [s for s in named if s != WEAK_SUBJECT]
    if specific and grid.belongs(top, specific[0]):
        return top
    if (
        not specific
        and current not in (None, WEAK_SUBJECT, *GENERIC)
        and grid.belongs(top, current)
        and _IT_FOR_PTSD.search(text)
    ):
        return top  # "does it help ptsd at all" after kratom: the best guess is about the subject in hand
    return intent


def _session_question_about_therapy(
    intent: str,
    specific: Sequence[str],
    current: str | None,
    grid: Grid,
    text: str,
    history: Sequence[Turn],
    words: int,
) -> str | None:
    """The therapy a "how many / how often" question is about, when the classifier took it for a dose request, or
    could not place "how many times do u have to go" at all; or a therapy named right after a session count ("and
    WET? same number or less" after CPT's sessions)."""
    goes = intent == FALLBACK_INTENT and _HOW_OFTEN_GO.search(text or "")
    if intent not in DOSE_INTENTS and not goes:  # "how much sessions is normal?" may read as a dose of some drug
        return None
    subject = specific[0] if specific else current
    s = grid.subjects.get(subject or "")
    if (
        s is None
        or s.compare_as in (None, "medication")
        or any(grid.subjects[n].compare_as in (None, "medication") for n in specific)
    ):
        return None
    after_sessions = bool(specific) and bool(history) and history[-1].aspect == "how_long"
    if goes or grid.mentions_aspect("how_long", text or "") or (after_sessions and words <= SHORT_FOLLOW_UP_WORDS):
        return subject
    return None


def _borrows_detail(intent: str, served: set, current: str | None, grid: Grid) -> bool:
    """A detail answer (risks, side effects, sessions) that belongs to particular subjects, none of them the
    particular subject the conversation is about, in a message that names none."""
    if not current or current == WEAK_SUBJECT or current in GENERIC or not grid.subjects.get(current):
        return False
    if current in served or served & {WEAK_SUBJECT, *GENERIC} or grid.belongs(intent, current):
        return False
    aspect = grid.primary_aspect(intent)
    return bool(aspect) and aspect != "what"


def _family_answer(
    intent: str, ranking: Sequence[Tuple[str, float]], subject: str, grid: Grid, band: ClarifyBand, text: str = ""
) -> str | None:
    """A vague follow-up ("is it an opioid?") the classifier was unsure of: the best candidate about the subject,
    an aspect among them asked of the subject ("are they addictive" after Xanax: the benzodiazepines' risks)."""
    real = [(n, c) for n, c in ranking if n != FALLBACK_INTENT]
    if not real or (intent != FALLBACK_INTENT and real[0][1] >= band.below) or grid.belongs(real[0][0], subject):
        return None
    for name, confidence in real[:3]:
        if confidence < band.follow_up_floor:
            continue
        if grid.belongs(name, subject):
            return name
        aspect = grid.aspect_of_intent.get(name)
        if (
            aspect
            and subject != WEAK_SUBJECT  # "how long do they take" after the treatments answer: not PTSD's course
            and grid.answer(subject, aspect)
            and grid.mentions_aspect(aspect, text)  # its own words there: "addictive" asks about risks
            and not _WHICH_ONE.search(text)  # "so which one? he hates homework": a choice, not one side's detail
        ):
            return grid.answer(subject, aspect)
    return None


# a question mark, or a question's first word (the sentence starts above, and a few more)
_A_QUESTION = re.compile(rf"\?|^\W*(?:{_QUESTION_WORDS}|did|am|may|must|have|has)\b", re.I)
_POINTS_AT_IT = re.compile(r"\b(?:it|its|they|them|these|those|this|that)\b", re.I)


def _of_the_one_in_hand(
    intent: str, ranking: Sequence[Tuple[str, float]], subject: str, grid: Grid, text: str
) -> str | None:
    """A short follow-up that points back ("it", "they") and asks, in the aspect's own words, about a particular
    subject in hand, which the classifier answered with a topic outside the subjects: that aspect of the subject."""
    if (
        subject in (WEAK_SUBJECT, *GENERIC)
        or not grid.subjects.get(subject)
        or grid.belongs(intent, subject)
        or len(text.split()) > SHORT_FOLLOW_UP_WORDS
        or not _POINTS_AT_IT.search(text)
    ):
        return None
    if _IT_FOR_PTSD.search(text) and grid.answer(subject, "effectiveness"):
        return grid.answer(subject, "effectiveness")
    for name, _ in ranking[:3]:
        if name == intent:
            continue
        aspect = grid.aspect_of_intent.get(name) or (grid.primary_aspect(name) if grid.belongs(name, subject) else None)
        if aspect and aspect != "what" and grid.answer(subject, aspect) and grid.mentions_aspect(aspect, text):
            return grid.answer(subject, aspect)
    return None


# "they prescribed him sertraline", "doc wants to start me on zoloft": a medicine offered, told as news
OFFER_WORDS = 20  # "my son is 24, back from the army, and they prescribed him sertraline"
_OFFERED = re.compile(
    r"\b(?:prescri\w*|start(?:s|ed|ing)?\s+(?:\w+\s+)?on|put(?:ting)?\s+(?:\w+\s+)?on|wants?\s+(?:\w+\s+)?to\s+"
    r"(?:try|take|go on)|suggest\w*|recommend\w*|brought up|mention\w*|offer\w*)\b",
    re.I,
)


def _first_told(subject: str, history: Sequence[Turn], grid: Grid, text: str, words: int) -> bool:
    """ "VA wants me to do PE" opening a conversation: a treatment first brought up in a statement, with none of a
    detail's words, asks what it is. A question keeps its detail ("will the parent be in the room during tf-cbt").
    A medicine only when told as offered ("they prescribed him sertraline"): the words for its side effects are
    endless ("I get dizzy on sertraline"), so a plain statement naming one is left to the classifier."""
    therapy = grid.kind_of(subject, TREATMENT_OF_PTSD)
    medicine = not therapy and grid.kind_of(subject, GENERIC["medication"]) and bool(_OFFERED.search(text))
    # an offer names who offered it ("doc at the clinic"): not a question about where to find the medicine
    told_by = {"find"} if medicine else set()
    return (
        not history
        and words <= (OFFER_WORDS if medicine else SHORT_FOLLOW_UP_WORDS)
        and (words <= NARROWING_WORDS or not _A_QUESTION.search(text))  # "pct?" asks what it is
        and (therapy or medicine)
        # none of another detail's words ("can u do emdr online": the online answer's rule)
        and not any(
            grid.mentions_aspect(a, text)
            for a in grid.aspects
            if a not in ("what", *told_by) and grid.answer(subject, a)
        )
    )


def _prefer_what_it_is(
    res: Resolution,
    intent: str,
    real: Sequence[Tuple[str, float]],
    grid: Grid,
    named: Sequence[str],
    band: ClarifyBand,
    text: str = "",
) -> Resolution:
    """ "what's pe": when the two close candidates are both about the subject named, its "what it is" answer
    is the safer reply than a detail (its sessions, its side effects) the visitor did not ask for; and the other
    way round, a close detail whose own words are in the message beats "what it is" asked in none."""
    if not named or len(real) < 2 or res.intent not in (None, intent) or intent != real[0][0]:
        return res
    what = grid.answer(named[0], "what")
    (first, c1), (second, c2) = real[0], real[1]
    close = c1 < band.below and c1 - c2 <= band.margin
    if close and what == second and grid.belongs(first, named[0]):
        res.intent = what
        res.record.update(rule="what_it_is", candidates=[[first, round(c1, 4)], [second, round(c2, 4)]])
    elif (
        close
        and what == first
        and grid.belongs(second, named[0])
        and grid.asked_for(second, named[0], text)
        and not grid.asks_what_it_is(text)
    ):
        # "Is Prozac safe for my 16 year old? ... I'm worried about the risks": its side effects, whose words
        # are there, rather than what it is, asked in none
        res.intent = second
        res.record.update(rule="detail_in_words", candidates=[[first, round(c1, 4)], [second, round(c2, 4)]])
    return res


def _answer(res: Resolution, grid: Grid, subject: str | None, aspect: str, rule: str, source: str) -> Resolution:
    key = grid.answer(subject, aspect)
    res.record.update(rule=rule, subject=subject, aspect=aspect, subject_from=source)
    res.entities["aspect_label"] = grid.aspects[aspect]["label"]
    res.entities["subject_label"] = grid.subjects[subject].label if subject else NO_VALUE
    if subject:
        res.entities["current_subject"] = subject
    if key is None:  # the aspect's own intent: its rule says honestly that there is no such answer
        res.intent = grid.aspects[aspect]["intent"]
        res.record["answer"] = None
    else:
        res.intent = key
        res.record["answer"] = key
    return res


def _clarify(
    res: Resolution,
    intent: str,
    ranking: Sequence[Tuple[str, float]],
    labels: Labels | None,
    band: ClarifyBand,
    grid: Grid,
    named: Sequence[str] = (),
    clarify_pending: bool = True,
    text: str = "",
) -> Resolution:
    """Two close candidates, both answers we can name: ask which one was meant instead of guessing.

    Not when the message names its subject and both candidates are about it ("tell me about effexor"):
    the subject's own answer is then the better reply than a question."""
    real = [(n, c) for n, c in ranking if n != FALLBACK_INTENT]
    asks = (
        labels is not None
        and band.below > 0
        and len(real) >= 2
        and intent in (FALLBACK_INTENT, real[0][0])
        and real[0][1] < band.below
        and real[0][1] - real[1][1] <= band.margin
        and labels.has(real[0][0])
        and labels.has(real[1][0])
        and not (named and all(grid.belongs(n, named[0]) for n, _ in real[:2]))
    )
    if not asks:
        if intent == FALLBACK_INTENT and clarify_pending:  # never show an earlier question's options again
            res.entities["clarify"] = "no"
        return _prefer_what_it_is(res, intent, real, grid, named, band, text)
    (first, c1), (second, c2) = real[0], real[1]
    res.intent = FALLBACK_INTENT
    res.entities.update(
        clarify="yes",
        clarify_first_label=labels.label[first],
        clarify_first_question=labels.question[first],
        clarify_second_label=labels.label[second],
        clarify_second_question=labels.question[second],
    )
    res.record.update(rule="clarify", candidates=[[first, round(c1, 4)], [second, round(c2, 4)]])
    return res
