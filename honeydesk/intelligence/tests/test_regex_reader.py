"""The regex reader the word gates walk: what it reads, what it refuses, and that every
pattern the tone reader and intake compile is read (so none silently loses its gate)."""

import re

import pytest

from honeydesk.intelligence import gates, intake, regex_reader, tone
from honeydesk.intelligence.regex_reader import (
    ANY,
    ASSERT,
    ASSERT_NOT,
    AT,
    AT_BOUNDARY,
    BRANCH,
    CATEGORY,
    CATEGORY_WORD,
    IN,
    LITERAL,
    MAX_REPEAT,
    MAXREPEAT,
    MIN_REPEAT,
    NEGATE,
    RANGE,
    SUBPATTERN,
    Unsupported,
    min_width,
    parse,
)


def lit(text):
    return [(LITERAL, ord(c)) for c in text]


WORD = [(CATEGORY, CATEGORY_WORD)]


@pytest.mark.parametrize(
    ("pattern", "tree"),
    [
        ("ab", lit("ab")),
        (r"a\.b", lit("a.b")),
        ("a.", [*lit("a"), (ANY, None)]),
        (r"\bno\b", [(AT, AT_BOUNDARY), *lit("no"), (AT, AT_BOUNDARY)]),
        (r"\w", [(IN, WORD)]),
        ("[a-c_]", [(IN, [(RANGE, (97, 99)), (LITERAL, 95)])]),
        ("[^a]x", [(IN, [(NEGATE, None), (LITERAL, 97)]), *lit("x")]),
        ("[x]", lit("x")),
        (r"[\w*]", [(IN, [*WORD, (LITERAL, 42)])]),
        ("[a-]", [(IN, [(LITERAL, 97), (LITERAL, 45)])]),
        ("[]a]", [(IN, [(LITERAL, 93), (LITERAL, 97)])]),
        # A start every branch shares comes out in front; single characters make one set.
        ("you idiot|you moron", [*lit("you "), (BRANCH, (None, [lit("idiot"), lit("moron")]))]),
        ("a|[bc]|d", [(IN, [(LITERAL, 97), (LITERAL, 98), (LITERAL, 99), (LITERAL, 100)])]),
        # A non-capturing group is its contents; a capturing one stays a group.
        ("x(?:ab|cd)y", [*lit("x"), (BRANCH, (None, [lit("ab"), lit("cd")])), *lit("y")]),
        ("(ab)", [(SUBPATTERN, (1, 0, 0, lit("ab")))]),
        ("(?P<n>ab)", [(SUBPATTERN, (1, 0, 0, lit("ab")))]),
        ("(?i:ab)", [(SUBPATTERN, (None, re.IGNORECASE, 0, lit("ab")))]),
        ("a+", [(MAX_REPEAT, (1, MAXREPEAT, lit("a")))]),
        ("(?:ab)*?", [(MIN_REPEAT, (0, MAXREPEAT, lit("ab")))]),
        (
            "a{2,3}b{4}c{,2}",
            [(MAX_REPEAT, (2, 3, lit("a"))), (MAX_REPEAT, (4, 4, lit("b"))), (MAX_REPEAT, (0, 2, lit("c")))],
        ),
        ("a{x}", lit("a{x}")),  # not a count: literal braces, as re reads them
        (r"(?<!\w)(?=\w)a", [(ASSERT_NOT, (-1, [(IN, WORD)])), (ASSERT, (1, [(IN, WORD)])), *lit("a")]),
        ("a(?#note)b", lit("ab")),
        (r"\u00e9\x41\n", [(LITERAL, 0xE9), (LITERAL, 0x41), (LITERAL, 10)]),
    ],
)
def test_it_reads_the_syntax_the_lexicons_use(pattern, tree):
    re.compile(pattern)  # a pattern re accepts
    assert parse(pattern) == tree


@pytest.mark.parametrize(
    "pattern",
    [r"(a)\1", "a++", "(?i)ab", "(?>ab)", r"(?P=n)", r"\N{BULLET}", r"(?(1)a|b)", "a)", r"\q"],
)
def test_it_refuses_what_it_does_not_read(pattern):
    with pytest.raises(Unsupported):
        parse(pattern)


def test_it_refuses_verbose_patterns():
    with pytest.raises(Unsupported):
        parse("a b", re.VERBOSE)


def test_it_gives_no_gate_for_what_it_cannot_read_and_never_a_wrong_one():
    assert gates.requirement(r"(idiot)\s+\1") is None
    assert gates.requirement(r"\bidiots?\b") == [[frozenset({b"idiot", b"idiots"})]]


@pytest.mark.parametrize(
    ("pattern", "width"), [("abc", 3), ("a?b", 1), ("(?:ab|c)d", 2), (r"\b(?=x)", 0), ("a{2,}", 2), ("(ab)*", 0)]
)
def test_it_knows_the_shortest_match(pattern, width):
    assert min_width(parse(pattern)) == width


def test_it_reads_every_pattern_the_tone_reader_and_intake_compile():
    patterns = []
    for mod in (tone, intake):
        for value in vars(mod).values():
            if isinstance(value, gates.Gated):
                patterns.append(value.rx.pattern)
            elif isinstance(value, re.Pattern):
                patterns.append(value.pattern)
            elif isinstance(value, gates.AlternationScan):
                patterns += [p for p, _ in value.branches]
    assert len(patterns) > 100
    unread = []
    for p in patterns:
        try:
            regex_reader.parse(p)
        except Unsupported as exc:
            unread.append((p[:60], str(exc)))
    assert unread == []
