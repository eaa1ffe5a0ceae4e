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

# Regex alternations and message strings read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .lexdata import group
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


_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "us",
        "our",
        "you",
        "your",
        "yours",
        "he",
        "she",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "when",
        "where",
        "why",
        "how",
        "not",
        "no",
        "nor",
        "so",
        "than",
        "too",
        "very",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "having",
        "just",
        "also",
        "only",
        "still",
        "even",
        "again",
        "any",
        "some",
        "all",
        "each",
        "every",
        "other",
        "another",
        "such",
        "more",
        "most",
        "much",
        "many",
        "few",
        "own",
        "same",
        "up",
        "down",
        "out",
        "off",
        "over",
        "under",
        "into",
        "onto",
        "there's",
        "it's",
        "i'm",
        "i've",
        "i'll",
        "you're",
        "you've",
        "don't",
        "didn't",
        "doesn't",
        "isn't",
        "wasn't",
        "can't",
        "won't",
        "haven't",
        "hasn't",
        "keep",
        "keeps",
        "kept",
        "get",
        "got",
        "getting",
        "want",
        "wanted",
        "like",
        "need",
        "needs",
        "please",
        "thanks",
        "thank",
        "hi",
        "hello",
        "dear",
        "now",
        "today",
        "yesterday",
        "time",
        "times",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "first",
        "second",
        "third",
        "issue",
        "issues",
        "problem",
        "problems",
        "concern",
        "concerns",
        "matter",
        "thing",
        "things",
        "something",
        "anything",
        "everything",
        "help",
        "sorry",
        "apologize",
        "apologise",
        "inconvenience",
        "experience",
        "service",
        "customer",
        "team",
        "us",
        "tell",
        "told",
        "said",
        "say",
        "says",
        "let",
        "know",
        "see",
        "look",
        "looking",
        "make",
        "made",
        "way",
        "really",
        "yes",
        "ok",
        "okay",
        "well",
        "go",
        "going",
        "went",
        "come",
        "came",
        "back",
    ]
)
_TOKEN_RE = re.compile(r"[a-z][a-z0-9'-]+")


def _stem(w: str) -> str:
    w = w.strip("'-")
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


# Synonym groups so "technician didn't show" and "engineer never arrived" still connect.
_SYNONYMS = [
    {"technician", "tech", "engineer", "installer", "appointment", "visit", "crew"},
    {"bill", "charge", "fee", "statement", "invoice", "charg"},
    {"refund", "credit", "money"},
    {"internet", "connection", "wifi", "wi-fi", "broadband", "line", "service", "outage"},
    {"password", "log", "login", "locked", "lock", "access", "reset"},
    {"order", "package", "parcel", "delivery", "shipment", "shipp", "ship"},
    {"cancel", "cancellation", "close"},
    {"supervisor", "manager", "senior", "escalat"},
    {"callback", "call"},
    {"late", "delay", "wait"},
    {"down", "drop", "dropping", "outage", "dead", "offline", "disconnect"},
    {"suspend", "suspended", "disconnect", "cut", "cutoff"},
]
_SYN_INDEX = {_stem(w): i for i, group in enumerate(_SYNONYMS) for w in group}
_DOWN_RE = _c(r"\b(?:is|are|was|were|been|went|goes|gone|keeps going) down\b")


def _acknowledges(draft: str, customer: str) -> str | None:
    if not customer.strip():
        m = _c(
            r"\b(?:your|the) (?:\w+ )?(?:bill|charge|order|outage|refund|appointment|password|internet|cancellation|fee|package)\b"
        ).search(draft)
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


_EMPATHY_RE = _c(
    r"\b(?:i'm|i am|we're|we are) (?:so |very |truly |really |terribly )?sorry\b(?! (?:that |if )?you feel)(?! to say)"
    r"|\bsorry (?:about|for|that|the|your|to hear)\b|\b(?:my|our|sincere) apologies\b|\bi (?:do )?apologi[sz]e\b|\bwe apologi[sz]e\b"
    r"|^\s*sorry\b(?! (?:that |if )?you feel)|\bi(?:'m| am) (?:so |truly )?sorry|\bi regret\b|\boh no\b|\bthat must (?:be|have been)\b"
    r"|^\s*apologies\b|\bapologies for\b|\bi (?:completely |totally |really |fully )?(?:understand|know|get) (?:that )?you(?:'re| are| feel| must be)\b"
    r"|\bi know how much (?:it|this|that) matters\b"
    r"|\bi (?:completely |totally |really )?understand (?:how|why|your)|\bi can (?:see|imagine) (?:why|how)|\bi(?:'d| would) be (?:just as |equally )?\w+ too\b|\bi(?:'d| would) be just as"
)
_VALIDATE_RE = _c(
    r"\byou have every right\b|\byou(?:'re| are) right to\b|\b(?:completely |totally |perfectly )?understandable\b|\bmakes? (?:complete|total|perfect) sense\b"
    r"|\bi (?:completely |totally |really |fully )?understand (?:how|why|your (?:frustration|anger|concern|worry|upset))"
    r"|\bi (?:can )?see why you(?:'re| are)\b|\bi(?:'d| would) be (?:just as |equally )?(?:angry|alarmed|upset|frustrated|annoyed|furious|worried)"
    r"|\b(?:is|was|are|be|feel|seems?) (?:so |really |very |incredibly |definitely |truly )?(?:frustrating|stressful|upsetting|alarming|worrying|humiliating|exhausting|infuriating|maddening|confusing|annoying|awful|unacceptable|not okay|not ok)\b"
    r"|\bi know (?:that's|that is|it's|it is|how) (?:\w+ )?(?:frustrating|stressful|upsetting|worrying|hard|difficult|annoying)"
    r"|\b(?:that's|that is|it's|it is|this is|that must be|must be) (?:so |really |very |incredibly |genuinely |understandably |completely |such )?(?:an? )?(?:frustrating|stressful|upsetting|alarming|worrying|humiliating|exhausting|infuriating|maddening|confusing|annoying|awful|horrible)\b"
    r"|\b(?:frustrating|stressful|upsetting|worrying|maddening|exhausting|infuriating|awful|horrible|anxious) (?:wait|time|experience|situation|few days|week|day|morning|ordeal|position)\b"
    r"|\bwould (?:drive|make) anyone\b|\banyone would (?:be|feel)\b|\bi know how much (?:it|this|that) matters\b"
    r"|\bi (?:completely |totally |really |fully )?(?:understand|know|get|see|hear)(?: that)? you(?:'re| are| feel| must be| must feel)? (?:so |really |very )?(?:angry|upset|frustrated|annoyed|worried|stressed|disappointed|furious|anxious|fed up|ignored|let down|exhausted)\b"
    r"|\bwhich i know is\b|\bnot okay\b|\bnot the experience\b|\b\w+ too many\b|\bwould make me\b|\bhow (?:alarming|awkward|frustrating|stressful|upsetting|worrying)"
)
_HANDOFF_RE = _c(
    r"\bpass (?:this|it|that) (?:on|along)|\blet them know\b|\bsomeone (?:will|from|to|should)|\bsomebody will\b|\bforward (?:this|it|your)\b"
    r"|\btransfer you\b|\bthey(?:'ll| will) (?:look|be in touch|contact|reach|get back)|\bseparate team\b|\banother (?:team|department)\b|\basking for someone\b"
)
_OWN_RE = _c(
    r"\bi(?:'ve| have| will|'ll|'m going to| am going to| can| just| personally| also|'m| am)?(?: also| already| now| personally| just| then)?\s+"
    r"(?:booked|scheduled|issued|refunded|credited|removed|sent|reset|processed|applied|restored|escalated|arranged|reserved|frozen|froze|extended|added|logged|moved|upgraded|waived|e-?mailed|attached|reported|pushed|opened|checked|found|confirmed|pulled|run|ran|called|spoke|asked|cancelled|canceled|fixed|replaced|corrected|updated|set up|flagged|noted|raised|requested|resent|verified|investigated|contacted|emailed|texted|dispatched|ordered|raised|made sure"
    r"|book|schedule|issue|refund|credit|remove|send|reset|process|apply|restore|escalate|arrange|reserve|extend|add|call|phone|ring|text|email|e-mail|check|confirm|keep|follow up|personally|make sure|sort|fix|replace|update|look into|take care|get this|investigate|review|contact|respect|waive|see (?:this|it) through|stay on|chase)\b"
    r"|\blet me (?:look|check|fix|sort|find|see|get|take)\b|\b(?:that|this) (?:was|is) (?:our|my) (?:mistake|error|fault|failure)\b|\bour (?:mistake|error|fault|failure)\b"
    r"|\bi(?:'ll| will|'m going to| am going to)(?: also| personally| now| then| go ahead and)? (?!be\b|need\b|have to\b|try\b|pass\b|forward\b|let\b|ask\b|hope\b|see if\b|not\b|never\b|just need\b|have (?:someone|somebody|the|a)\b)[a-z]{3,}\b"
    r"|\bi(?:'ve| have)(?: also| already| now| just| personally)? (?!been\b|had\b|passed\b|forwarded\b|noted\b|asked (?:them|someone|the \w+ team)\b|heard\b|seen\b|received\b|tried\b|checked\b|looked\b)(?:re[a-z]+ed|un[a-z]+ed|[a-z]{3,}ed|sent|resent|run|put|set|made|done|spoken|written|taken|given|shipped)\b"
    r"|\bwe got (?:that|this|it) wrong\b|\bi(?:'m| am) taking ownership\b|\bi own this\b|\bi(?:'m| am) (?:happy|glad) to (?:check|fix|sort|book|help with your)"
)
_STEP_US_RE = _c(
    r"\bi(?:'ve| have)?(?: also| already| now| just)?\s+(?:booked|scheduled|issued|refunded|credited|removed|sent|reset|processed|applied|restored|arranged|reserved|frozen|extended|moved|upgraded|waived|e-?mailed|attached|reported|pushed|opened|logged a complaint|escalated your case|cancelled|canceled|replaced|corrected|dispatched|set up|added an? \w+ flag|added a note to your account so|pulled the recording|run a line test|confirmed the fault)"
    r"|\bi(?:'ll| will)(?: also| personally)? (?:call|phone|ring|text|e-?mail|send|book|schedule|check|confirm|reply|refund|credit|arrange|keep|be in touch|update"
    r"|open|ship|remove|raise|issue|apply|reopen|unlock|upgrade|add|cancel|process|escalate|replace|waive|reverse|correct|fix|stay on|reset|restore|extend|move|order|dispatch|post|courier|trace|file|log|repair)\b"
    r"|\bi(?:'ve| have)(?: also| already| now| just)? (?:resent|reopened|unlocked|shipped|re-?sent|reversed|rebooked|re-?issued|refunded|credited|waived|fixed|repaired|reset|restored|removed)\b"
    r"|\b(?:will|'ll) (?:call|phone|contact) you\b|\b(?:i|we) can check whether\b|\bhas been (?:approved|issued|booked|scheduled)\b|\b(?:is|are) booked\b|\bjust reply\b|\bout for delivery\b|\brelabelled\b"
    r"|\bi(?:'m| am) (?:sending|booking|issuing|refunding|crediting|calling)\b|^done\b|\bhas been (?:removed|credited|refunded)\b"
)
_STEP_YOU_RE = _c(
    r"\b(?:please |try |you can |could you |just )(?:restart|reboot|unplug|power cycle|send|reply|forward|bring|clear|clearing|reinstall|uninstall|book|reschedule|check with your neighbou?rs|look around|drop|return|use|enter|click|tap|upload)"
    r"|^(?:restart|reboot|unplug|reset|reply|forward|bring|send|clear|try|hit|press|hold|click|tap) |\bmust be paid\b|\bask for a receipt\b|\bbring the\b"
    r"|\byou can \w+[^.]{0,30}\b(?:under|in|on|from|via) (?:the |your )?[\w ]{0,20}(?:page|menu|tab|settings|section|screen|preferences)\b|\bcheck your (?:spam|junk) folder\b"
)
_DEFLECT_STEP_RE = _c(
    r"\b(?:contact|call|check with) (?:your bank|us|support|technical support|the contracting|the carrier)\b|\bvisit our website\b|\bgive us a call\b|\blet us know\b|\brefer to your bill\b|\bcheck your next statement\b|\bplease wait\b|\bhang tight\b"
)
_TIME_RE = _c(
    r"\b(?:by|before|at|after|until) (?:\d{1,2}(?::\d{2})?\s?(?:am|pm)|noon|midday|midnight|the end of (?:today|the day)|end of day|tomorrow|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"|\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}\s?-\s?\d{1,2}\s?(?:am|pm)?\b(?=[^.]*\b(?:tomorrow|today|monday|tuesday|wednesday|thursday|friday|saturday|sunday|am|pm)\b)"
    r"|\bwithin (?:the next )?(?:\d+|one|two|three|four|five|24|48)(?:\s?-\s?\d+)? ?(?:minutes?|hours?|h\b|days?|business days?|working days?)|\bwithin the hour\b|\b\d+\s?-\s?\d+\s?h\b"
    r"|\b(?:today|tonight|tomorrow(?: morning| afternoon)?|this (?:afternoon|evening|morning))\b|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]* \d{1,2}\b|\bnext (?:bill|billing cycle|statement)\b|\bfirst thing tomorrow\b"
    r"|\b(?:now|immediately|right away|straight away)\b(?! (?:that|on))|\beffective today\b|\bsame day\b|\bfor (?:the next )?\d+ days\b"
    r"|\bi(?:'ve| have) just\b|\bwhile you (?:try|wait|test|restart|check)\b|\bstay on the (?:line|chat|phone)\b|\bwithin (?:the next |the )?(?:hour|half hour|half an hour|few minutes)\b"
)
_NOT_TIME_RE = _c(r"\bhelp (?:you )?with [^.]* right now\b|\bas soon as\b|\bsoon\b|\basap\b|\bthis week\b")
_GREETING_NAME_RE = re.compile(
    r"^\s*(?:(?i:hi|hello|hey|dear|good (?:morning|afternoon|evening)|thanks|thank you)\s*,?\s+)?"
    r"(?P<name>(?:(?i:mr|ms|mrs|miss|mx|dr)\.?\s+)?[A-Z][a-zA-Z'\-]+(?:\s+[A-Z][a-zA-Z'\-]+)?)\s*[,.!:]",
)
_LEAD_NAME_RE = re.compile(r"^\s*(?P<name>[A-Z][a-z'\-]+)\s*,")
_VOCATIVE_RE = re.compile(r",\s+(?P<name>(?:(?:Mr|Ms|Mrs|Miss|Dr)\.?\s+)?[A-Z][a-z'\-]+)\s*[.!?]")
_NOT_NAMES = frozenset(
    [
        "hi",
        "hello",
        "hey",
        "dear",
        "thanks",
        "thank",
        "good",
        "great",
        "sure",
        "done",
        "yes",
        "no",
        "ok",
        "okay",
        "sorry",
        "team",
        "there",
        "all",
        "everyone",
        "customer",
        "customers",
        "sir",
        "madam",
        "unfortunately",
        "absolutely",
        "certainly",
        "unknown",
        "of",
        "happy",
        "please",
        "again",
    ]
)
_PLACEHOLDER_RE = re.compile(
    r"[\[{<]{1,2}\s*(?:customer|first|last|full)?[_ ]?name\s*[\]}>]{1,2}|\bCUSTOMER_NAME\b", re.IGNORECASE
)
_BLAME_RE = _c(
    r"\byou should(?:'ve| have)\b(?! (?:received|got|gotten|had|been (?:sent|given|told|offered|notified|contacted|called|refunded|credited|informed)))"
    r"|\bif (?:the \w+|it|you|your \w+) had (?:been )?(?:paid|read|checked|followed|updated|returned|entered|set up|called)\b"
    r"|\b(?:caused|due) (?:by|to) (?:customers?|users?|you|your (?:own )?\w+ing)\b|\byou (?:probably|must have|may have|might have)\b|\bthat's on you\b|\bthat is on you\b|\byour (?:own )?fault\b"
    r"|\byou failed to\b|\byou didn't (?:read|follow|check|update|tell)\b|\bmake sure you\b[^.]*\bnext time\b|\bnext time\b[^.]*\byou\b|\bi'm sure there (?:was|has been) (?:a |some )?misunderstanding"
    r"|\byou (?:misunderstood|misread|were told|agreed to|signed)\b|\bif you had (?:read|followed|checked)\b|\buser error\b|\bas you were (?:told|informed)\b"
)
_DEFENSIVE_RE = _c(
    r"\bsubject to (?:change|availability)\b|\bper (?:company |our )?polic(?:y|ies)\b|\bpolicy (?:states|is|does not|doesn't)\b|\bunder any circumstances\b"
    r"|\bindependent contractors?\b|\bhigher than (?:normal|usual) (?:call )?volumes?\b|\bunforeseen circumstances\b|\bpricing varies\b|\bprices? (?:vary|varies)\b"
    r"|\bnot (?:my|our) (?:department|responsibility)\b|\bhandled by a separate team\b|\bi don't have (?:any )?(?:information|access)\b|\bnot able to see\b|\bunable to see\b"
    r"|\bour records show\b|\bthe carrier confirms\b|\bwe have no record\b|\bthe charge stands\b|\b(?:charge|fee) is correct\b|\bclearly stated\b|\btrained professionals\b"
    r"|\bas stated in\b|\bstated in (?:our|your|the)\b|\bare not provided\b|\bwe (?:aren't|are not) responsible\b|\bmust be requested\b|\bwe cannot process\b|\bcannot be waived\b|\b(?:are|is) not available\b"
    r"|\b(?:we're|we are|i'm|i am) (?:not able|unable) to (?:offer|give|provide|refund|credit|waive|make|reverse|remove)\b"
    r"|\b(?:we|i) (?:can't|cannot|don't|do not) (?:offer|give|provide|refund|credit|waive|make exceptions|reverse)\b|\bnot (?:ours|mine|our job|my job|our problem|my problem) to\b"
    r"|\bnot something (?:we|i) (?:handle|deal with|cover|do|can help with)\b|\b(?:we|i) don't (?:handle|deal with|cover) (?:that|this|those)\b"
    r"|\bthe (?:fee|charge|policy) stands\b|\bno exceptions\b|\bplease refer to\b|\bterms and conditions\b|\bcheck with your bank\b|\bcontact the (?:contracting|manufacturer|carrier)\b|\bapplies to [\w\- ]+ only\b|\bcan be affected by\b|\bmay take some time\b"
)
_JARGON_RE = re.compile(
    r"\b(?:CPE|DOCSIS|SNR|NOC|truck roll|L[123] ticket|L[123]\b|tier[- ]?[23] ticket|reprovision(?:ed|ing)?|provisioning|uncorrectables?|DS channels?|US channels?|ingress|egress"
    r"|splitter|ONT|OLT|headend|dBmV|QAM|DHCP|NAT|MAC address|packet loss|jitter|RMA|SLA|BRAS|DSLAM|node split|upstream|downstream|firmware|modem sync|SNR margin|ticket escalated to NOC)\b"
)
_REFUSAL_RE = _c(
    r"\b(?:not able|unable|can't|cannot|don't|do not)(?: to)? (?:offer|give|provide|refund|credit|waive|make|reverse|remove)\b"
    r"|\bstands\b|\bno exceptions\b|\bnot (?:ours|mine|our job|my job|our problem|my problem) to\b"
)
_UPSET_RE = _c(
    r"\b(?:no|not|never|hasn't|haven't|didn't|don't|can't|won't|isn't|wasn't|still|late|damaged|broken|wrong|twice|missed|cut off|charged|upset|worst|idiots?|useless|rude|laughed|hung up|locked out|down|cracked|disabled|freezing|keeps?)\b|!"
)


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
        if m and not re.search(r"\bi can help you\b|\bcan i\b", m.group(), re.IGNORECASE):
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
    if blame and re.search(r"\bnot yours\b", draft_key, re.IGNORECASE):
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


_GREETING_RE = _c(r"^\W*(?:" + "|".join(group("coach", "GREETING")) + ")")
_REFUSED_RE = _c("|".join(group("coach", "REFUSAL")))
_ALTERNATIVE_RE = _c("|".join(group("coach", "ALTERNATIVES")))


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
