# ruff: noqa: RUF002 - look-alike letters are the point of this module
"""The search key: text with look-alike letters, accents and invisible characters folded,
so "Bееn аggrаvаtеd" written with Cyrillic letters is found by typing "aggravated".

The key is only ever *indexed and compared*; displayed and stored text stays as written
(``disarm`` folds any Latin-looking Cyrillic, so real Russian comes out mangled: harmless
in a key that the query goes through as well, wrong on screen).

The fold is one character to at most one character, so the database can apply the very
same table: PostgreSQL with ``translate()`` over the table ``search_fold`` (written by
migration cases 0011 from ``fold_table()``), SQLite through this module's ``fold``
registered as an SQL function. Characters ``disarm`` folds to several letters (the
ligature "ﬁ", "½") are left as they are on both sides. A test compares the database's
table with ``fold_table()``: a new ``disarm`` that folds differently needs a migration
that refills the table and a reindex (``honeydesk reindex``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import disarm

# Unassigned, private-use and surrogate code points are never folded.
_SKIP_CATEGORIES = {"Cn", "Co", "Cs"}


@cache
def fold_table() -> dict[int, str]:
    """{code point: replacement} for every non-ASCII character the key changes: a
    look-alike to its Latin letter, an accented letter to its base letter, an invisible
    character (zero-width space, joiners, soft hyphen, combining marks) to nothing, and
    any other space to a plain space. Built from ``disarm`` once per process (about
    0.8 s), on first use."""
    table: dict[int, str] = {}
    for cp in range(0x80, 0x110000):
        ch = chr(cp)
        category = unicodedata.category(ch)
        if category in _SKIP_CATEGORIES:
            continue
        if ch.isspace() or category in ("Zs", "Zl", "Zp"):
            table[cp] = " "
            continue
        folded = disarm.strip_accents(disarm.canonicalize(ch))
        if folded != ch and len(folded) <= 1:
            table[cp] = folded
    # Apply the table to its own results until nothing changes (a folded letter that
    # itself folds), so folding twice gives what folding once gave.
    for cp, to in list(table.items()):
        seen = {cp}
        while to and ord(to) in table and ord(to) not in seen:
            seen.add(ord(to))
            to = table[ord(to)]
        table[cp] = to
    return table


@cache
def _translation() -> dict[int, str | None]:
    return {cp: (to or None) for cp, to in fold_table().items()}


def fold(text: str) -> str:
    """The search key of ``text`` (case kept: both search engines lower-case it)."""
    if text.isascii():
        return text
    return text.translate(_translation())


def fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """The key and, when characters were removed, for each key character the index of
    the original character it came from (None: positions are unchanged)."""
    key = fold(text)
    if len(key) == len(text):
        return key, None
    translation = _translation()
    chars: list[str] = []
    offsets: list[int] = []
    for i, ch in enumerate(text):
        to = translation.get(ord(ch), ch)
        if to:
            chars.append(to)
            offsets.append(i)
    return "".join(chars), offsets


# Letters and digits: "_" and punctuation split words, as in both search engines.
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The lower-cased words of a query's key, as the search engines split text (on
    anything that is not a letter or digit)."""
    return [w.lower() for w in _WORD.findall(fold(text))]


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def matching_spans(text: str, terms: list[str], prefix: str = "") -> list[Span]:
    """Where in ``text`` (as written) the words whose key equals one of ``terms``, or
    starts with ``prefix``, are: what a result page highlights."""
    if not terms and not prefix:
        return []
    key, offsets = fold_with_offsets(text)
    wanted = set(terms)
    spans = []
    low = key.lower()
    for match in _WORD.finditer(low if len(low) == len(key) else key):
        word = match.group().lower()
        if word in wanted or (prefix and word.startswith(prefix)):
            start, end = match.span()
            if offsets is not None:
                start, end = offsets[start], offsets[end - 1] + 1
            spans.append(Span(start, end))
    return spans
