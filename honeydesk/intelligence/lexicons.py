"""Word lists for the tone reader, grouped by the concept each one stands for.

The lists themselves are data: ``data/lexicons/tone.txt``, one entry per line under a
commented ``[GROUP]`` heading (see ``lexdata``), so a new insult or a new way of threatening
to leave is a one-line change there. Lists are deliberately broad because customers phrase
the same idea in endless ways; the rules in ``tone.py`` decide *who* a word is aimed at.
Entries are regex fragments, matched on the lower-cased analysis key (homoglyphs and
zero-width characters already removed).
"""

from __future__ import annotations

import re

from .lexdata import group

# The regex helpers live in regex_tools; re-exported because tone.py and intake.py call them as lx.*.
from .regex_tools import WORD_START as WORD_START
from .regex_tools import alt as alt
from .regex_tools import fast_compile as fast_compile
from .regex_tools import first_chars as first_chars


def _list(name: str) -> list[str]:
    return list(group("tone", name))


PROFANITY = _list("PROFANITY")
# Masked profanity as transcripts write it (f***, sh*t, @#$%): the last PROFANITY entry.
MASKED = PROFANITY[-1]
INSULT_NOUNS = _list("INSULT_NOUNS")
STRONG_INSULT_NOUNS = _list("STRONG_INSULT_NOUNS")
INSULT_ADJ = _list("INSULT_ADJ")
AMBIGUOUS_ADJ = frozenset(_list("AMBIGUOUS_ADJ"))
PERSON_NOUNS = _list("PERSON_NOUNS")
DEMEANING_ADDRESS = _list("DEMEANING_ADDRESS")
DEMEANING = _list("DEMEANING")
CURSE_AT_PERSON = _list("CURSE_AT_PERSON")
THREAT_OF_HARM = _list("THREAT_OF_HARM")
REGULATORS = _list("REGULATORS")
REGULATOR_ACTION = _list("REGULATOR_ACTION")
THREAT_TO_LEAVE = _list("THREAT_TO_LEAVE")
SARCASM_OPENERS = _list("SARCASM_OPENERS")
SARCASM = _list("SARCASM")
SARCASM_QUOTED = _list("SARCASM_QUOTED")
SARCASM_STRONG = _list("SARCASM_STRONG")
FRUSTRATION = _list("FRUSTRATION")
CALM_MARKERS = _list("CALM_MARKERS")
ACRONYMS = frozenset(_list("ACRONYMS"))


def _reported(name: str) -> list[str]:
    return list(group("reported", name))


# Reported speech (``data/lexicons/reported.txt``): who else can have said an insult, the
# verbs that attribute it, call-note subjects and the author endorsing what was said.
THIRD_PARTY_SPEAKERS = _reported("THIRD_PARTY_SPEAKERS")
NOT_THIRD_PARTY = _reported("NOT_THIRD_PARTY")
REPORTING_VERBS = _reported("REPORTING_VERBS")
CALL_NOTE_SUBJECT = _reported("CALL_NOTE_SUBJECT")
ENDORSEMENT = _reported("ENDORSEMENT")

COMPILED_FLAGS = re.IGNORECASE
