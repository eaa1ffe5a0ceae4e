r"""Python regular-expression syntax read into a tree, for the word gates and first-character sets.

The gates (``gates.py``) and ``regex_tools.first_chars`` read from a pattern itself which words
and first characters every match needs. The standard library's own parser is private to ``re``
and changes between versions, and no maintained library exposes a parse tree of Python's regex
syntax, so this module reads it. It covers the syntax the lexicons and the hand-written
patterns use; anything else raises ``Unsupported``, which leaves that pattern without a gate
(scanned every time: slower, never a wrong answer). ``re`` itself still compiles and runs
every pattern; this tree is only ever read, to decide when a scan can be skipped.

The tree is a list of ``(op, argument)`` items:

=================  =================================================================
``LITERAL``        a code point
``ANY``            ``None`` (``.``)
``IN``             a list of ``(LITERAL, c)``, ``(RANGE, (lo, hi))``, ``(CATEGORY, cat)``,
                   led by ``(NEGATE, None)`` for ``[^...]``
``AT``             one of the ``AT_*`` positions (``^ $ \A \Z \b \B``)
``BRANCH``         ``(None, [items, items, ...])``
``SUBPATTERN``     ``(group number or None, flags added, flags removed, items)``
``MAX_REPEAT``     ``(least, most, items)``; ``MIN_REPEAT`` for lazy ones; ``most`` is
                   ``MAXREPEAT`` when unbounded
``ASSERT``         ``(1 ahead or -1 behind, items)``; ``ASSERT_NOT`` for negative ones
=================  =================================================================
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any


class Unsupported(ValueError):
    """Syntax this reader does not cover (the pattern simply gets no gate)."""


class Op(Enum):
    LITERAL = "literal"
    ANY = "any"
    IN = "in"
    RANGE = "range"
    CATEGORY = "category"
    NEGATE = "negate"
    AT = "at"
    BRANCH = "branch"
    SUBPATTERN = "subpattern"
    MAX_REPEAT = "max_repeat"
    MIN_REPEAT = "min_repeat"
    ASSERT = "assert"
    ASSERT_NOT = "assert_not"


class At(Enum):
    BEGINNING = "^"
    END = "$"
    BEGINNING_STRING = r"\A"
    END_STRING = r"\Z"
    BOUNDARY = r"\b"
    NON_BOUNDARY = r"\B"


class Category(Enum):
    WORD = r"\w"
    NOT_WORD = r"\W"
    DIGIT = r"\d"
    NOT_DIGIT = r"\D"
    SPACE = r"\s"
    NOT_SPACE = r"\S"


# The names the tree walkers use (``p.LITERAL``...), with this module passed as ``p``.
LITERAL, ANY, IN, RANGE, CATEGORY, NEGATE = Op.LITERAL, Op.ANY, Op.IN, Op.RANGE, Op.CATEGORY, Op.NEGATE
AT, BRANCH, SUBPATTERN = Op.AT, Op.BRANCH, Op.SUBPATTERN
MAX_REPEAT, MIN_REPEAT, ASSERT, ASSERT_NOT = Op.MAX_REPEAT, Op.MIN_REPEAT, Op.ASSERT, Op.ASSERT_NOT
AT_BEGINNING, AT_END, AT_BOUNDARY, AT_NON_BOUNDARY = At.BEGINNING, At.END, At.BOUNDARY, At.NON_BOUNDARY
AT_BEGINNING_STRING, AT_END_STRING = At.BEGINNING_STRING, At.END_STRING
AT_BEGINNING_LINE = At.BEGINNING  # ``^`` is the only "beginning of a line" the walkers see
CATEGORY_WORD, CATEGORY_NOT_WORD = Category.WORD, Category.NOT_WORD
CATEGORY_DIGIT, CATEGORY_NOT_DIGIT = Category.DIGIT, Category.NOT_DIGIT
CATEGORY_SPACE, CATEGORY_NOT_SPACE = Category.SPACE, Category.NOT_SPACE
MAXREPEAT = 2**32 - 1

Item = tuple[Op, Any]

_POSITIONS = {"b": At.BOUNDARY, "B": At.NON_BOUNDARY, "A": At.BEGINNING_STRING, "Z": At.END_STRING}
_CATEGORIES = {c.value[1]: c for c in Category}
_CONTROLS = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "a": "\a"}
_HEX = {"x": 2, "u": 4, "U": 8}
_SCOPED_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "a": re.ASCII, "u": re.UNICODE}
_QUANTITY = re.compile(r"\{(\d*)(,?)(\d*)\}")


def parse(pattern: str, flags: int = 0) -> list[Item]:
    """The tree of ``pattern``; raises ``Unsupported`` for syntax outside what is covered.

    ``re.compile`` must accept the pattern (callers compile it too): this reader does not
    report every error ``re`` would, only refuses what it cannot read faithfully.
    """
    if flags & re.VERBOSE:
        raise Unsupported("verbose patterns")
    reader = _Reader(pattern)
    items = reader.alternation()
    if reader.pos != len(pattern):
        raise Unsupported(f"unbalanced ')' at {reader.pos}")
    return items


def min_width(items: list[Item]) -> int:
    """The fewest characters a match of ``items`` can span."""
    total = 0
    for op, av in items:
        if op in (Op.LITERAL, Op.ANY, Op.IN):
            total += 1
        elif op is Op.BRANCH:
            total += min(min_width(b) for b in av[1])
        elif op is Op.SUBPATTERN:
            total += min_width(av[3])
        elif op in (Op.MAX_REPEAT, Op.MIN_REPEAT):
            total += av[0] * min_width(av[2])
    return total


def _factored(branches: list[list[Item]]) -> list[Item]:
    """An alternation in the tree's plainest form, which lets the gates read more from it:
    a start every branch shares is taken out in front ("you idiot|you moron" reads as
    "you" then "idiot|moron"), and single characters become one set ("a|[bc]" is "[abc]")."""
    out: list[Item] = []
    while all(branches) and all(b[0] == branches[0][0] for b in branches[1:]):
        out.append(branches[0][0])
        branches = [b[1:] for b in branches]
    members: list[tuple[Op, Any]] = []
    for b in branches:
        if len(b) != 1:
            break
        op, av = b[0]
        if op is Op.LITERAL:
            members.append((op, av))
        elif op is Op.IN and av[0][0] is not Op.NEGATE:
            members.extend(av)
        else:
            break
    else:
        return [*out, (Op.IN, list(dict.fromkeys(members)))]
    return [*out, (Op.BRANCH, (None, branches))]


class _Reader:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0
        self.groups = 0

    def _peek(self, n: int = 1) -> str:
        return self.text[self.pos : self.pos + n]

    def alternation(self) -> list[Item]:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            branches.append(self._sequence())
        if len(branches) == 1:
            return branches[0]
        return _factored(branches)

    def _sequence(self) -> list[Item]:
        items: list[Item] = []
        while self.pos < len(self.text) and self._peek() not in "|)":
            atom = self._atom()
            if atom is None:
                continue  # a comment
            op, av = atom
            # (?:x) is x itself: the group only delimits it (for an alternation or a repeat).
            plain = av[3] if op is Op.SUBPATTERN and av[0] is None and not av[1] and not av[2] else None
            repeat = self._quantifier()
            if repeat is None:
                items.extend(plain if plain is not None else [atom])
                continue
            if op in (Op.AT, Op.ASSERT, Op.ASSERT_NOT):
                raise Unsupported("a repeated position")
            least, most, lazy = repeat
            body = plain if plain is not None else [atom]
            items.append((Op.MIN_REPEAT if lazy else Op.MAX_REPEAT, (least, most, body)))
        return items

    def _quantifier(self) -> tuple[int, int, bool] | None:
        c = self._peek()
        if c in ("*", "+", "?"):
            self.pos += 1
            least, most = {"*": (0, MAXREPEAT), "+": (1, MAXREPEAT), "?": (0, 1)}[c]
        elif c == "{":
            m = _QUANTITY.match(self.text, self.pos)
            if m is None or not (m.group(1) or m.group(3)):
                return None  # a literal "{", as re reads it
            self.pos = m.end()
            least = int(m.group(1) or 0)
            most = int(m.group(3)) if m.group(3) else (MAXREPEAT if m.group(2) else least)
        else:
            return None
        lazy = self._peek() == "?"
        if lazy:
            self.pos += 1
        elif self._peek() == "+":
            raise Unsupported("a possessive quantifier")
        return least, most, lazy

    def _atom(self) -> Item | None:
        c = self.text[self.pos]
        self.pos += 1
        if c == "(":
            return self._group()
        if c == "[":
            members = self._class()
            if len(members) == 1 and members[0][0] is Op.LITERAL:
                return members[0]  # [x] is x
            return (Op.IN, members)
        if c == ".":
            return (Op.ANY, None)
        if c == "^":
            return (Op.AT, At.BEGINNING)
        if c == "$":
            return (Op.AT, At.END)
        if c == "\\":
            return self._escape()
        if c in "*+?":
            raise Unsupported("nothing to repeat")
        return (Op.LITERAL, ord(c))

    def _group(self) -> Item | None:
        if self._peek() != "?":
            self.groups += 1
            return (Op.SUBPATTERN, (self.groups, 0, 0, self._inside()))
        self.pos += 1
        for lead, op, direction in (
            ("<=", Op.ASSERT, -1),
            ("<!", Op.ASSERT_NOT, -1),
            ("=", Op.ASSERT, 1),
            ("!", Op.ASSERT_NOT, 1),
        ):
            if self.text.startswith(lead, self.pos):
                self.pos += len(lead)
                return (op, (direction, self._inside()))
        if self._peek() == ":":
            self.pos += 1
            return (Op.SUBPATTERN, (None, 0, 0, self._inside()))
        if self._peek() == "#":
            end = self.text.find(")", self.pos)
            if end < 0:
                raise Unsupported("an unterminated comment")
            self.pos = end + 1
            return None
        if self._peek(2) == "P<":
            end = self.text.find(">", self.pos)
            if end < 0:
                raise Unsupported("an unterminated group name")
            self.pos = end + 1
            self.groups += 1
            return (Op.SUBPATTERN, (self.groups, 0, 0, self._inside()))
        return self._scoped_flags()

    def _scoped_flags(self) -> Item:
        """``(?i:...)`` / ``(?-i:...)``; global ``(?i)`` and anything else are not read."""
        m = re.compile(r"([imsau]*)(?:-([ims]+))?:").match(self.text, self.pos)
        if m is None or not (m.group(1) or m.group(2)):
            raise Unsupported(f"group syntax at {self.pos}")
        self.pos = m.end()
        added = sum(_SCOPED_FLAGS[f] for f in set(m.group(1)))
        removed = sum(_SCOPED_FLAGS[f] for f in set(m.group(2) or ""))
        return (Op.SUBPATTERN, (None, added, removed, self._inside()))

    def _inside(self) -> list[Item]:
        items = self.alternation()
        if self._peek() != ")":
            raise Unsupported("a missing ')'")
        self.pos += 1
        return items

    def _escape(self) -> Item:
        c = self._take()
        if c in _POSITIONS:
            return (Op.AT, _POSITIONS[c])
        if c in _CATEGORIES:
            return (Op.IN, [(Op.CATEGORY, _CATEGORIES[c])])
        return (Op.LITERAL, self._code(c))

    def _take(self) -> str:
        if self.pos >= len(self.text):
            raise Unsupported("a trailing backslash")
        c = self.text[self.pos]
        self.pos += 1
        return c

    def _code(self, c: str) -> int:
        """The code point an escape (after the backslash) stands for, when it is one character."""
        if c in _CONTROLS:
            return ord(_CONTROLS[c])
        if c in _HEX:
            digits = self.text[self.pos : self.pos + _HEX[c]]
            if len(digits) != _HEX[c] or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise Unsupported(f"a bad \\{c} escape")
            self.pos += _HEX[c]
            return int(digits, 16)
        if c.isascii() and c.isalnum():
            # Back-references, octal escapes, \N{...}: not read (and \q is an error for re).
            raise Unsupported(f"the escape \\{c}")
        return ord(c)

    def _class(self) -> list[tuple[Op, Any]]:
        items: list[tuple[Op, Any]] = []
        if self._peek() == "^":
            self.pos += 1
            items.append((Op.NEGATE, None))
        first = True
        while True:
            if self.pos >= len(self.text):
                raise Unsupported("an unterminated set")
            if self._peek() == "]" and not first:
                self.pos += 1
                return items
            first = False
            start = self._class_member()
            if self._peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("", "]"):
                self.pos += 1
                end = self._class_member()
                if start[0] is not Op.LITERAL or end[0] is not Op.LITERAL or start[1] > end[1]:
                    raise Unsupported("a range between non-characters")
                items.append((Op.RANGE, (start[1], end[1])))
            else:
                items.append(start)

    def _class_member(self) -> tuple[Op, Any]:
        c = self._take() if self._peek() != "\\" else ""
        if c:
            return (Op.LITERAL, ord(c))
        self.pos += 1  # the backslash
        e = self._take()
        if e in _CATEGORIES:
            return (Op.CATEGORY, _CATEGORIES[e])
        if e == "b":
            return (Op.LITERAL, 8)  # a backspace inside a set
        return (Op.LITERAL, self._code(e))
