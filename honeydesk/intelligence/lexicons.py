"""Word lists for the tone reader, the promise finder and the answer library.

The lists themselves are data: ``data/lexicons/tone.txt`` and ``reported.txt`` (tone),
``promises.txt`` and ``answers.txt``, one entry per line under a commented ``[GROUP]``
heading (see ``lexdata``), so a new insult or a new way of threatening to leave is a
one-line change there. Lists are deliberately broad because customers phrase the same idea
in endless ways; the rules in ``tone.py`` decide *who* a word is aimed at. Tone entries are
regex fragments, matched on the lower-cased analysis key (homoglyphs and zero-width
characters already removed); the head of ``promises.txt`` and ``answers.txt`` says how theirs
are matched. The rules keep only their skeleton in Python and join a group with ``either``
(file order) or ``alt`` (longest first).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .lexdata import group

# The regex helpers live in regex_tools; re-exported because tone.py and intake.py call them as lx.*.
from .regex_tools import WORD_START as WORD_START
from .regex_tools import alt as alt
from .regex_tools import fast_compile as fast_compile
from .regex_tools import first_chars as first_chars


def either(items: Sequence[str]) -> str:
    """Entries joined with "|" in the order written (``alt`` sorts them longest first)."""
    return "|".join(items)


def after_word(items: Sequence[str]) -> str:
    """Entries that follow a word, joined with "|" in the order written: one starting with an
    apostrophe is written onto the word ("'re" -> "you're"), any other after a space."""
    return "|".join(i if i.startswith("'") else " " + i for i in items)


def _tone(name: str) -> list[str]:
    return list(group("tone", name))


PROFANITY = _tone("PROFANITY")
# Masked profanity as transcripts write it (f***, sh*t, @#$%): the last PROFANITY entry.
MASKED = PROFANITY[-1]
INSULT_NOUNS = _tone("INSULT_NOUNS")
STRONG_INSULT_NOUNS = _tone("STRONG_INSULT_NOUNS")
INSULT_ADJ = _tone("INSULT_ADJ")
AMBIGUOUS_ADJ = frozenset(_tone("AMBIGUOUS_ADJ"))
PERSON_NOUNS = _tone("PERSON_NOUNS")
DEMEANING_ADDRESS = _tone("DEMEANING_ADDRESS")
DEMEANING = _tone("DEMEANING")
CURSE_AT_PERSON = _tone("CURSE_AT_PERSON")
THREAT_OF_HARM = _tone("THREAT_OF_HARM")
REGULATORS = _tone("REGULATORS")
REGULATOR_ACTION = _tone("REGULATOR_ACTION")
THREAT_TO_LEAVE = _tone("THREAT_TO_LEAVE")
SARCASM_OPENERS = _tone("SARCASM_OPENERS")
SARCASM = _tone("SARCASM")
SARCASM_QUOTED = _tone("SARCASM_QUOTED")
SARCASM_STRONG = _tone("SARCASM_STRONG")
FRUSTRATION = _tone("FRUSTRATION")
CALM_MARKERS = _tone("CALM_MARKERS")
ACRONYMS = frozenset(_tone("ACRONYMS"))

# The wording inside tone.py's rules (their skeletons stay in tone.py).
FILLER = _tone("FILLER")
YOU_NOUN_SUBJECT = _tone("YOU_NOUN_SUBJECT")
YOU_NOUN_LINK = _tone("YOU_NOUN_LINK")
ADJ_PERSON_NOT_BETWEEN = _tone("ADJ_PERSON_NOT_BETWEEN")
PERSON_THEN_THING = _tone("PERSON_THEN_THING")
YOU_ADJ_SUBJECT = _tone("YOU_ADJ_SUBJECT")
YOU_ADJ_VERB = _tone("YOU_ADJ_VERB")
YOU_ADJ_FILLER = _tone("YOU_ADJ_FILLER")
ARE_YOU_SUBJECT = _tone("ARE_YOU_SUBJECT")
ARE_YOU_FILLER = _tone("ARE_YOU_FILLER")
HOW_YOU_VERB = _tone("HOW_YOU_VERB")
HOW_YOU_PLURAL = _tone("HOW_YOU_PLURAL")
HOW_YOU_DEGREE = _tone("HOW_YOU_DEGREE")
THIRD_SUBJECT = _tone("THIRD_SUBJECT")
THIRD_VERB = _tone("THIRD_VERB")
THIRD_INTENSIFIER = _tone("THIRD_INTENSIFIER")
THIRD_STRONG_ADJ = _tone("THIRD_STRONG_ADJ")
ADDRESS_LEAD = _tone("ADDRESS_LEAD")
REGULATOR_NEUTRAL = _tone("REGULATOR_NEUTRAL")
REGULATOR_FUTURE = _tone("REGULATOR_FUTURE")
SARCASM_SAFE = _tone("SARCASM_SAFE")
NEGATIVE_CONTEXT = _tone("NEGATIVE_CONTEXT")
ACCUSE_SUBJECT = _tone("ACCUSE_SUBJECT")
ACCUSE_LIE = _tone("ACCUSE_LIE")
ACCUSATION = _tone("ACCUSATION")
PRAISE_AFTER_SWEAR = _tone("PRAISE_AFTER_SWEAR")
HELL_OF_A = _tone("HELL_OF_A")
PRAISE_SWEARS = _tone("PRAISE_SWEARS")
STILL_NEUTRAL = _tone("STILL_NEUTRAL")
STILL_COMPLAINT = _tone("STILL_COMPLAINT")
STILL_GRIEVANCE = _tone("STILL_GRIEVANCE")
WEAK_FRUSTRATION = frozenset(_tone("WEAK_FRUSTRATION"))
REPEAT_VERBS = _tone("REPEAT_VERBS")
REPEAT_COUNTS = _tone("REPEAT_COUNTS")
IMPATIENT_CAPS = frozenset(_tone("IMPATIENT_CAPS"))


def _reported(name: str) -> list[str]:
    return list(group("reported", name))


# Reported speech (``data/lexicons/reported.txt``): who else can have said an insult, the
# verbs that attribute it, call-note subjects and the author endorsing what was said.
THIRD_PARTY_SPEAKERS = _reported("THIRD_PARTY_SPEAKERS")
NOT_THIRD_PARTY = _reported("NOT_THIRD_PARTY")
REPORTING_VERBS = _reported("REPORTING_VERBS")
CALL_NOTE_SUBJECT = _reported("CALL_NOTE_SUBJECT")
ENDORSEMENT = _reported("ENDORSEMENT")
# The quick check on the words right before an insult (tone._is_reported), and who is never,
# or only sometimes, a third party.
BEFORE_INSULT_SPEAKERS = _reported("BEFORE_INSULT_SPEAKERS")
BEFORE_INSULT_VERBS = _reported("BEFORE_INSULT_VERBS")
BEFORE_INSULT_NOT_AIMED = _reported("BEFORE_INSULT_NOT_AIMED")
NOT_THIRD_PARTY_WORDS = _reported("NOT_THIRD_PARTY_WORDS")
REFERRING_PRONOUNS = frozenset(_reported("REFERRING_PRONOUNS"))


def _promises(name: str) -> list[str]:
    return list(group("promises", name))


# Timed promises in a rep's reply (``data/lexicons/promises.txt``, read by promises.py).
COMMITMENT = _promises("COMMITMENT")
CALL_WORDS = _promises("CALL_WORDS")
CLOCK_LEAD = _promises("CLOCK_LEAD")
NOON = _promises("NOON")
DURATION_LEAD = _promises("DURATION_LEAD")
VAGUE_TIME = _promises("VAGUE_TIME")
THIS_EVENING = _promises("THIS_EVENING")
END_OF_TODAY = _promises("END_OF_TODAY")


def _answers(name: str) -> list[str]:
    return list(group("answers", name))


# The answer library's stop words (``data/lexicons/answers.txt``, read by answers.py).
STOP_WORDS = frozenset(_answers("STOP_WORDS"))

COMPILED_FLAGS = re.IGNORECASE
