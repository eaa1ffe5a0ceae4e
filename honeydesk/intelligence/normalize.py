# ruff: noqa: RUF002 - homoglyphs are the point of these strings
"""Analysis keys for customer text.

Customers (and spammers) sometimes write with look-alike letters from other scripts
("idіot" with a Cyrillic "і") or hide zero-width characters inside words ("id\u200biot"),
which would let abuse slip past word lists. Every classifier in this package therefore reads
an *analysis key*: the text folded to plain Latin letters, never the raw text.

The key is for analysis only. ``disarm.canonicalize`` folds *any* Latin-looking Cyrillic,
so genuine Russian or Ukrainian text comes out mangled; displayed and stored text must
always be the original. To let reasons and extracted facts point back at the original,
the key keeps an offset map: ``offsets[i]`` is the index in the raw text of the character
that produced ``key[i]``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import disarm

# Characters we drop outright. Unicode category Cf ("format") covers zero-width space,
# joiners, BOM, word joiner, soft hyphen and bidi controls; none of them is visible, so a
# word containing one should read as the word without it.
_EXPLICIT_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\ufeff", "\u2060", "\u00ad", "\u180e"}

# Typographic punctuation folded by hand: disarm turns a curly double quote into two
# apostrophes, which would break quote-matching rules, so we map these ourselves first.
_PUNCT = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2007": " ",
    "\u2009": " ",
    "\u2026": "...",
}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """Fold one non-ASCII character to its Latin analysis form (cached: texts reuse few)."""
    if ch in _EXPLICIT_INVISIBLE or unicodedata.category(ch) == "Cf":
        return ""
    if ch in _PUNCT:
        return _PUNCT[ch]
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c.isascii():
            out.append(c)
            continue
        if c in _PUNCT:
            out.append(_PUNCT[c])
            continue
        folded = disarm.canonicalize(c)
        # Strip accents so "café" and "cafe" match the same lexicon entry.
        for d in unicodedata.normalize("NFKD", folded):
            if not unicodedata.combining(d):
                out.append(d)
    return "".join(out)


@dataclass(frozen=True, slots=True)
class AnalysisText:
    """The analysis key of ``raw`` plus a map from key positions back to raw positions."""

    raw: str
    key: str
    # None means the key is identical to the raw text (the common, all-ASCII case).
    offsets: tuple[int, ...] | None = None
    # The key lower-cased with the same length and offsets (rules run on this copy).
    low: str = ""

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw-text span covering key[start:end]."""
        if self.offsets is None or start >= end:
            return start, end
        return self.offsets[start], self.offsets[end - 1] + 1

    def raw_slice(self, start: int, end: int) -> str:
        """The words as the customer typed them, for key[start:end]."""
        rs, re_ = self.raw_span(start, end)
        return self.raw[rs:re_]


def analysis_text(raw: str) -> AnalysisText:
    """Build the analysis key with its offset map."""
    if raw.isascii():
        return AnalysisText(raw, raw, None, raw.lower())
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(raw):
        if ch.isascii():
            chars.append(ch)
            offsets.append(i)
            continue
        for c in _fold_char(ch):
            chars.append(c)
            offsets.append(i)
    key = "".join(chars)
    return AnalysisText(raw, key, tuple(offsets), _lower_same_length(key))


def _lower_same_length(key: str) -> str:
    low = key.lower()
    if len(low) != len(key):  # e.g. U+0130 lower-cases to two characters
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in key)
    return low


def normalize(raw: str) -> str:
    """Just the analysis key (NFKC, zero-width removed, homoglyphs mapped to Latin)."""
    return analysis_text(raw).key


_WORD_RE = re.compile(r"[a-z0-9]+(?:['*][a-z0-9*]+)*", re.I)


def words(text: str) -> list[str]:
    """Lower-cased word tokens of an analysis key (asterisks kept: "f***ing")."""
    return [w.lower() for w in _WORD_RE.findall(text)]


def is_obfuscated(raw: str) -> bool:
    """True when the text mixes scripts inside words or hides invisible characters."""
    if raw.isascii():
        return False
    if any(ch in _EXPLICIT_INVISIBLE or unicodedata.category(ch) == "Cf" for ch in raw):
        return True
    return any(not w.isascii() and any(c.isascii() and c.isalpha() for c in w) for w in raw.split())
