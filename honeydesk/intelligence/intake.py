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
from .lexdata import group
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


Text = str | AnalysisText


def _analysis(text: Text) -> AnalysisText:
    # analyze_message folds the text once and passes the AnalysisText to every function.
    return text if isinstance(text, AnalysisText) else analysis_text(text or "")


def _low(at: AnalysisText) -> str:
    return at.low


# --------------------------------------------------------------------------- category
# Each request type has cue patterns with weights; the highest total wins. Cues describe
# the *request* (refund, cancel, add, how much) more than the subject (bill, modem), because
# the category is the primary request, not the topic.
_CATEGORY_CUES: dict[str, list[tuple[str, float]]] = {
    "credit_request": [
        (r"\brefund", 3.0),
        (r"\bmoney back|\bput (?:the money|it|that|one of those|them) back\b|\bpay(?:ing)? me back", 3.0),
        (r"\breimburs|\bcompensat", 3.0),
        (
            r"\b(?:a|my|the|full|partial|goodwill|service|bill|real|proper|fair)(?: [\w$.,\-]+){0,3} credit\b(?! card)|\bcredit (?:me|my|for|the|those|these|it|that|them|us|our|back)\b|\b(?:could|can|would|will|please)(?: you)? credit\b",
            2.5,
        ),
        (r"\btaken off my bill|\btake (?:it|that|those \w+|the \w+) off my bill|\bwaive", 2.0),
        (r"\bget something back|\b(?:fee|charge|cost) back\b", 2.0),
        (r"\bnot paying for|\bshouldn't (?:have to )?pay for|\bdon't want to pay for", 1.5),
        (r"\bcharged (?:\S+ )?twice|\bdouble[- ]charged|\bcharged me for", 1.0),
    ],
    "cancellation": [
        (r"\bcancel(?!lation fee|ation fee)", 2.5),
        (r"\bclose (?:my|the|her|his|our) (?:account|service)", 3.0),
        (r"\bterminate|\bfinish my contract|\bend my (?:contract|service)|\bdisconnect my service", 2.5),
        (r"\baccount is closed|\bcancellation request", 1.5),
        (r"\bretention|\bloyalty", 1.0),
    ],
    "plan_change": [
        (r"\b(?:add|remove|drop|upgrade|downgrade|switch)\b(?! off)", 1.0),
        (
            r"\btake (?!(?:the |a )?(?:day|time|morning|afternoon|week)\b)(?:it|that|the [\w\-]+(?: [\w\-]+)?|my [\w\-]+(?: [\w\-]+)?) off\b(?! (?:my|the|your) (?:bill|account|statement))|\bstop the \w+ service|\bkeep the internet|\b(?:switch|go|move|change) (?:me )?to paperless|\bpaperless billing",
            2.0,
        ),
        (
            r"\b(?:add|remove|drop)\b[^.?!]{0,40}\b(?:package|plan|tier|line|service|channels|bundle|add-on|option|protection|feature|ip|rental|calling|landline|phone)",
            2.0,
        ),
        (r"\b(?:upgrade|downgrade)\b[^.?!]{0,25}\b(?:plan|internet|speed|to \d+|from \d+)", 1.5),
        (r"\bmy old plan\b|\bback on my old plan|\bold plan back", 2.5),
    ],
    "price_quote": [
        (
            r"\bhow much\b(?! (?:was|did|were|have|has|had))|\bpricing\b|\bquote\b|\bwhat (?:would|will|does) it cost|\bprice (?:check|for|of)\b",
            2.0,
        ),
        (r"\bprice\b|\bcost\b|\bcosts\b", 1.0),
        (r"\bwhat (?:would|will) (?:i|my|it|we)\b[^.?!]{0,20}\b(?:pay|cost|be)\b|\bmonthly (?:price|total)", 2.0),
        (r"\bcheapest|\bdiscount|\bpromotions?\b|\bshopping around|\bbetter price", 1.5),
    ],
    "billing_explanation": [
        (r"\b(?:bill|charge|fee|statement|invoice|surcharge|line item|balance)\b", 1.0),
        (r"\b(?:billed|charged)\b[^.?!]{0,60}\bwhy\b", 1.5),
        (r"\b\d[\d.,]* (?:['\"]?[\w\- ]{0,30}['\"]? )?(?:fee|charge|surcharge)\b", 1.5),
        (
            r"\bexplain|\bwhy (?:is|was|did|does)\b[^.?!]{0,60}\b(?:bill|charge|fee|price|priced|balance|cost|amount|line|increase)|\bwhat is the '|\bwhat is (?:the|this) (?:'|\w+ )?(?:fee|charge|line|surcharge)|\bwhere is that coming|\bwhat (?:it|this) (?:covers|is for)|\bhow (?:the|was|is) [\w\s]{0,20}(?:worked out|calculated|applied)",
            1.5,
        ),
        (
            r"\bwhat (?:it|this|that) is\b|\bwhat is this for|\bwhat's this for|\bline-by-line|\bbreakdown|\bpartial month|\bprorat",
            1.5,
        ),
        (
            r"\b(?:went|gone) (?:up|from)|\bdifferent\b[^.?!]{0,20}\bbill|\bbill\b[^.?!]{0,30}\b(?:different|higher|increase|doubled)",
            1.0,
        ),
    ],
    "repair_outage": [
        (
            r"\bnot working|\bdoesn't work|\bisn't working|\bstopped working|\bbroken|\boutages?\b|\b(?:internet|service|tv|phone|power|line|cable|wifi|signal|connection|network|it)(?:'s| is| was| has| have)?(?: been| gone| went| goes| keeps going)? (?:out|down|dead)\b",
            1.5,
        ),
        (
            r"\bfreez|\bcrackl|\bdropp|\bdrops\b|\bblinking|\breboot|\bno (?:internet|signal|service|dial tone|picture)|\bwithout (?:internet|service|tv|phone|signal|a signal|power|a connection|wifi|cable|(?:a )?dial tone)|\brestor(?:e|ed|ing)\b|\bslow\b|\bdisconnects",
            1.5,
        ),
        (
            r"\btechnician|\btech\b|\b(?:send|get) (?:someone|somebody|a tech)|\bcome out|\brepair|\bfix (?:it|the|my)(?! (?:plan|bill|billing|account|package|order|address|name|statement))|\bcheck the line",
            2.0,
        ),
        (r"\bmodem|\brouter|\bline\b|\bbox\b|\bwifi|\bwi-fi|\bcable tv|\bpicture|\bconnection", 0.5),
    ],
    "order_tracking": [
        (
            r"\border\b|\bordered\b|\bpackage\b|\bshipment|\bshipp|\bshipped|\bdelivery|\bdelivered|\btracking|\bcarrier|\bparcel",
            1.5,
        ),
        (
            r"\bwhere is (?:it|my)|\bwhen will (?:it|my \w+) (?:ship|arrive)|\bhasn't arrived|\bnot arrived|\bcheck on my|\bfind my package",
            2.0,
        ),
    ],
    "account_access": [
        (r"\bpassword|\blog ?in\b|\blogin|\blog me out|\blogs me out|\blocked out|\bunlock|\bpin\b|\busername", 2.5),
        (
            r"\btwo-factor|\b2fa\b|\bauthenticat|\bsecurity questions?|\bverification code|\blogin code|\bcode to my|\breset (?:email|link)",
            2.5,
        ),
        (
            r"\bauthori[sz]ed user|\bonline account|\bcan't get in|\bblocked\b|\baccess to (?:my|the) account|\bsomeone changed",
            2.0,
        ),
        (r"\be-?mail (?:address )?on (?:my|the) (?:online )?account|\bchange the e-?mail", 1.5),
    ],
    "complaint_about_service_rep": [
        (
            r"\b(?:agent|rep|representative|technician|installer|person|guy|woman|employee|staff|tara|kevin)\b[^.?!]{0,100}\b(?:rude|hung up|hanging up|laughed|lying|lied|sighed|cutting me off|closed the chat|wrong info|not my problem|mislead|never called|didn't call)",
            3.0,
        ),
        (
            r"\b(?:agent|rep|representative|technician|installer|person|guy|woman|employee|staff)\b[^.?!]{0,30}\btold me\b",
            1.5,
        ),
        (
            r"\b(?:rep|agent|representative|employee|technician|installer|lad|guy|woman|man|girl|bloke|person|lady|gentleman) (?:i|we) (?:spoke|talked|dealt|chatted) (?:to|with)\b",
            2.0,
        ),
        (r"\b(?:fired|sacked|disciplined|reprimanded|spoken to|retrained)\b", 2.5),
        (
            r"\bwatch (?:himself|herself|yourself|your back|his back|her back)|\bknow (?:which|what|where) (?:\w+ ){0,3}(?:works?|lives?)\b",
            3.0,
        ),
        (
            r"\b(?:reps?|agents?|installer|technician|tech|staff|employees?|woman|guy)\b[^.?!]{0,25}\b(?:stupid|lazy|slob|useless|clueless|incompetent|idiot|moron)",
            2.0,
        ),
        (r"\bbroken (?:callback|call-back|call back)|\bsecond broken|\bno call\b", 2.0),
        (r"\b(?:rude|hung up|hanging up on me|laughed at me|closed the chat)\b", 2.0),
        (r"\bfeedback about a call|\bdiscipline|\bwant (?:him|her) fired|\bemployee id|\breview the call", 3.0),
        (r"\bformal complaint|\bfire (?:him|her|that)", 1.0),
        (r"\b(?:supervisor|manager)\b", 1.0),
        (
            r"\b(?:idiot|moron|clown|stupid|useless|clueless|lazy|worst excuse)\b[^.?!]{0,30}\b(?:reps?|agents?|installer|woman|guy|brian|tara)\b",
            1.0,
        ),
        (r"\bthe (?:last|previous) (?:agent|person|rep)|\bthe guy before you", 1.0),
    ],
    "general_question": [
        (
            r"\bstore hours|\bhours\b|\bavailable at|\bavailability|\bdo you (?:still )?offer|\breturn policy|\bprivacy|\bopt out|\bpaper bills?\b(?! fee)",
            2.0,
        ),
        (r"\bthank you to|\bwanted to say|\bpass this on|\bfeedback\b|\bcompliment", 1.5),
        (r"\btexts? saying|\bphishing|\bscam|\bare those from you|\bmarketing mail", 2.0),
        (
            r"\bstatements?\b[^.?!]{0,40}\b(?:copies|past|pdf|e-?mailed|posted)|\b(?:copies|past \d+ months) of (?:my |the )?statements|\bpdfs?\b|\bdrop off|\bwhich store|\bphone number on your|\breach a human|\bwifi 6|\bsupport \w+ 6|\bsupermarket|\bcontact page",
            1.5,
        ),
    ],
}
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
_THREAT_CLAUSE_RE = gate(
    _c(
        r"\b(?:or|otherwise|else)\s*,?\s*(?:i|i'll|i'm|i will|i am)\b[^.?!]*"
        r"|\b(?P<cond>if [^.?!]{3,80}?)(?:,\s*(?:then )?i\b|\s+(?:then )?(?:i'll|i will|i'm|i am|i'd|i would|i shall)\b)[^.?!]*"
        r"|\bi'm (?:switching|done|gone)[^.?!]*|\bi'?m cancelling[^.?!]*"
    )
)


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
_IMPERATIVE_RE = gate(
    lx.fast_compile(
        r"\b(?:cancel|refund|fix|send|explain|tell|give|put|remove|add|unlock|reset|check|confirm|credit|apply|take|"
        r"track|find|get|process|close|drop|switch|stop|restore|call|email|e-mail|reply|respond|answer|let me know|"
        r"help|book|schedule|waive|return|update|change|upgrade|downgrade|deliver|ship|move|show|sort)\b"
    )
)
_CLAUSE_START_RE = _c(r"(?:^|[.!?\n,)]\s*|\b(?:and|so|now)\s+)(?:please\s+)?(?:just\s+)?$")
_REQUEST_RE = lx.fast_compile(
    r"\b(?:please\b|i(?:'d| would) (?:like|appreciate|prefer)|i (?:just |really |only |still )?(?:want|need|wish|expect)\b(?! to (?:say|vent|tell you|let you know))|i (?:just )?wanted to (?:check|know|ask|see|confirm|find out)|you need to\b|(?:shouldn't|can|may|do|am|should) i\b|are (?:those|these|they)\b[^.?!]*\?|is (?:your|the|there|it|this) [^.?!]{0,30}(?:available|possible|included|free|open)"
    r"|(?:can|could|would|will) (?:you|someone|somebody|anyone|a \w+|i|we)\b|how (?:do|can|much|long|many) |"
    r"what (?:is|are|would|will|do|does|should|can|time)\b|what's\b|where (?:is|are|can|do|should)\b|when (?:will|can|is|does|do)\b|"
    r"is there\b|are there\b|do you\b|does (?:the|it|this|your)\b|is (?:it|this|your|that) (?:possible|fair|available|correct|right)|"
    r"which\b[^.?!]{0,40}\?|why (?:is|was|did|does|do|are)\b[^.?!]{0,80}\b(?:bill|charge|fee|price|one line|priced)|what now\b|what is this for\b|where is it\b"
    r"|(?:just )?(?:checking|wondering) (?:when|where|if|whether|how|what|on|about)\b"
    r"|is (?:this|that|it|these|those) (?:really |actually |genuinely )?(?:from you|from your|legit|genuine|real|safe|a scam|you)\b"
    r"|is (?:\w+ ){1,3}(?:ever |actually |still |really )*(?:coming|planned|going to (?:be|come|get))\b)"
)
_RHETORICAL_RE = gate(
    _c(
        r"\b(?:do you (?:ever|even|people|guys)|are (?:you|all your)|how (?:is|are|can) (?:something|it|anyone|you|this)|why is it so|is that too much"
        r"|who (?:decided|thought)|what genius|or is the|how hard)\b[^.?!]*\?"
    )
)
# The outcome stated as a condition of a threat: "If service isn't restored by Friday...",
# "If you don't lock this down today...", "Either it's here by the weekend or...".
_CONDITION_GOAL_RE = gate(
    _c(
        r"\b(?:if|unless) (?:\w+ ){0,4}(?:\w+'s not|\w+ is not|isn't|is not|aren't|are not|doesn't|don't|hasn't|haven't|has not|have not|wasn't|is|are)\s+(?:\w+ )?"
        r"(?:back|fixed|here|restored|delivered|working|arrived|removed|refunded|credited|sorted|resolved|done|sent|paid|shown|\w{3,}ed)\b"
        r"|\b(?:if|unless) (?:you|they|someone|somebody|your \w+) (?:don't|do not|won't|will not|can't|cannot|fail to|refuse to)\s+(?!care|mind|know|think|like|want)\w+"
        r"|\beither (?:it|you|they|this|that|my \w+|the \w+)(?:'s| is| are)? [^.?!]{0,50}\bor\b"
    )
)
_HARM_RE = gate(_c(lx.WORD_START + lx.alt(lx.THREAT_OF_HARM)))
# Supervisor words, the verbs that ask for one and the reasons: data/lexicons/intake.txt.
_SUPERVISOR_WORD = "(?:" + "|".join(group("intake", "SUPERVISOR_WORDS")) + ")"
_SUPERVISOR_ASK = "(?:" + "|".join(group("intake", "SUPERVISOR_ASK_VERBS")) + ")"
_SUPERVISOR_ANY_RE = gate(_c(r"\b" + _SUPERVISOR_WORD + r"\b"))
_SUPERVISOR_RE = _c(
    r"\b"
    + _SUPERVISOR_ASK
    + r"\b[^.?!]{0,40}\b"
    + _SUPERVISOR_WORD
    + r"|\b"
    + _SUPERVISOR_WORD
    + r"\b[^.?!]{0,40}\b(?:call|contact|phone|ring|get back|reach out|email)(?:s|ing)? me\b"
    + r"|\b(?:a|your|the) "
    + _SUPERVISOR_WORD
    + r"\b[^.?!]{0,10}(?:now|please|on this|on the line)"
    + r"|(?:^|[.!?]\s*)"
    + _SUPERVISOR_WORD
    + r"\s*[,.!]?\s*(?:please|now|asap|immediately|right now)\b"
)
_SUPERVISOR_DECLINE_RE = _c(
    r"\b(?:don't|do not|no need (?:for|to)|not asking for|not|never) (?:want|need|asking for|get|call|involve|bother|transfer me to|put me through to|escalate (?:this|it|me) to|pass (?:this|me) to)?\s*(?:a |your |the |to (?:speak|talk) to (?:a |your |the )?)?"
    + _SUPERVISOR_WORD
)
_SUPERVISOR_REASON_RE = _c("|".join(group("intake", "SUPERVISOR_REASONS")))
_INSULT_ONLY_RE = _c(r"\b(?:useless|idiot|moron|stupid|piece of|clown|incompetent)\b")


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
_REFUSES_PHONE_RE = gate(
    _c(
        r"not (?:calling|going to call|phoning)|don't want to (?:talk|speak|call)|no (?:calls|phone calls)|by e-?mail|in writing|confirm (?:it |both |this )?in writing|written confirmation|send (?:me )?the confirmation|not interested in retention|retention offers?"
    )
)
_LIVE_RE = _c(
    r"while i'm on the (?:line|phone)|on the phone with you|right now, while|call me|call-?back|someone (?:reliable )?to call|supervisor|manager"
)
_WRITTEN_RECORD_RE = _c(
    r"\bnoted\b|in writing|review (?:the|my) call|feedback|\bfired\b|\bsacked\b|\bdisciplined\b|\breprimanded\b|\bspoken to\b|formal apology|written apology|apology in writing"
)
_BEREAVE_RE = _c(r"passed away|died|death|executor|estate|deceased|bereave")
_FEE_DISPUTE_RE = gate(
    _c(
        r"\b(?:fee|charge|penalty)\b[^.?!]{0,60}\b(?:fair|dispute|waive|don't you dare|stuck with)|\bearly termination|\betf\b|\bfair to pay|\bstuck with a fee"
    )
)
_HOWTO_RE = gate(
    _c(
        r"\bhow (?:do|can) i\b|\bis there a\b[^.?!]{0,30}\bsetting|\bsettings?\b|\bauthori[sz]ed user|\bwhere (?:do|can) i"
    )
)
_VERIFY_RE = gate(
    _c(
        r"\bunlock|\blocked|\bblocked|\bchanged? (?:the |my )?(?:e-?mail|phone number|password|contact)|\bsomeone (?:changed|got into|hacked)|\bhack|\btakeover|\bcode\b|\breset|\bcan't get in|\bsecurity questions?|\bexpired"
    )
)


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
