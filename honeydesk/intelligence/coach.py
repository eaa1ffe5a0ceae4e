"""Reply coach: active-listening checks on a rep's draft (practice 5).

Ten checks, each with the phrase that triggered it and a suggestion the rep can act on,
plus an overall grade (poor / fair / good / excellent) following the eval README's quality
definitions. It runs offline, in well under a millisecond, so it can check as the rep types.

Design notes:
- Acknowledging the problem means referring to the customer's *specific* issue, so it is
  measured by overlap of content words (crudely stemmed) between draft and message, not by
  stock phrases like "your concern".
- Ownership is first-person commitment; hand-offs ("I'll pass this on", "someone will reach
  out") are explicitly excluded because they are how promises get broken.
- A time only counts when attached to a concrete step, as the README defines.
"""

# Message strings and the name regexes read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .lexdata import alternation, group
from .normalize import analysis_text

FLAGS = (
    "acknowledges_problem",
    "empathy_or_apology",
    "validates_feelings",
    "takes_ownership",
    "concrete_next_step",
    "next_step_has_time",
    "uses_customer_name",
    "blames_customer",
    "defensive_or_policy_hiding",
    "jargon",
)
NEGATIVE_FLAGS = frozenset({"blames_customer", "defensive_or_policy_hiding", "jargon"})

SUGGESTIONS = {
    "acknowledges_problem": "Restate the customer's specific problem in your own words (what broke, which charge, which order).",
    "empathy_or_apology": "Add a sincere apology or empathic line, e.g. \"I'm sorry the technician didn't arrive.\"",
    "validates_feelings": 'Name or legitimise the feeling: "I understand how frustrating it is to...".',
    "takes_ownership": 'Commit in the first person: "I\'ll..." / "I\'ve...", and own any mistake on our side.',
    "concrete_next_step": "Give a specific action that moves the case forward (what you did or will do, or one clear instruction).",
    "next_step_has_time": 'Attach a specific time to the next step: "by 3pm today", "within 24 hours", "on Thursday 1-5pm".',
    "uses_customer_name": "Address the customer by name.",
    "blames_customer": "Remove wording that blames the customer; focus on what you will do to fix it.",
    "defensive_or_policy_hiding": "Don't hide behind policy or excuses; explain what you *can* do and offer a route forward.",
    "jargon": "Replace internal or technical terms with plain words, or explain them.",
}
# Checks beyond the ten labelled flags (issue 12). They are rules only (no labels to learn from).
EXTRA_SUGGESTIONS = {
    "greeting": 'Open with a greeting: "Hi Sam," or "Hello,".',
    "offers_alternatives": "You are saying no: offer an alternative or a route forward (what you *can* do instead).",
}


@dataclass(frozen=True, slots=True)
class Flag:
    found: str | None
    suggestion: str

    @property
    def value(self) -> bool:
        return self.found is not None


@dataclass(frozen=True, slots=True)
class CoachResult:
    flags: dict[str, Flag]
    grade: str
    tips: list[str] = field(default_factory=list)
    # "greeting" and "offers_alternatives": (value, found phrase, applies). The alternatives
    # check only applies when the draft refuses something; otherwise its value is True.
    extras: dict[str, tuple[bool, str | None, bool]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        flags: dict[str, dict[str, Any]] = {
            k: {"value": f.value, "found": f.found, "suggestion": f.suggestion} for k, f in self.flags.items()
        }
        for k, (value, found, applies) in self.extras.items():
            flags[k] = {"value": value, "found": found, "suggestion": EXTRA_SUGGESTIONS[k], "applies": applies}
        return {"grade": self.grade, "flags": flags, "tips": list(self.tips)}


def _c(p: str) -> re.Pattern[str]:
    return re.compile(p, re.IGNORECASE)


# The word lists and phrase patterns are data: data/lexicons/coach.txt, one commented group
# per list (see lexdata), so a new phrase is a new line there, not a change here.
def _alt(name: str) -> str:
    """Group ``name`` of coach.txt as one regex alternation (its entries joined with "|")."""
    return alternation("coach", name)


def _lex(name: str) -> re.Pattern[str]:
    """Group ``name`` of coach.txt compiled to match ignoring case."""
    return _c(_alt(name))


def _words(name: str) -> frozenset[str]:
    """Group ``name`` of coach.txt as a set of plain words."""
    return frozenset(group("coach", name))


_STOP = _words("STOP_WORDS")
# What counts as a word when draft and message are compared: a tokenizer, not wording.
_TOKEN_RE = re.compile(r"[a-z][a-z0-9'-]+")


def _stem(w: str) -> str:
    w = w.strip("'-")
    # English suffixes, tried in this order: part of the stemming rule, not a word list.
    for suf in ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "ly"):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            w = w[: -len(suf)] + ("y" if suf in ("ies", "ied") else "")
            break
    # A five-letter prefix is a crude but effective stem: suspended/suspension, cancel/
    # cancellations, charged/charges all meet.
    return w[:5]


def _content(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for w in _TOKEN_RE.findall(text.lower().replace("-", "")):
        if w not in _STOP and len(w) > 2:
            out.setdefault(_stem(w), w)
    return out


# Synonym groups so "technician didn't show" and "engineer never arrived" still connect
# (one group per SYNONYMS line; a word in two groups belongs to the later one).
_SYNONYMS = [set(line.split()) for line in group("coach", "SYNONYMS")]
_SYN_INDEX = {_stem(w): i for i, words in enumerate(_SYNONYMS) for w in words}
_DOWN_RE = _lex("DOWN")
_PROBLEM_RE = _c(r"\b(?:your|the) (?:\w+ )?(?:" + _alt("PROBLEM_NOUNS") + r")\b")


def _acknowledges(draft: str, customer: str) -> str | None:
    if not customer.strip():
        m = _PROBLEM_RE.search(draft)
        return m.group() if m else None
    d, c = _content(draft), _content(customer)
    shared = [d[s] for s in d if s in c]
    groups = {_SYN_INDEX[s] for s in c if s in _SYN_INDEX}
    if _DOWN_RE.search(customer):
        # "down" is a stop word in general, but "the internet is down" names the problem.
        groups.add(_SYN_INDEX["down"])
    synonyms = [d[s] for s in d if s not in c and _SYN_INDEX.get(s) in groups]
    hits = shared + synonyms
    if not hits:
        return None
    # One shared specific word is enough ("Where's my refund?" / "Refunds are processed...");
    # generic service words are in _STOP so they cannot carry the match alone.
    return ", ".join(hits[:4])


_EMPATHY_RE = _lex("EMPATHY")
_VALIDATE_RE = _lex("VALIDATE")
_HANDOFF_RE = _lex("HANDOFF")
_OWN_RE = _lex("OWN")
_OWN_NOT_RE = _lex("OWN_NOT")
_STEP_US_RE = _lex("STEP_US")
_STEP_YOU_RE = _lex("STEP_YOU")
_DEFLECT_STEP_RE = _lex("DEFLECT_STEP")
_TIME_RE = _lex("TIME")
_NOT_TIME_RE = _lex("NOT_TIME")
# The customer's name is found by its form (a greeting or a comma before a capitalised word,
# a title, a template placeholder), not by a list of wording, so these regexes stay here;
# the words that look like a name but are not one are data (NOT_NAMES).
_GREETING_NAME_RE = re.compile(
    r"^\s*(?:(?i:hi|hello|hey|dear|good (?:morning|afternoon|evening)|thanks|thank you)\s*,?\s+)?"
    r"(?P<name>(?:(?i:mr|ms|mrs|miss|mx|dr)\.?\s+)?[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?)\s*[,.!:]",
)
_LEAD_NAME_RE = re.compile(r"^\s*(?P<name>[A-Z][a-z'\-]+)\s*,")
_VOCATIVE_RE = re.compile(r",\s+(?P<name>(?:(?:Mr|Ms|Mrs|Miss|Dr)\.?\s+)?[A-Z][a-z'\-]+)\s*[.!?]")
_NOT_NAMES = _words("NOT_NAMES")
_PLACEHOLDER_RE = re.compile(
    r"[\[{<]{1,2}\s*(?:customer|first|last|full)?[_ ]?name\s*[\]}>]{1,2}|\bCUSTOMER_NAME\b", re.IGNORECASE
)
_BLAME_RE = _lex("BLAME")
_BLAME_EXCUSED_RE = _lex("BLAME_EXCUSED")
_DEFENSIVE_RE = _lex("DEFENSIVE")
# Jargon is matched with case (CPE is jargon, "cpe" is not), as whole words.
_JARGON_RE = re.compile(r"\b(?:" + _alt("JARGON") + r")\b")
_REFUSAL_RE = _lex("DEFENSIVE_REFUSAL")
# Any exclamation mark also reads as upset.
_UPSET_RE = _c(r"\b(?:" + _alt("UPSET_WORDS") + r")\b|!")


def _find(rx: re.Pattern[str], text: str) -> str | None:
    m = rx.search(text)
    return m.group().strip() if m else None


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _ownership(draft: str) -> str | None:
    for sent in _sentences(draft):
        if _HANDOFF_RE.search(sent):
            continue
        m = _OWN_RE.search(sent)
        if m and not _OWN_NOT_RE.search(m.group()):
            return m.group().strip()
    return None


def _next_step(draft: str) -> tuple[str | None, str | None]:
    """(the concrete step, the time attached to a step)."""
    step = time = None
    for sent in _sentences(draft):
        if _HANDOFF_RE.search(sent):
            continue
        m = _STEP_US_RE.search(sent) or _STEP_YOU_RE.search(sent)
        if not m or (_DEFLECT_STEP_RE.search(sent) and not _STEP_US_RE.search(sent)):
            continue
        step = step or m.group().strip()
        if time is None and not _NOT_TIME_RE.search(sent):
            t = _TIME_RE.search(sent)
            if t:
                time = t.group().strip()
    return step, time


def _name(draft: str, customer_name: str | None, customer_message: str = "") -> str | None:
    if _PLACEHOLDER_RE.search(draft) and not customer_name:
        return None
    if customer_name:
        for part in re.split(r"\s+", customer_name.strip()):
            part = part.strip(".,")
            if len(part) > 1 and part.lower() not in {"mr", "ms", "mrs", "dr", "miss"}:
                m = re.search(rf"\b{re.escape(part)}\b", draft)
                if m:
                    return m.group()
        return None
    # "Grace, I'm really sorry..." - a bare first word is a name when the customer signed with it.
    m = _LEAD_NAME_RE.match(draft)
    if (
        m
        and customer_message
        and m.group("name").lower() not in _NOT_NAMES
        and re.search(rf"\b{re.escape(m.group('name'))}\b", customer_message)
    ):
        return m.group("name")
    for rx in (_GREETING_NAME_RE, _VOCATIVE_RE):
        for m in rx.finditer(draft):
            name = m.group("name")
            first = re.sub(r"^(?:mr|ms|mrs|miss|mx|dr)\.?\s+", "", name, flags=re.I).split()[0]
            if first.lower() in _NOT_NAMES:
                continue
            # A bare capitalised first word ("Sorry," "Done.") is a name only with a title.
            if (
                rx is _GREETING_NAME_RE
                and not re.match(r"\s*(?:hi|hello|hey|dear|good|thanks|thank|mr|ms|mrs|miss|mx|dr)\b", draft, re.I)
                and not re.match(r"(?:mr|ms|mrs|miss|mx|dr)\b", name, re.I)
            ):
                continue
            return name
    return None


def coach_reply(draft: str, customer_message: str = "", customer_name: str | None = None) -> CoachResult:
    """Check a reply draft; ``customer_message`` is what the customer wrote."""
    draft_key = analysis_text(draft or "").key
    cust_key = analysis_text(customer_message or "").key
    found: dict[str, str | None] = {}
    found["acknowledges_problem"] = _acknowledges(draft_key, cust_key)
    found["empathy_or_apology"] = _find(_EMPATHY_RE, draft_key)
    found["validates_feelings"] = _find(_VALIDATE_RE, draft_key)
    found["takes_ownership"] = _ownership(draft_key)
    step, time = _next_step(draft_key)
    found["concrete_next_step"] = step
    found["next_step_has_time"] = time if step else None
    found["uses_customer_name"] = _name(draft or "", customer_name, customer_message or "")
    blame = _find(_BLAME_RE, draft_key)
    if blame and _BLAME_EXCUSED_RE.search(draft_key):
        blame = None
    found["blames_customer"] = blame
    found["defensive_or_policy_hiding"] = _find(_DEFENSIVE_RE, draft_key)
    jargon = list(dict.fromkeys(m.group() for m in _JARGON_RE.finditer(draft_key)))
    found["jargon"] = ", ".join(jargon) if jargon else None

    flags = {k: Flag(found[k], SUGGESTIONS[k]) for k in FLAGS}
    grade = _grade(found, len(jargon), cust_key, customer_name)
    tips = [SUGGESTIONS[k] for k in FLAGS if (k in NEGATIVE_FLAGS) == (found[k] is not None)]
    extras = {"greeting": greeting(draft_key), "offers_alternatives": offers_alternatives(draft_key)}
    tips += [EXTRA_SUGGESTIONS[k] for k, (value, _, applies) in extras.items() if applies and not value]
    return CoachResult(flags, grade, tips, extras)


_GREETING_RE = _c(r"^\W*(?:" + _alt("GREETING") + ")")
_REFUSED_RE = _lex("REFUSAL")
_ALTERNATIVE_RE = _lex("ALTERNATIVES")


def greeting(draft_key: str) -> tuple[bool, str | None, bool]:
    """Does the draft open by greeting the customer ("Hi Sam,", "Hello", "Dear Ms Lee")?"""
    first = next((s for s in _sentences(draft_key)), "")
    m = _GREETING_RE.search(first.lower())
    return (m is not None, first[: m.end()].strip() if m else None, True)


def offers_alternatives(draft_key: str) -> tuple[bool, str | None, bool]:
    """When the draft says no, does it offer an alternative or a route forward?

    Returns (value, phrase found, applies). With no refusal the check does not apply and
    its value is True (nothing is missing).
    """
    low = draft_key.lower()
    refusal = _REFUSED_RE.search(low)
    if not refusal:
        return (True, None, False)
    alt = _ALTERNATIVE_RE.search(low)
    return (alt is not None, alt.group().strip() if alt else None, True)


def _grade(f: dict[str, str | None], n_jargon: int, customer: str, customer_name: str | None) -> str:
    has = {k: v is not None for k, v in f.items()}
    core = has["acknowledges_problem"] and has["takes_ownership"] and has["concrete_next_step"]
    if has["blames_customer"]:
        return "poor"
    if (
        has["defensive_or_policy_hiding"]
        and _REFUSAL_RE.search(f["defensive_or_policy_hiding"] or "")
        and not has["concrete_next_step"]
    ):
        # "Warm words don't rescue a refusal with no route forward."
        return "poor"
    if has["defensive_or_policy_hiding"]:
        return "fair" if has["empathy_or_apology"] and not (has["concrete_next_step"] and not core) else "poor"
    if not has["acknowledges_problem"] and not has["empathy_or_apology"]:
        return "poor"
    if has["jargon"] and not has["concrete_next_step"]:
        return "poor"
    if not core:
        return "fair"
    if n_jargon >= 3:
        return "fair"
    upset = bool(_UPSET_RE.search(customer)) if customer else False
    if (
        has["next_step_has_time"]
        and not has["jargon"]
        and has["uses_customer_name"]
        and (not upset or (has["validates_feelings"] and has["empathy_or_apology"]))
    ):
        return "excellent"
    return "good"
