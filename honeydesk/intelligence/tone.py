"""Tone of an incoming customer message: calm, frustrated, angry or abusive, with reasons.

Practice 4 ("civil conversations; reps protected") needs two things from this module: a
label a supervisor can trust (no calm customer may ever be branded abusive) and reasons that
point at the words, so a rep sees *why* a message was masked. The reader is a cascade of
rules over the analysis key (see ``normalize``):

1. abusive: an insult or curse aimed at a person, a demeaning remark, or a threat of harm;
2. angry: shouting, threats to leave, regulator threats, sarcasm, accusations of lying;
3. frustrated: civil unhappiness cues, profanity aimed at a thing, VADER negativity;
4. calm otherwise.

Who a word is aimed at matters more than the word: "this damn modem" is frustrated, "you
idiot" is abusive, "he called me an idiot" reports an insult and is not abuse. The
alt-profanity-check model (via ``profanity``) scores how offensive the whole text is; it
raises confidence but never decides the target on its own.
"""

# Regex alternations and message strings read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from . import lexicons as lx
from .gates import AlternationScan, gate
from .normalize import AnalysisText, analysis_text
from .profanity import model as profanity_model

LABELS = ("calm", "frustrated", "angry", "abusive")

# What a rep reads for each reason kind (the case page's tone line): words people use,
# not the machine name ("cursing_at_person" read "Cursingatperson" once).
REASON_LABELS = {
    "insult": "Insult",
    "threat_of_harm": "Threat of harm",
    "demeaning": "Demeaning language",
    "cursing_at_person": "Cursing at a person",
    "shouting": "Shouting (capitals)",
    "threat_to_leave": "Threatens to leave",
    "regulator_threat": "Threatens to go to a regulator",
    "sarcasm": "Sarcasm",
    "accusation": "Accusation",
    "unhappiness": "Unhappy words",
    "profanity_at_thing": "Swearing at a thing, not a person",
    "emphasis": "Emphasis",
    "reported_insult": "Insult someone else said, passed on (not aimed at the reader)",
}


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a label was given; ``words`` are quoted from the original text."""

    kind: str
    words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "words": list(self.words)}


@dataclass(frozen=True, slots=True)
class ToneResult:
    label: str
    confidence: float
    reasons: list[Reason] = field(default_factory=list)
    # alt-profanity-check's P(offensive); None when no abusive or profane word was seen.
    profanity: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "confidence": round(self.confidence, 3),
            "reasons": [r.as_dict() for r in self.reasons],
            "profanity": None if self.profanity is None else round(self.profanity, 3),
        }


def _c(pattern: str, flags: int = 0) -> re.Pattern[str]:
    # Patterns are lower-case and run on the lower-cased key: far faster than IGNORECASE.
    return re.compile(pattern, flags)


# The wording of every rule is data (data/lexicons/tone.txt and reported.txt, read through
# lexicons); what stays here is each rule's skeleton (word order, optional parts, boundaries)
# and the patterns that read a format rather than list words: capitals, tokens, sentence ends.
_ADJ = lx.alt(lx.INSULT_ADJ)
_PERSON = lx.alt(lx.PERSON_NOUNS)
_ADJ_STRICT = lx.alt([a for a in lx.INSULT_ADJ if a not in lx.AMBIGUOUS_ADJ])
_PROF = lx.alt(lx.PROFANITY)
_FILLER = "(?:" + lx.either(lx.FILLER) + ")"

_STRONG_NOUN_RE = gate(_c(lx.WORD_START + lx.alt(lx.STRONG_INSULT_NOUNS) + r"\b"))
# "you moron", "you're a useless piece of garbage", "your idiot rep", "you people are clowns".
_YOU_NOUN_RE = gate(
    _c(
        rf"\b(?:{lx.either(lx.YOU_NOUN_SUBJECT)})(?:{lx.after_word(lx.YOU_NOUN_LINK)})*"
        rf"(?:,? (?:{_FILLER}|{_ADJ}|[\w\-]+ing))*,? {lx.alt(lx.INSULT_NOUNS)}\b"
    )
)
# "useless call-centre drones", "clueless woman", "incompetent morons".
_ADJ_PERSON_RE = gate(
    _c(
        rf"\b(?:{_ADJ_STRICT})(?:,? (?:and )?(?:{_ADJ}))*,? (?:(?!(?:{lx.either(lx.ADJ_PERSON_NOT_BETWEEN)})\b)[\w\-]+ )?{_PERSON}\b(?! (?:{lx.either(lx.PERSON_THEN_THING)}))"
    )
)
# "you're useless", "are you this dumb", "you people are pathetic".
_YOU_ADJ_RE = gate(
    _c(
        rf"\b(?:{lx.either(lx.YOU_ADJ_SUBJECT)})(?:{lx.after_word(lx.YOU_ADJ_VERB)})(?: (?:{_FILLER}|{lx.either(lx.YOU_ADJ_FILLER)}))* (?:{_ADJ})\b"
        rf"|\bare (?:{lx.either(lx.ARE_YOU_SUBJECT)})(?: (?:{_FILLER}|{lx.either(lx.ARE_YOU_FILLER)}))* (?:{_ADJ})\b"
        rf"|\bhow (?:{lx.either(lx.HOW_YOU_VERB)}) you (?:{lx.either([w + ' ' for w in lx.HOW_YOU_PLURAL])})?(?:be )?(?:{lx.either(lx.HOW_YOU_DEGREE)}) (?:{_ADJ})\b"
    )
)
_THIRD_STRONG_ADJ_RE = gate(
    _c(
        rf"\b(?:{lx.either(lx.THIRD_SUBJECT)})(?:{lx.after_word(lx.THIRD_VERB)})(?: (?:{lx.either(lx.THIRD_INTENSIFIER)}))* "
        rf"(?:{lx.either(lx.THIRD_STRONG_ADJ)})\b"
    )
)
# The quick reported-speech check on the words right before an insult (data/lexicons/reported.txt).
_REPORTED_RE = _c(
    rf"(?:\b(?:{lx.either(lx.BEFORE_INSULT_SPEAKERS)})"
    rf"(?: \w+)? (?:{lx.either(lx.BEFORE_INSULT_VERBS)})\b(?: that)?[^.!?]{{0,45}}$"
    rf"|{lx.either(lx.BEFORE_INSULT_NOT_AIMED)})\s*$"
)
_DEMEANING_RE = gate(lx.fast_compile(r"\b" + lx.alt(lx.DEMEANING)))
_ADDRESS_LEAD = lx.either(lx.ADDRESS_LEAD)
_ADDRESS_RE = gate(
    _c(r"(?:^|[,.!?;:]\s*|\b(?:" + _ADDRESS_LEAD + r")\s*,?\s+)" + lx.alt(lx.DEMEANING_ADDRESS) + r"\s*(?:[,.!?;:]|$)")
)
_ADDRESS_WORD_RE = gate(_c(lx.WORD_START + lx.alt(lx.DEMEANING_ADDRESS) + r"\b"))
_ADDRESS_LEAD_RE = _c(r"\W*(?:" + _ADDRESS_LEAD + r")\b")
_CURSE_RE = gate(_c(lx.WORD_START + lx.alt(lx.CURSE_AT_PERSON)))
# The closing \b keeps "beat you" from matching "beat your competitor's price" and
# "I'll be waiting for you" from matching "... for your email".
_HARM_RE = gate(_c(lx.WORD_START + lx.alt(lx.THREAT_OF_HARM) + r"\b"))
_REGULATOR_RE = gate(lx.fast_compile(r"\b" + lx.alt(lx.REGULATORS) + r"\b"))
_REG_ACTION_RE = _c(r"\b" + lx.alt(lx.REGULATOR_ACTION))
_REG_NEUTRAL_RE = _c(r"\b(?:" + lx.either(lx.REGULATOR_NEUTRAL) + r")\b")
_REG_FUTURE_RE = _c(r"\b(?:" + lx.either(lx.REGULATOR_FUTURE) + r")\b")
_LEAVE_RE = gate(lx.fast_compile(r"\b" + lx.alt(lx.THREAT_TO_LEAVE)))
_SARCASM_RE = gate(_c(lx.WORD_START + lx.alt(lx.SARCASM) + "|" + lx.alt(lx.SARCASM_QUOTED)))
_SARCASM_STRONG_RE = gate(_c(lx.WORD_START + lx.alt(lx.SARCASM_STRONG)))
_SARCASM_OPEN_RE = gate(_c(r"(?:^|(?<=[.!?\n])\s*)" + lx.alt(lx.SARCASM_OPENERS), re.MULTILINE))
_SARCASM_SAFE_RE = _c(lx.either(lx.SARCASM_SAFE))
_NEG_CONTEXT_RE = lx.fast_compile(r"\b(?:" + lx.either(lx.NEGATIVE_CONTEXT) + r")\b")
_ACCUSE_RE = gate(
    _c(rf"\b(?:(?:{lx.either(lx.ACCUSE_SUBJECT)})(?: \w+)? (?:{lx.either(lx.ACCUSE_LIE)})|{lx.either(lx.ACCUSATION)})")
)
_PROF_RE = _c(r"(?<![\w*])" + _PROF + r"(?![\w*])")
# What a swear-word match needs, so the scan can be skipped: one of the plain words (word gate),
# "fu" (f+u+c+k+), or for a masked word a letter then a mask character ("f*", "s#") or a run of
# four symbols (one of #@$%& in it, or "!!!!").
_PLAIN_PROF = gate(
    _c(r"(?<![\w*])" + lx.alt([w for w in lx.PROFANITY if w not in (lx.MASKED, r"f+u+c+k+\w*")]) + r"(?![\w*])")
)
# The first characters of the masked entry (the last of PROFANITY): a quick pre-check, not wording.
_MASK_HINT_RE = _c(r"[fsbdac][*#@$%!_\-]")
_PRAISE_SWEAR_RE = _c(
    r"(?:"
    + _PROF
    + r") (?:"
    + lx.either(lx.PRAISE_AFTER_SWEAR)
    + r")|hell of a (?:"
    + lx.either(lx.HELL_OF_A)
    + r")|"
    + lx.either(lx.PRAISE_SWEARS)
)
# One alternation finds candidate cues; the per-cue regexes then say which one matched
# (capture groups would make the big alternation four times slower). The scan searches only
# the cues whose words the text holds and reports what the single regex would.
_FRUSTRATION_ORDER = [p for p in lx.FRUSTRATION if p[0] != "["] + [p for p in lx.FRUSTRATION if p[0] == "["]
_FRUSTRATION_SCAN = AlternationScan(
    [p for p in lx.FRUSTRATION if p[0] != "["], [p for p in lx.FRUSTRATION if p[0] == "["]
)
_FRUSTRATION_RE = _FRUSTRATION_SCAN.regex
_FRUSTRATION_EACH = [_c(p) for p in _FRUSTRATION_ORDER]
_FRUSTRATION_FIRST = [lx.first_chars(p) for p in _FRUSTRATION_ORDER]
_FRUSTRATION_BY_CHAR = {
    ch: tuple(i for i, f in enumerate(_FRUSTRATION_FIRST) if f is None or ch in f)
    for ch in set().union(*(f for f in _FRUSTRATION_FIRST if f is not None))
}
_FRUSTRATION_ANY = tuple(i for i, f in enumerate(_FRUSTRATION_FIRST) if f is None)
_STILL_RE = gate(
    _c(
        rf"\bstill\b(?! (?:{lx.either(lx.STILL_NEUTRAL)}))"
        rf"(?= (?:{lx.either(lx.STILL_COMPLAINT)})|\s*[.!])"
    )
)
_STILL_BAD_RE = _c(r"\s*(?:" + lx.either(lx.STILL_GRIEVANCE) + r"|[.!])")
# The bare "again" of the FRUSTRATION entry _STILL_GROUP names, at a clause end: a check on
# that one cue's own word, not a list.
_AGAIN_RE = gate(_c(r"\b(?:yet )?again\b(?=\s*[.!?,;]|\s*$)"))
_CALM_RE = gate(lx.fast_compile(r"\b" + lx.alt(lx.CALM_MARKERS)))
_WEAK_FRUSTRATION = lx.WEAK_FRUSTRATION
_REPEAT_RE = gate(
    _c(
        r"\b(?:" + lx.either(lx.REPEAT_VERBS) + r")\b"
        r"[^.?!]{0,50}\b(?:" + lx.either(lx.REPEAT_COUNTS) + r")"
    )
)
_IMPATIENT_CAPS = lx.IMPATIENT_CAPS
# Formats, not wording: a VADER token, a word in capitals, a word of letters.
_VADER_TOKEN_RE = re.compile(r"[a-z']+")
_CAPS_WORD_RE = re.compile(r"\b[A-Z][A-Z'&]+\b")
_CAPS_HINT_RE = re.compile(r"[A-Z][A-Z'&]")
_LETTER_WORD_RE = re.compile(r"\b[A-Za-z]{2,}|\b[IA]\b")
# Between two shouted words: spaces, punctuation, "I" or "A" - no lower case, no digits.
_CAPS_GAP_RE = re.compile(r"(?:[\s.,!?;:'\-]|\b[IA]\b)*")
_WEAK_GROUPS = frozenset(i for i, p in enumerate(_FRUSTRATION_ORDER) if p in _WEAK_FRUSTRATION)
# Names one FRUSTRATION entry (an import error if it is edited away), handled by _STILL_RE.
_STILL_GROUP = _FRUSTRATION_ORDER.index(r"(?:still|yet again|again)\b")


class _Doc:
    """The analysis key plus its lower-cased copy (same length, same offsets)."""

    __slots__ = ("at", "key", "low")

    def __init__(self, text: str | AnalysisText) -> None:
        self.at = text if isinstance(text, AnalysisText) else analysis_text(text)
        self.key = self.at.key
        self.low = self.at.low

    def quote(self, m: re.Match[str]) -> str:
        return self.quote_span(*m.span())

    def quote_span(self, start: int, end: int) -> str:
        key = self.key
        # Trim separators the pattern needed but a reader does not.
        while start < end and not key[start].isalnum() and key[start] not in "$*@#":
            start += 1
        while end > start and not key[end - 1].isalnum() and key[end - 1] not in "*":
            end -= 1
        return self.at.raw_slice(start, end).strip()


def _is_reported(low: str, start: int) -> bool:
    """An insult someone else said, or one the customer turns on themself."""
    return bool(_REPORTED_RE.search(low[max(0, start - 60) : start]))


# Reported speech attributed to a third party (patterns: data/lexicons/reported.txt).
# "<speaker> [up to two words] <verb> ... <insult>" within one sentence, with no clause break
# between the verb and the insult ("your rep said it was fixed, you idiots" is the author's).
_SPEAKER = lx.alt(lx.THIRD_PARTY_SPEAKERS)
_VERB = lx.alt(lx.REPORTING_VERBS)
_FRAME_BEFORE_RE = _c(rf"(?<![\w'])(?P<who>{_SPEAKER}) (?:\w+ ){{0,2}}?(?:{_VERB})\b")
# A quoted insult followed by its attribution: '"clowns," my brother said' / '... said my brother'.
_FRAME_AFTER_RE = _c(
    rf"[^\"\n]{{0,60}}\"[,.!?]?\s*(?:(?P<who>{_SPEAKER}) (?:\w+ )?(?:{_VERB})\b|(?:{_VERB}) (?P<who2>{_SPEAKER})\b)"
)
_NOT_THIRD_RE = _c(r"(?:" + lx.alt(lx.NOT_THIRD_PARTY) + r")")
_NOT_THIRD_WORD_RE = _c(r"\b(?:" + lx.either(lx.NOT_THIRD_PARTY_WORDS) + r")\b")
_CALL_NOTE_RE = _c("|".join(lx.CALL_NOTE_SUBJECT), re.MULTILINE)
_ENDORSE_RE = _c(r"\b" + lx.alt(lx.ENDORSEMENT) + r"\b")
_PRONOUNS = lx.REFERRING_PRONOUNS
# Any insult word, whoever it is aimed at: where a reported frame is looked for.
_INSULT_WORD_RE = gate(_c(lx.WORD_START + lx.alt(lx.INSULT_NOUNS + lx.INSULT_ADJ) + r"\b"))
# A sentence end (a format, not wording).
_SENTENCE_END_RE = _c(r"[.!?\n](?=\s|\"|$)")


def _third_party(low: str, who: str, at: int) -> bool:
    """``who`` (found at ``at``) is someone other than the author, the reader or the caller."""
    if _NOT_THIRD_RE.fullmatch(who) or _NOT_THIRD_WORD_RE.search(who):
        return False
    if who not in _PRONOUNS:
        return True
    # "he/she/they" opening the text has no one to refer to but the person the note is about
    # (a rep's call note: "He said ..."), and in a call note about "the caller" it is the
    # caller: either way the words are the customer's own.
    return bool(low[:at].strip()) and not _CALL_NOTE_RE.search(low)


def reported_frame(low: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of "<third party> <says> ... <insult>" when the insult at ``start:end`` is
    only passed on from someone else, or None. The author endorsing it ("... and he's right")
    makes it theirs."""
    s0 = max((m.end() for m in _SENTENCE_END_RE.finditer(low, max(0, start - 200), start)), default=max(0, start - 200))
    before = low[s0:start]
    span = None
    for m in _FRAME_BEFORE_RE.finditer(before):
        gap = before[m.end() :]
        quoted = gap.count('"') % 2 == 1
        if len(gap) > 80 or (not quoted and re.search(r"[,;:]|\s-\s", gap)):
            continue
        if _third_party(low, m.group("who"), s0 + m.start()):
            span = (s0 + m.start(), end)
            break
    if span is None and before.count('"') % 2 == 1:
        m2 = _FRAME_AFTER_RE.match(low, end)
        if m2 and _third_party(low, m2.group("who") or m2.group("who2") or "", m2.start()):
            span = (s0 + before.rfind('"'), m2.end())
    if span is None or _ENDORSE_RE.search(low, end, min(len(low), end + 100)):
        return None
    return span


def _caps_words(doc: _Doc) -> list[re.Match[str]]:
    # Two capitals in a row (or a capital and ' or &) come first in any match; looking for them
    # alone is a quick scan, and most messages have none.
    if not _CAPS_HINT_RE.search(doc.key):
        return []
    return [m for m in _CAPS_WORD_RE.finditer(doc.key) if m.group().strip("'") not in lx.ACRONYMS]


def _may_swear(low: str) -> bool:
    """False only when _PROF_RE cannot match ``low``."""
    return (
        "fu" in low
        or _PLAIN_PROF.possible(low)
        or _MASK_HINT_RE.search(low) is not None
        or "!!!!" in low
        or any(c in low for c in "#@$%&")
    )


def _shouting(doc: _Doc, caps: list[re.Match[str]]) -> list[str]:
    """Whole message in capitals, or a run of capitalised words that are not IDs or labels."""
    if len(caps) < 4:
        return []
    n_words = len(_LETTER_WORD_RE.findall(doc.key))
    if len(caps) / max(n_words, 1) >= 0.6:
        return ["(whole message in capitals)"]
    # A run of four or more capitalised words ("I PAID FOR OVERNIGHT SHIPPING").
    best = (0, 0, 0)
    run_start, run_len = 0, 0
    prev_end = -1
    for m in caps:
        gap = doc.key[prev_end : m.start()] if prev_end >= 0 else ""
        if prev_end >= 0 and _CAPS_GAP_RE.fullmatch(gap):
            run_len += 1
        else:
            run_start, run_len = m.start(), 1
        prev_end = m.end()
        if run_len > best[0]:
            best = (run_len, run_start, prev_end)
    if best[0] >= 4:
        return [doc.at.raw_slice(best[1], best[2])]
    return []


def _emphasis_caps(doc: _Doc, caps: list[re.Match[str]]) -> list[str]:
    """Single words in capitals for emphasis ("locked out AGAIN")."""
    return [doc.at.raw_slice(*m.span()) for m in caps if len(m.group()) > 2]


@lru_cache(maxsize=1)
def _vader() -> Any:
    # Imported lazily: only the calm/frustrated boundary needs it.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@lru_cache(maxsize=1)
def _vader_negative_gate() -> tuple[frozenset[str], frozenset[str]]:
    """VADER's negative-valence words and its negation words.

    A compound score below zero needs one of them (a negative word, or a negation turning a
    positive word round), so a text with neither can skip the ~1 ms VADER call.
    """
    from vaderSentiment import vaderSentiment as vs

    negative = frozenset(w for w, v in _vader().lexicon.items() if v < 0)
    return negative, frozenset(vs.NEGATE)


def _vader_may_be_negative(low: str) -> bool:
    negative, negate = _vader_negative_gate()
    toks = set(_VADER_TOKEN_RE.findall(low))
    return "n't" in low or not toks.isdisjoint(negative) or not toks.isdisjoint(negate)


def _abuse_reasons(doc: _Doc) -> list[Reason]:
    low = doc.low
    found: dict[str, list[str]] = {}

    def add(kind: str, m: re.Match[str]) -> None:
        words = found.setdefault(kind, [])
        q = doc.quote(m)
        if q and q not in words:
            words.append(q)

    # Insult words someone else said, passed on: a reason to show (and, in analyze, a bar to
    # the heads calling the message abusive), not abuse.
    spans: list[tuple[int, int]] = []
    for m in _INSULT_WORD_RE.finditer(low):
        frame = reported_frame(low, m.start(), m.end())
        if frame is not None:
            spans.append(frame)
            q = doc.quote_span(*frame)
            words = found.setdefault("reported_insult", [])
            if q and q not in words:
                words.append(q)
    for rx in (_YOU_NOUN_RE, _STRONG_NOUN_RE, _ADJ_PERSON_RE, _YOU_ADJ_RE, _THIRD_STRONG_ADJ_RE):
        for m in rx.finditer(low):
            if any(a <= m.start() < b for a, b in spans):
                continue
            if not _is_reported(low, m.start()):
                add("insult", m)
    for m in _DEMEANING_RE.finditer(low):
        add("demeaning", m)
    # "Honey, I'm writing for my husband" is not belittling; "Listen, sweetheart, refund me" is.
    negative = None
    for m in _ADDRESS_RE.finditer(low) if _ADDRESS_WORD_RE.search(low) else ():
        if negative is None:
            negative = bool(_NEG_CONTEXT_RE.search(low) or _FRUSTRATION_RE.search(low))
        if negative or _ADDRESS_LEAD_RE.match(m.group()):
            add("demeaning", m)
    for m in _CURSE_RE.finditer(low):
        add("cursing_at_person", m)
    for m in _HARM_RE.finditer(low):
        add("threat_of_harm", m)
    # Overlapping matches ("you idiot" and "idiot"): keep the longer quote only.
    for kind, words in found.items():
        found[kind] = [w for w in words if not any(w != o and w in o for o in words)]
    return [Reason(k, v) for k, v in found.items()]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\n])", text) if s.strip()]


def _angry_reasons(doc: _Doc, caps: list[re.Match[str]]) -> list[Reason]:
    low = doc.low
    reasons: list[Reason] = []
    shout = _shouting(doc, caps)
    if shout:
        reasons.append(Reason("shouting", shout))
    leave = [doc.quote(m) for m in _LEAVE_RE.finditer(low)]
    if leave:
        reasons.append(Reason("threat_to_leave", leave))
    regs: list[str] = []
    if _REGULATOR_RE.search(low):
        offset = 0
        for sent in _sentences(low):
            start = low.find(sent, offset)
            offset = start + len(sent)
            if not _REG_ACTION_RE.search(sent):
                continue
            future = _REG_FUTURE_RE.search(sent)
            # "the PUC told me there is no such fee" mentions a regulator without a threat.
            if not future and (_REG_NEUTRAL_RE.search(sent) or sent.rstrip().endswith("?")):
                continue
            for m in _REGULATOR_RE.rx.finditer(sent):
                regs.append(doc.quote_span(start + m.start(), start + m.end()))
    if regs:
        reasons.append(Reason("regulator_threat", regs))
    cues = [m for rx in (_SARCASM_OPEN_RE, _SARCASM_RE) for m in rx.finditer(low)]
    neg = bool(cues) and bool(_NEG_CONTEXT_RE.search(low))
    # Praise words alone may be sincere; with a complaint nearby, or stacked two or more
    # deep ("Love how ... 'express' ... Brilliant service."), they are sarcasm.
    stacked = len({m.group() for m in cues}) >= 2
    sarcasm = [doc.quote(m) for m in cues if neg or stacked or _SARCASM_SAFE_RE.search(m.group())]
    sarcasm += [doc.quote(m) for m in _SARCASM_STRONG_RE.finditer(low)]
    if sarcasm:
        reasons.append(Reason("sarcasm", sarcasm))
    accuse = [doc.quote(m) for m in _ACCUSE_RE.finditer(low)]
    if accuse:
        reasons.append(Reason("accusation", accuse))
    return reasons


def _frustration(doc: _Doc, abuse_words: set[str], caps: list[re.Match[str]]) -> tuple[float, list[Reason]]:
    low = doc.low
    score = 0.0
    cues: list[str] = []
    seen: set[int] = set()
    for m in _FRUSTRATION_SCAN.finditer(low):
        start = m.start()
        group = next(
            (
                i
                for i in _FRUSTRATION_BY_CHAR.get(low[start], _FRUSTRATION_ANY)
                if _FRUSTRATION_EACH[i].match(low, start)
            ),
            -1,
        )
        if group in seen:
            continue
        if group == _STILL_GROUP:
            m2 = _STILL_RE.search(low) or _AGAIN_RE.search(low)
            if m2 is None:
                continue
            m = m2
        seen.add(group)
        if group == _STILL_GROUP:
            # "still broken" / "still being billed" is a grievance; "still waiting for" and a
            # bare "again" ("thanks again!") are weaker.
            weak = not (m.group().startswith("yet") or (m.group() == "still" and _STILL_BAD_RE.match(low, m.end())))
        else:
            weak = group in _WEAK_GROUPS
        score += 1.0 if weak else 2.0
        cues.append(doc.quote(m))
    repeat = _REPEAT_RE.search(low)
    if repeat:
        # "I've asked three times": repeated attempts are impatience, not a neutral count.
        score += 1.0
        cues.append(doc.quote(repeat))
    reasons: list[Reason] = []
    if cues:
        reasons.append(Reason("unhappiness", cues))
    praise: list[tuple[int, int]] | None = None  # only looked for once a swear word is seen
    things = []
    for m in _PROF_RE.finditer(low) if _may_swear(low) else ():
        if praise is None:
            praise = [p.span() for p in _PRAISE_SWEAR_RE.finditer(low)]
        if any(a <= m.start() < b for a, b in praise):
            continue
        q = doc.quote(m)
        if q and not any(q in w for w in abuse_words):
            things.append(q)
    if things:
        score += 2.0
        reasons.append(Reason("profanity_at_thing", things))
    emphasis = _emphasis_caps(doc, caps)
    if emphasis:
        # Capitals on a repetition or status word ("locked out AGAIN", "STILL broken") are
        # impatience; capitals on a date or reference number are not counted at all.
        score += 2.0 if any(w.lower() in _IMPATIENT_CAPS for w in emphasis) else 1.0
        reasons.append(Reason("emphasis", emphasis))
    if _CALM_RE.search(low):
        score -= 2.0
    return score, reasons


def analyze_tone(text: str | AnalysisText) -> ToneResult:
    """Read the tone of one customer message (raw text, or its AnalysisText if already built)."""
    doc = _Doc(text if isinstance(text, AnalysisText) else (text or ""))
    if not doc.key.strip():
        return ToneResult("calm", 0.5, [])
    caps = _caps_words(doc)
    found = _abuse_reasons(doc)
    # An insult someone else said is a reason to show, not abuse (see ``reported_frame``).
    reported = [r for r in found if r.kind == "reported_insult"]
    abuse = [r for r in found if r.kind != "reported_insult"]
    angry = _angry_reasons(doc, caps)
    # Swear words inside an insult, or inside one passed on, are not swearing at a thing.
    abuse_words = {w for r in found for w in r.words}
    fscore, frus = _frustration(doc, abuse_words, caps)
    frus = frus + reported
    # The offensive-language model (~60 us) only runs when there is something to weigh.
    prof = None
    if abuse or any(r.kind == "profanity_at_thing" for r in frus):
        prof = profanity_model().prob(doc.low)

    if abuse:
        strength = sum(len(r.words) for r in abuse)
        conf = min(0.98, 0.7 + 0.08 * strength + 0.1 * (prof or 0.0))
        return ToneResult("abusive", conf, abuse + angry + reported, prof)
    if angry:
        strength = sum(len(r.words) for r in angry)
        conf = min(0.95, 0.6 + 0.1 * strength + 0.03 * fscore)
        return ToneResult("angry", conf, angry + frus, prof)
    compound = 0.0
    if 1.0 <= fscore < 2.0 and _vader_may_be_negative(doc.low):
        # Only the borderline case pays for VADER (about 0.1 ms).
        compound = _vader().polarity_scores(doc.key)["compound"]
        if compound <= -0.4:
            fscore += 1.0
    if fscore >= 2.0:
        conf = min(0.9, 0.5 + 0.07 * fscore)
        return ToneResult("frustrated", conf, frus, prof)
    conf = 0.9 - 0.15 * max(fscore, 0.0) - (0.1 if compound < -0.3 else 0.0)
    return ToneResult("calm", max(0.5, conf), frus, prof)
