"""Intake from free text: request type, facts, stated goal, supervisor requests, channel.

Practice 2 ("prepared customers, facts first") and 3 ("right channel, right time"): intake
pulls the account, order and tracking numbers, amounts and dates out of what the customer
wrote, notices whether they said what outcome they want, and tells them whether the matter
is best handled in writing or by phone, and why.

Everything here is rules over the analysis key (see ``normalize``). Extracted values are
cut from the *original* text through the key's offset map, so they are exact substrings of
what the customer typed even when the text carried homoglyphs or zero-width characters.
"""

# Regex alternations and message strings read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import re

from . import lexicons as lx
from .gates import AlternationScan, gate
from .lexdata import Group, LexiconError, alternation, read
from .normalize import AnalysisText, analysis_text

CATEGORIES = (
    "billing_explanation",
    "price_quote",
    "plan_change",
    "repair_outage",
    "credit_request",
    "order_tracking",
    "cancellation",
    "account_access",
    "complaint_about_service_rep",
    "general_question",
)


def _c(p: str) -> re.Pattern[str]:
    # Lower-case patterns on the lower-cased key: much faster than re.IGNORECASE.
    return re.compile(p)


def _alt(name: str) -> str:
    """The entries of ``[name]`` in data/lexicons/intake.txt as one alternation (a|b|c)."""
    return alternation("intake", name)


Text = str | AnalysisText


def _analysis(text: Text) -> AnalysisText:
    # analyze_message folds the text once and passes the AnalysisText to every function.
    return text if isinstance(text, AnalysisText) else analysis_text(text or "")


def _low(at: AnalysisText) -> str:
    return at.low


# --------------------------------------------------------------------------- category
# Each request type has cue patterns with weights; the highest total wins. Cues describe
# the *request* (refund, cancel, add, how much) more than the subject (bill, modem), because
# the category is the primary request, not the topic. The cues and their weights are the
# ``[category.cue weight N]`` groups of data/lexicons/intake.txt, in file order.


def category_cues(groups: dict[str, Group]) -> dict[str, list[tuple[str, float]]]:
    """The weighted groups of a lexicon as {category: [(cue pattern, weight), ...]}, in file order."""
    cues: dict[str, list[tuple[str, float]]] = {}
    for name, g in groups.items():
        category, dot, _ = name.partition(".")
        if not dot and g.weight is None:
            continue  # a phrase list, not a cue
        if not dot or g.weight is None or category not in CATEGORIES:
            raise LexiconError(
                f"cue group [{name}] should be [category.cue weight N] with category one of {', '.join(CATEGORIES)}"
            )
        if not g.entries:
            raise LexiconError(f"cue group [{name}] has no entries")
        if not all(e.startswith("\\b") for e in g.entries):
            raise LexiconError(f"cue group [{name}]: every entry starts with \\b (cues are found at word starts)")
        cues.setdefault(category, []).append(("|".join(g.entries), g.weight))
    return cues


_CATEGORY_CUES = category_cues(read("intake"))
_CAT_RES = {cat: [(_c(p), w) for p, w in cues] for cat, cues in _CATEGORY_CUES.items()}
# Every cue's top-level alternatives start with \b (and only those carry one); factoring it
# out of one combined regex lets a single scan find candidate positions (about 3x faster than
# 50 separate searches). The scan searches only the cues whose words the text holds and
# reports what the single regex would.
_CUE_LIST = [(cat, rx, w) for cat, cues in _CAT_RES.items() for rx, w in cues]
_CUE_SCAN = AlternationScan(
    ["(?:" + re.sub(r"(^|\|)\\b", r"\1", p) + ")" for cues in _CATEGORY_CUES.values() for p, _ in cues]
)
_ANY_CUE_RE = _CUE_SCAN.regex
_ALL_CUES = frozenset(range(len(_CUE_LIST)))
# Only the cues whose first character fits are tried at a candidate position.
_CUE_FIRST = [lx.first_chars(p) for cues in _CATEGORY_CUES.values() for p, _ in cues]
_CUES_ANY = tuple(i for i, f in enumerate(_CUE_FIRST) if f is None)
_CUES_BY_CHAR = {
    ch: tuple(i for i, f in enumerate(_CUE_FIRST) if f is None or ch in f)
    for ch in set().union(*(f for f in _CUE_FIRST if f is not None))
}
# Threats ("or I cancel", "I'm switching") are not requests: strip them before scoring.
_THREAT_CLAUSE_RE = gate(_c(_alt("THREAT_CLAUSE")))

_last_dropped: tuple[str, str] = ("", "")


def _drop_threats(text: str) -> str:
    """Remove threatened consequences; keep an if-clause, which states what should happen."""
    global _last_dropped
    # Category and goal usually ask about the same string in turn: remember the last answer.
    last = _last_dropped
    if last[0] == text:
        return last[1]
    out = _THREAT_CLAUSE_RE.sub(lambda m: " " + (m.group("cond") or "") + " . ", text)
    _last_dropped = (text, out)
    return out


_QUOTED_LINE_RE = _c(r"^\s*>.*$")


def category_scores(text: Text) -> dict[str, float]:
    """Cue score per request type (for explanations and tests)."""
    low = _low(_analysis(text))
    low = _QUOTED_LINE_RE.sub("", low) if ">" in low else low
    body = _drop_threats(low)
    n = max(len(body), 1)
    scores: dict[str, float] = dict.fromkeys(_CAT_RES, 0.0)
    # Cues outside ``active`` cannot match anywhere in the body: candidate positions are word
    # starts, where a cue matches exactly when its \b-less form (the one gated) does.
    active = _CUE_SCAN.active(body)
    seen: set[int] = set(_ALL_CUES.difference(active))
    for m in _CUE_SCAN.finditer(body, active):
        start = m.start()
        for i in _CUES_BY_CHAR.get(body[start], _CUES_ANY):
            cat, rx, w = _CUE_LIST[i]
            if i not in seen and rx.match(body, start):
                seen.add(i)
                # Earlier requests weigh a little more: customers lead with the main ask.
                scores[cat] += w * (1.0 + 0.25 * (1.0 - start / n))
    return scores


def predict_category(text: Text) -> str:
    return category_from_scores(category_scores(text))


def category_from_scores(scores: dict[str, float]) -> str:
    best = max(CATEGORIES, key=lambda c: (scores[c], -CATEGORIES.index(c)))
    return best if scores[best] >= 1.0 else "general_question"


# ----------------------------------------------------------------------------- facts
# These stay in code: they parse formats (identifiers, amounts, dates, digits), not wording.
_ID = r"[A-Za-z]{0,4}-?\d[\dA-Za-z]*(?:[- ]\d[\dA-Za-z]*)*(?:-[A-Za-z])?"
_DIGIT_WORD = r"(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)"
# "four four seven one two nine", "seven seven three oh one": identifiers read out digit by digit.
_SPOKEN_DIGITS = rf"\d(?:[ -]\d){{4,}}|{_DIGIT_WORD}(?:[ -]{_DIGIT_WORD}){{3,}}\b"
_DIGIT_WORD_RE = re.compile(_DIGIT_WORD, re.IGNORECASE)
_ACCOUNT_RE = re.compile(
    r"\b(?:account|acct|acc|a/c)\b\.?(?:\s*(?:number|num|no\.?|#|id))?(?:\s*(?:is|was|:|#|-|,|number))*\s*(?:number\s*)?#?\s*(?:acct\.?\s*|a/c\s*|#\s*)?"
    rf"(?P<id>{_SPOKEN_DIGITS}|{_ID})",
    re.IGNORECASE,
)
_ORDER_RE = re.compile(
    r"\border\b(?:\s*(?:number|num|no\.?|#|id))?(?:\s*(?:is|was|:|#))*\s*\(?\s*#?\s*"
    rf"(?P<id>{_SPOKEN_DIGITS}|[A-Za-z]{{0,4}}-?\d[\dA-Za-z]*(?:-[\dA-Za-z]+)*)",
    re.IGNORECASE,
)
_TRACKING_ID = r"(?-i:1Z(?: ?(?=[0-9A-Z]{0,3}\d)[0-9A-Z]{2,4}){5,8})\b|TBA\d{9,15}|\d{4}(?: \d{2,4}){4,6}|[A-Z]{2}\d{9}[A-Z]{2}|\d{12,22}"
_TRACKING_RE = re.compile(
    rf"\btracking\b(?:\s*(?:number|num|no\.?|#|id))?[^\n]{{0,30}}?(?P<id>{_TRACKING_ID})", re.IGNORECASE
)
_TRACKING_BARE_RE = re.compile(r"\b(?P<id>1Z(?: ?(?=[0-9A-Z]{0,3}\d)[0-9A-Z]{2,4}){5,8})\b")
_DISTRACTOR_BEFORE_RE = re.compile(
    r"(?:ticket|invoice|inv|receipt|quote|confirmation|reference|ref|case|zip|postcode|ending(?: in)?|ends in|username|user|employee)[\s#:.]*(?:number|no|#)?[\s#:.]*$",
    re.IGNORECASE,
)

_NUM_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    "|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
)
_SPOKEN_NUM = rf"(?:(?:{_NUM_WORDS})(?:[- ](?:{_NUM_WORDS}))?(?: hundred(?: and)?(?: (?:{_NUM_WORDS})(?:[- ](?:{_NUM_WORDS}))?)?)?)"
_CURRENCY_WORD = r"(?:dollars?|bucks|usd|euros?|pounds|cents)"
_AMOUNT_RE = re.compile(
    r"(?P<a>[-+\u2212]?[$\u00a3\u20ac]\s?\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?(?!\d)"
    rf"|\b\d{{1,3}}(?:,\d{{3}})*(?:\.\d{{2}})?\s?{_CURRENCY_WORD}\b"
    rf"|\b{_SPOKEN_NUM}\s{_CURRENCY_WORD}\b)",
    re.IGNORECASE,
)
# Its first branch alone: without a currency word the other two cannot match, and the
# spoken-number branch is most of the cost.
_SIGN_AMOUNT_RE = re.compile(
    r"(?P<a>[-+\u2212]?[$\u00a3\u20ac]\s?\d{1,3}(?:,\d{3})*(?:\.\d{1,2})?(?!\d))", re.IGNORECASE
)
_BARE_DECIMAL_RE = re.compile(r"(?<![\w$.,/-])(?P<a>-?\d{1,5}\.\d{2})(?![\d%]|\s?(?:mbps|gb|gig|tb|mb|%))")
_DIGIT_RE = re.compile(r"\d")
_CURRENCY_GATE_RE = re.compile(r"dollar|buck|usd|euro|pound|cent")
_NOT_MONEY_UNIT = r"(?!\s?(?:%|mbps|gbps|gb|mb|gig|tb|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|times|channels?|am|pm|th|st|nd|rd|people|lines?)\b)"
# A bare number paired with a money amount: "is it 25 or 30 dollar", "$40 to 45".
_RANGE_AMOUNT_RE = re.compile(
    rf"\b(?P<a>\d{{1,4}}(?:\.\d{{2}})?)(?=\s?(?:or|to|-|and)\s?\$?\d{{1,4}}(?:\.\d{{2}})?\s?{_CURRENCY_WORD}\b)"
)
_RANGE_AFTER_RE = re.compile(
    rf"[$\u00a3\u20ac]\d{{1,4}}(?:\.\d{{2}})?\s?(?:or|to|-)\s?(?P<a>\d{{1,4}}(?:\.\d{{2}})?)\b(?![.,]\d){_NOT_MONEY_UNIT}"
)
# "billed seventy dollars instead of fifty": the compared figure is money too.
_INSTEAD_AMOUNT_RE = gate(
    re.compile(
        rf"\b(?:instead of|rather than|up from|down from) (?P<a>\d{{1,4}}(?:\.\d{{2}})?|{_SPOKEN_NUM})\b(?![.,]\d){_NOT_MONEY_UNIT}"
    )
)
# "my bill is $212, it's normally 80": a bare number compared with the usual charge.
_COMPARED_AMOUNT_RE = gate(
    re.compile(
        r"\b(?:bill|charge|payment|price|total|it)(?:'s| is| was| used to be| should be)? (?:normally|usually|typically|always|only|just|supposed to be)"
        rf" (?:about |around |like )?(?P<a>\d{{2,4}}(?:\.\d{{2}})?)(?!\d|[.,/:-]\d){_NOT_MONEY_UNIT}"
    )
)
_MONEY_CONTEXT_RE = re.compile(
    r"\b(?:paid|pay|charged?|charges|bill(?:ed)?|balance|fee|refund|credit|price|cost|owe|amount|total|due|dollars?|\$)",
    re.IGNORECASE,
)
_SPOKEN_AMOUNT_RE = lx.fast_compile(
    rf"\b(?P<a>{_SPOKEN_NUM})\b(?=\s+to\s+(?:like\s+)?{_SPOKEN_NUM}\s+{_CURRENCY_WORD})", re.IGNORECASE
)

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DATE_RE = re.compile(
    rf"\b(?P<d>{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?(?!\s?(?:mbps|gb|%|am|pm|:\d))"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:,?\s+\d{{4}})?"
    r"|(?<![\d/])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])(?:/(?:\d{4}|\d{2}))?(?![\d/])"
    r"|(?<![\d/])(?:1[3-9]|2\d|3[01])/(?:0?[1-9]|1[0-2])(?:/(?:\d{4}|\d{2}))?(?![\d/])"
    r"|\d{4}-\d{2}-\d{2}"
    rf"|the\s+\d{{1,2}}(?:st|nd|rd|th)\b(?!\s+of\s+{_MONTHS})"
    r"(?!\s+(?:time|floor|attempt|call|person|agent|caller|outage|month|week|day|of\s+(?:those|them|these)))"
    r")",
)
_ORDINAL_WORDS = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|thirteenth"
    r"|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|nineteenth|twentieth|thirtieth"
    r"|twenty[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)|thirty[- ]first)"
)
# "I paid on the second, so..." / "due by the twentieth": a spoken day of the month only after a
# time preposition and before a clause boundary, so "the second time" and "the third agent" stay out.
_WORD_DATE_RE = gate(
    re.compile(
        rf"\b(?:on|by|before|after|until|till|since|from|due|of|for) (?P<d>the {_ORDINAL_WORDS})"
        rf"(?=\s*(?:[,.;!?)]|$|of {_MONTHS}\b|(?:and|or|but|so|at|when|then|which|because)\b))"
    )
)
# Every _DATE_RE branch needs a digit and one of: a month name at a word start, "/", "-", or
# "the" + space + digit ("the 3rd").
_MONTH_WORD = gate(re.compile(rf"\b{_MONTHS}"))
_THE_DAY_RE = re.compile(r"the\s+\d")


def _may_hold_date(low: str) -> bool:
    return "/" in low or "-" in low or _MONTH_WORD.possible(low) or _THE_DAY_RE.search(low) is not None


# "may" the verb: only a date when followed by a plausible day number.
_MAY_VERB_RE = re.compile(r"^may\s+\d{1,2}\s+(?:days?|times?|hours?|minutes?|weeks?|months?)", re.IGNORECASE)


def _cut(at: AnalysisText, start: int, end: int) -> str:
    return at.raw_slice(start, end)


def _add(out: dict[str, list[str]], key: str, value: str) -> None:
    value = value.strip().rstrip(".,;:")
    if value and value not in out.setdefault(key, []):
        out[key].append(value)


def _id_ok(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value) or len(_DIGIT_WORD_RE.findall(value))
    return digits >= 4 or (digits >= 3 and "-" in value)


def extract_facts(text: Text) -> dict[str, str | list[str]]:
    """Account/order/tracking numbers, amounts and dates, as exact substrings of ``text``."""
    at = _analysis(text)
    key = at.key
    out: dict[str, list[str]] = {}
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    def grab(name: str, m: re.Match[str], group: str) -> None:
        s, e = m.span(group)
        raw = at.raw_slice(s, e).rstrip(" -")
        if not _id_ok(raw) or not free(s, e):
            return
        if _DISTRACTOR_BEFORE_RE.search(key[max(0, m.start() - 25) : m.start()]):
            return
        taken.append((s, e))
        _add(out, name, raw.rstrip(".,;:)"))

    low = at.low
    # Cheap substring gates: each identifier pattern needs its label word (or a 1Z prefix).
    for m in _TRACKING_RE.finditer(key) if "tracking" in low else ():
        grab("tracking_number", m, "id")
    for m in _TRACKING_BARE_RE.finditer(key) if "1z" in low else ():
        grab("tracking_number", m, "id")
    for m in _ACCOUNT_RE.finditer(key) if ("acc" in low or "a/c" in low) else ():
        grab("account_number", m, "id")
    for m in _ORDER_RE.finditer(key) if "order" in low else ():
        grab("order_number", m, "id")

    amounts: list[tuple[int, str]] = []
    low = _low(at)
    money_words = _CURRENCY_GATE_RE.search(low) is not None
    has_digit = _DIGIT_RE.search(low) is not None
    if money_words:
        amount_matches = _AMOUNT_RE.finditer(key)
    elif "$" in key or "\u00a3" in key or "\u20ac" in key:
        amount_matches = _SIGN_AMOUNT_RE.finditer(key)
    else:
        amount_matches = iter(())
    for m in amount_matches:
        s, e = m.span("a")
        if free(s, e):
            taken.append((s, e))
            amounts.append((s, at.raw_slice(s, e)))
    for m in _SPOKEN_AMOUNT_RE.finditer(key) if money_words else ():
        s, e = m.span("a")
        if free(s, e):
            taken.append((s, e))
            amounts.append((s, at.raw_slice(s, e)))
    if money_words or "$" in key:
        for rx in (_RANGE_AMOUNT_RE, _RANGE_AFTER_RE, _COMPARED_AMOUNT_RE, _INSTEAD_AMOUNT_RE):
            for m in rx.finditer(low):
                s, e = m.span("a")
                if free(s, e) and not _DISTRACTOR_BEFORE_RE.search(key[max(0, s - 25) : s]):
                    taken.append((s, e))
                    amounts.append((s, at.raw_slice(s, e)))
    for m in _BARE_DECIMAL_RE.finditer(key) if has_digit and "." in key else ():
        s, e = m.span("a")
        window = key[max(0, s - 40) : e + 15]
        if free(s, e) and _MONEY_CONTEXT_RE.search(window):
            taken.append((s, e))
            amounts.append((s, at.raw_slice(s, e)))
    for _, value in sorted(amounts):
        _add(out, "amount", value)

    for m in _DATE_RE.finditer(low) if has_digit and _may_hold_date(low) else ():
        s, e = m.span("d")
        if not free(s, e) or _MAY_VERB_RE.match(key[s:e]) or key[s:e].lower() == "24/7":
            continue
        if key[s:e].lower().startswith("may ") and not re.match(r"may\s+\d{1,2}(?:st|nd|rd|th)?\b", key[s:e], re.I):
            continue
        taken.append((s, e))
        _add(out, "date", at.raw_slice(s, e))
    for m in _WORD_DATE_RE.finditer(low):
        s, e = m.span("d")
        if free(s, e):
            taken.append((s, e))
            _add(out, "date", at.raw_slice(s, e))

    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


# --------------------------------------------------------------------- goal and escalation
# Imperatives count only at the start of a clause ("... Please just unlock it", "(1) refund").
_IMPERATIVE_RE = gate(lx.fast_compile(r"\b(?:" + _alt("IMPERATIVE") + r")\b"))
# Where a clause starts (punctuation, "and", "so"): sentence structure, not a word list.
_CLAUSE_START_RE = _c(r"(?:^|[.!?\n,)]\s*|\b(?:and|so|now)\s+)(?:please\s+)?(?:just\s+)?$")
_REQUEST_RE = lx.fast_compile(r"\b(?:" + _alt("REQUEST") + ")")
_RHETORICAL_RE = gate(_c(r"\b(?:" + _alt("RHETORICAL") + r")\b[^.?!]*\?"))
# The outcome stated as a condition of a threat: "If service isn't restored by Friday...",
# "If you don't lock this down today...", "Either it's here by the weekend or...".
_CONDITION_GOAL_RE = gate(_c(_alt("CONDITION_GOAL")))
_HARM_RE = gate(_c(lx.WORD_START + lx.alt(lx.THREAT_OF_HARM)))
# Supervisor words, the verbs that ask for one, what follows them, the ways of declining one
# and the reasons: data/lexicons/intake.txt. Here only how they combine.
_SUPERVISOR_WORD = "(?:" + _alt("SUPERVISOR_WORDS") + ")"
_SUPERVISOR_ASK = "(?:" + _alt("SUPERVISOR_ASK_VERBS") + ")"
_SUPERVISOR_ANY_RE = gate(_c(r"\b" + _SUPERVISOR_WORD + r"\b"))
_SUPERVISOR_RE = _c(
    r"\b"
    + _SUPERVISOR_ASK
    + r"\b[^.?!]{0,40}\b"
    + _SUPERVISOR_WORD
    + r"|\b"
    + _SUPERVISOR_WORD
    + r"\b[^.?!]{0,40}\b(?:"
    + _alt("SUPERVISOR_CALLS_ME")
    + r")(?:s|ing)? me\b"
    + r"|\b(?:a|your|the) "
    + _SUPERVISOR_WORD
    + r"\b[^.?!]{0,10}(?:"
    + _alt("SUPERVISOR_NOW")
    + ")"
    + r"|(?:^|[.!?]\s*)"
    + _SUPERVISOR_WORD
    + r"\s*[,.!]?\s*(?:"
    + _alt("SUPERVISOR_NOW_ALONE")
    + r")\b"
)
_SUPERVISOR_DECLINE_RE = _c(
    r"\b(?:"
    + _alt("SUPERVISOR_DECLINE")
    + ") (?:"
    + _alt("SUPERVISOR_DECLINE_VERBS")
    + r")?\s*(?:a |your |the |to (?:speak|talk) to (?:a |your |the )?)?"
    + _SUPERVISOR_WORD
)
_SUPERVISOR_REASON_RE = _c(_alt("SUPERVISOR_REASONS"))


def supervisor_request(text: Text) -> tuple[bool, bool | None]:
    """(wants a supervisor, gave a reason about how the case was handled)."""
    low = _low(_analysis(text))
    m = _SUPERVISOR_RE.search(low) if _SUPERVISOR_ANY_RE.search(low) else None
    if not m or _SUPERVISOR_DECLINE_RE.search(low):
        return False, None
    return True, bool(_SUPERVISOR_REASON_RE.search(low))


def goal_stated(text: Text, harm: bool | None = None) -> bool:
    """Did the customer say what outcome or action they want?

    ``harm`` is the tone reader's verdict on a threat of harm, when the caller already has it.
    """
    low = _low(_analysis(text))
    # Escalation alone is not a goal: drop supervisor requests before looking for one, but keep
    # an outcome stated as their condition ("if it's not applied this time I want a supervisor").
    if _SUPERVISOR_ANY_RE.search(low):
        kept = []
        for c in re.split(r"[.!?\n]+", low):
            if not _SUPERVISOR_ANY_RE.rx.search(c):
                kept.append(c)
                continue
            m = _SUPERVISOR_RE.search(c)
            if m and _CONDITION_GOAL_RE.rx.search(c, 0, m.start()):
                kept.append(c[: m.start()])
        body = ". ".join(kept)
    else:
        body = low
    # A threat of harm is not a request, whatever verb it uses ("Tell him to watch himself"):
    # drop the clause that carries it, keep the demand beside it ("send a tech, or so help me").
    if (harm is None or harm) and _HARM_RE.search(body):
        body = ". ".join(c for c in re.split(r"[.!?\n,;]+|\bor\b|\bbut\b", body) if not _HARM_RE.rx.search(c))
    # "If service isn't back by Friday, I'm filing..." states the outcome as a condition.
    if _CONDITION_GOAL_RE.search(body):
        return True
    body = _RHETORICAL_RE.sub(". ", body)
    body = _drop_threats(body)
    if _REQUEST_RE.search(body):
        return True
    return any(_CLAUSE_START_RE.search(body[max(0, m.start() - 14) : m.start()]) for m in _IMPERATIVE_RE.finditer(body))


# ------------------------------------------------------------------------------ channel
WRITE_CATEGORIES = {
    "billing_explanation": "An itemised written answer lets you check every line of the bill at your own pace.",
    "price_quote": "A written quote gives you exact prices you can compare and keep.",
    "plan_change": "A written confirmation records exactly what was added or removed and from when.",
    "order_tracking": "We can send the tracking details and delivery updates in writing.",
    "general_question": "A short written answer is quickest and easy to keep for reference.",
}
CALL_CATEGORIES = {
    "repair_outage": "Repairs go fastest by phone: we can run line tests and troubleshoot with you live.",
    "credit_request": "Credit requests are settled best in a call, where we can review the record with you; we confirm the outcome in writing.",
}
# What points to one channel or the other: data/lexicons/intake.txt.
_REFUSES_PHONE_RE = gate(_c(_alt("REFUSES_PHONE")))
_LIVE_RE = _c(_alt("LIVE"))
_WRITTEN_RECORD_RE = _c(_alt("WRITTEN_RECORD"))
_BEREAVE_RE = _c(_alt("BEREAVE"))
_FEE_DISPUTE_RE = gate(_c(_alt("FEE_DISPUTE")))
_HOWTO_RE = gate(_c(_alt("HOWTO")))
_VERIFY_RE = gate(_c(_alt("VERIFY")))


def channel_advice(
    category: str, text: Text = "", tone: str | None = None, wants_supervisor: bool = False
) -> tuple[str, str]:
    """Best channel ("write" or "call") and the reason shown to the customer.

    The rule is fixed for seven request types; for cancellations, account access and
    complaints about a rep it is a judgement, made from the text when we have it.
    """
    if category in WRITE_CATEGORIES:
        return "write", WRITE_CATEGORIES[category]
    if category in CALL_CATEGORIES:
        return "call", CALL_CATEGORIES[category]
    low = _low(_analysis(text))
    if category == "cancellation":
        if _BEREAVE_RE.search(low):
            return (
                "call",
                "We are sorry for your loss. A personal call lets us verify the executor's authority gently; we follow up with the document list in writing.",
            )
        if _LIVE_RE.search(low) and not _REFUSES_PHONE_RE.search(low):
            return (
                "call",
                "You asked to finish this live, so we will complete the cancellation on the call and confirm it in writing.",
            )
        if _FEE_DISPUTE_RE.search(low):
            return (
                "call",
                "A fee is in question, which is best settled in a conversation; we confirm the result in writing.",
            )
        return "write", "A written confirmation of the cancellation date and final bill is the record you need."
    if category == "account_access":
        if _REFUSES_PHONE_RE.search(low):
            return "write", "You prefer written contact; we will send the steps to the verified address on file."
        if _HOWTO_RE.search(low) and not _VERIFY_RE.search(low):
            return "write", "This is a how-to: written steps are quickest to follow."
        return "call", "For your security we need to verify your identity before changing access to the account."
    if category == "complaint_about_service_rep":
        if wants_supervisor or _LIVE_RE.search(low):
            return "call", "A supervisor will call you back to put this right personally."
        if _REFUSES_PHONE_RE.search(low) or _WRITTEN_RECORD_RE.search(low):
            return "write", "A written reply records your complaint and what we do about it."
        return "call", "A supervisor will call you back to put this right personally."
    return "write", WRITE_CATEGORIES["general_question"]
