"""Word gates and alternation scans are speed-ups only: they must never change an answer.

A gate may say "no match possible" only when the regex really finds nothing, and a scan must
report exactly the matches of its single regex. Both are checked on every message of the
proxy and dev sets (and the generalisation probes) and on variants of them: other casing,
single sentences, homoglyphs, zero-width spaces, and added insults and threats.
"""

import json
import re
import sys
from pathlib import Path

import pytest

from honeydesk.intelligence import gates, intake, tone
from honeydesk.intelligence.gates import AlternationScan, Gated, WordGates, requirement, text_keys
from honeydesk.intelligence.normalize import analysis_text
from honeydesk.intelligence.tests import test_generalisation_probes as probes

REPO = Path(__file__).resolve().parents[3]
DATA = [
    REPO / "eval" / "proxy" / "messages-proxy.jsonl",
    REPO / "eval" / "proxy" / "replies-proxy.jsonl",
    REPO / "eval" / "dev" / "messages-dev.jsonl",
    REPO / "eval" / "dev" / "replies-dev.jsonl",
]


def _texts() -> list[str]:
    base: list[str] = []
    for path in DATA:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                base += [row[k] for k in ("text", "draft", "customer_message") if k in row]
    base += [t for t, _ in probes.TONE] + [t for t, *_ in probes.INTAKE] + [t for t, _ in probes.SUPERVISOR]
    out = list(base)
    for t in base:
        out += [t.upper(), t.lower(), t + " You idiot.", "Listen, sweetheart, " + t, t + " or I'll cancel!!!"]
        out += [s for s in re.split(r"(?<=[.!?])\s+", t) if s]
        out.append(t.replace("a", "\u0430").replace("o", "\u043e"))  # Cyrillic look-alikes
        out.append(t.replace(" ", " \u200b", 3))
    return list(dict.fromkeys(out))


TEXTS = _texts()
LOWS = list(dict.fromkeys(analysis_text(t).low for t in TEXTS))
BODIES = list(dict.fromkeys(LOWS + [intake._drop_threats(s) for s in LOWS]))


def _gated_patterns() -> list[tuple[str, Gated]]:
    return [
        (f"{mod.__name__}.{name}", g) for mod in (tone, intake) for name, g in vars(mod).items() if isinstance(g, Gated)
    ]


@pytest.mark.parametrize(("name", "g"), _gated_patterns(), ids=lambda v: v if isinstance(v, str) else "")
def test_it_never_gates_out_a_text_the_regex_matches(name, g):
    missed = [s for s in BODIES if g.rx.search(s) and not g.possible(s)]
    assert not missed, f"{name} gated out a matching text: {missed[:3]}"


@pytest.mark.parametrize("scan", [tone._FRUSTRATION_SCAN, intake._CUE_SCAN], ids=["frustration", "category"])
def test_a_scan_never_skips_a_branch_that_matches(scan):
    for i, pattern in enumerate(scan.branch_patterns):
        rx = re.compile(pattern)
        missed = [s for s in BODIES if rx.search(s) and not scan.branch_possible(i, s)]
        assert not missed, f"{pattern[:60]} skipped on {missed[:3]}"


def test_the_lexicon_scans_gate_most_patterns():
    # A guard against a silent loss of speed: these should stay gated.
    for g in (tone._HARM_RE, tone._DEMEANING_RE, tone._LEAVE_RE, tone._SARCASM_RE, intake._SUPERVISOR_ANY_RE):
        assert g.quick


@pytest.mark.parametrize("scan", [tone._FRUSTRATION_SCAN, intake._CUE_SCAN], ids=["frustration", "category"])
def test_the_scan_reports_what_the_single_regex_finds(scan):
    assert scan.exact
    for s in BODIES:
        assert [m.span() for m in scan.finditer(s)] == [m.span() for m in scan.regex.finditer(s)], s


def test_the_scans_keep_the_original_alternations():
    assert tone._FRUSTRATION_RE is tone._FRUSTRATION_SCAN.regex
    assert intake._ANY_CUE_RE.pattern.startswith(r"(?<!\w)(?=\w)(?:(?:refund)|")


def test_a_scan_merges_overlapping_branches_as_the_regex_does():
    scan = AlternationScan(["fed up", "up to", "to do"], ["[?!]{2,}"], gates=WordGates())
    for text in ["fed up to do it?!", "up to do", "to do?? fed up to", "fedup to do", "", "??!!"]:
        assert [m.span() for m in scan.finditer(text)] == [m.span() for m in scan.regex.finditer(text)]


def test_the_pre_checks_hold_wherever_the_regex_matches():
    for s in LOWS:
        if tone._PROF_RE.search(s):
            assert tone._may_swear(s), s
        if intake._DATE_RE.search(s):
            assert intake._may_hold_date(s), s
    for t in TEXTS:
        key = analysis_text(t).key
        if tone._CAPS_WORD_RE.search(key):
            assert tone._CAPS_HINT_RE.search(key), key


def test_it_reads_required_words_from_a_pattern():
    assert requirement(re.compile(r"\bidiots?\b")) == [[frozenset({b"idiot", b"idiots"})]]
    # A phrase needs all its words; a prefix only its first bytes.
    (clauses,) = requirement(re.compile(r"(?<!\w)(?=\w)(?:you|ya) (?:morons?|clowns?)\b"))
    assert frozenset({b"moron", b"morons", b"clown", b"clowns"}) in clauses
    assert frozenset({b"you", b"ya"}) in clauses
    assert requirement(re.compile(r"\bregulat")) == [[frozenset({b"regu"})]]
    # Each top-level branch gets its own clauses.
    assert len(requirement(re.compile(r"\bfed up|\bsick of"))) == 2


def test_it_gives_up_rather_than_guess():
    assert requirement(re.compile(r"[?!]{2,}")) is None  # no word at all
    assert requirement(re.compile(r"\bidiot", re.IGNORECASE)) is None  # case-insensitive
    assert requirement(re.compile(r"\w+ing")) is None
    assert requirement(re.compile(r"\bf+u+c+k")) is None  # only one letter is sure


def test_a_word_must_start_where_the_pattern_says():
    g = WordGates().gate(re.compile(r"(?<!\w)(?=\w)(?:idiots?)"))
    assert g.possible("you idiot") and g.possible("idiots!") and g.possible("(idiotic)")
    assert not g.possible("an ediot") and not g.possible("")
    # Mid-word text can match a pattern with no word-start anchor: no gate on that stretch.
    assert WordGates().gate(re.compile(r"idiot")).possible("ultraidiot")


def test_text_keys_split_words_as_the_regex_engine_does():
    for t in TEXTS[:400]:
        low = analysis_text(t).low
        words = [w.encode() for w in re.findall(r"\w+", low)]
        expected = set(words) | {w[:3] for w in words} | {w[:4] for w in words}
        assert text_keys(low) == expected
    assert b"caf\xc3\xa9" in text_keys("un café, merci")


def test_word_characters_are_str_isalnum_or_underscore():
    # The gates and the scans test word characters this way instead of with a regex.
    w = re.compile(r"\w")
    for c in range(sys.maxunicode + 1):
        ch = chr(c)
        assert (w.match(ch) is not None) == (ch.isalnum() or ch == "_"), hex(c)
    assert gates._starts_word_at("a b", 2) and not gates._starts_word_at("ab", 1)
