"""Word lists and phrase patterns read from data files (``data/lexicons/*.txt``).

A person adds a new insult or a new way of asking for a supervisor by adding a line to a
file, without reading code. Format, one entry per line::

    # What the group is for (at least one comment line right above every group).
    [group_name]
    a regex fragment, matched case-insensitively on the lower-cased analysis key
    another one

Blank lines are ignored; a line starting with ``#`` is a comment. Entries are regular
expression fragments (so ``idiots?`` covers both forms); a literal ``#`` or ``[`` at the
start of an entry is written ``\\#`` / ``\\[``. Spaces around an entry are ignored; an
entry that must end in a space ends in ``\\ `` (backslash, space), read as the space alone
(a lone backslash at the end reads the same, should an editor trim the space).

A group may carry a weight, for lists where some entries count more than others (the
request-type cues of ``intake.txt``): the weight follows the name inside the brackets::

    # Asking for a refund.
    [credit_request.refund weight 3]
    \\brefund

``weight`` and a number (``3``, ``2.5``, ``0.5``); a group without one has no weight (its
``Group.weight`` is None). Group names have no spaces.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import NamedTuple

LEXICONS = Path(__file__).resolve().parent / "data" / "lexicons"


class LexiconError(ValueError):
    pass


class Group(NamedTuple):
    entries: tuple[str, ...]
    weight: float | None  # from ``[name weight N]``; None for a plain ``[name]``


def _header(inside: str, where: str) -> tuple[str, float | None]:
    """``name`` or ``name weight N`` (the text between the brackets)."""
    words = inside.split()
    if len(words) == 1:
        return words[0], None
    if len(words) == 3 and words[1] == "weight":
        try:
            weight = float(words[2])
        except ValueError:
            weight = math.nan
        if math.isfinite(weight):
            return words[0], weight
    raise LexiconError(
        f"{where}: group header [{inside}] should be [name] or [name weight N] with N a number, "
        "e.g. [credit_request.refund weight 3]"
    )


def parse(text: str, source: str = "<lexicon>") -> dict[str, Group]:
    """The groups of a lexicon file's text (group name -> entries and weight, in file order)."""
    entries: dict[str, list[str]] = {}
    weights: dict[str, float | None] = {}
    current: list[str] | None = None
    comment = False
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comment = True
            continue
        if line.startswith("[") and line.endswith("]"):
            group, weight = _header(line[1:-1].strip(), f"{source}:{n}")
            if not comment:
                raise LexiconError(f"{source}:{n}: group [{group}] needs a comment line above it")
            if group in entries:
                raise LexiconError(f"{source}:{n}: group [{group}] appears twice")
            current = entries[group] = []
            weights[group] = weight
            comment = False
            continue
        if current is None:
            raise LexiconError(f"{source}:{n}: entry before any [group]")
        entry = line[1:] if line.startswith(("\\#", "\\[")) else line
        # An odd run of backslashes cannot end a regex: it was "\ " and strip() took the space.
        if (len(line) - len(line.rstrip("\\"))) % 2:
            entry = entry[:-1] + " "
        current.append(entry)
    return {k: Group(tuple(v), weights[k]) for k, v in entries.items()}


@cache
def read(name: str) -> dict[str, Group]:
    """The groups of ``data/lexicons/<name>.txt`` with their weights."""
    path = LEXICONS / f"{name}.txt"
    return parse(path.read_text(encoding="utf-8"), path.name)


@cache
def load(name: str) -> dict[str, tuple[str, ...]]:
    """The groups of ``data/lexicons/<name>.txt`` (group name -> entries, in file order)."""
    return {k: g.entries for k, g in read(name).items()}


def group(name: str, group_name: str) -> tuple[str, ...]:
    return load(name)[group_name]


def alternation(name: str, group_name: str) -> str:
    """A group's entries as one regex alternation, in the order written (a|b|c): how the
    rules read a phrase list. (``regex_tools.alt`` sorts longest first, for word lists.)"""
    return "|".join(group(name, group_name))
