r"""Word gates: skip a regex scan when the text lacks the words every match would need.

Most lexicon regexes match in a few messages out of a hundred, yet a scan costs 5-30 us
whatever the outcome, because the engine tries every branch at every word start. A gate
reads from the *pattern itself* which words a match must contain - for each top-level
branch, a few clauses that must all hold, each clause a set of words one of which must
appear ("you"/"ya"/"u" and then "idiot"/"moron"/...) - and the scan runs only when the text
holds them. The condition is derived from the regex, never guessed: when a gate says no, the
regex could not have matched, so every result is unchanged (tests/test_gates.py checks this
on the eval sets and on variants of them).

Words are compared as UTF-8 bytes and filed whole when the pattern fixes the whole word, else
under their first 3 or 4 bytes, so a text's words need one set and two slices each, built
with map/set in C: a Python loop over every word would cost more than most of the scans it
saves.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from operator import itemgetter
from typing import Any

from honeydesk.intelligence import regex_reader

_CUTS = (3, 4)  # bytes under which a word beginning is filed when the whole word is not known
_CUT3, _CUT4 = (itemgetter(slice(n)) for n in _CUTS)
_MAX_LANG = 256  # largest set of literal strings tracked for one stretch of a pattern
_MAX_CLAUSES = 3  # clauses kept per branch (the most selective ones)
_END = "\x00"  # marks "the word ends here" (after \b or (?!\w)) inside a literal stretch
_WORD_CHAR_RE = re.compile(r"\w")
_TOKEN_RE = re.compile(r"\w+")
# ASCII text splits into words with a byte table (non-word bytes to spaces): exactly \w+ there.
_ASCII_WORDS = bytes(c if c < 128 and _WORD_CHAR_RE.match(chr(c)) else 32 for c in range(256))
# Words too common to make a useful gate (general English, then help-desk talk); only used to
# pick the most selective clauses, never to decide a match.
_COMMON_WORDS = (
    "a i an as at be by do go he if in is it me my no of on or so to up us we "
    "about after all also and any are back been but can could did does don for from get got had has "
    "have her him his how into its just know like make more need not now off one only out over please "
    "said say see she should some than that the their them then there they this time told very want "
    "was way well were what when where which will with would you your "
    "account bill call day days email help hi hello internet month order pay payment phone service "
    "thank thanks today week"
)
_COMMON_KEYS = frozenset(w.encode() for w in _COMMON_WORDS.split())

Clause = frozenset[bytes]  # one of these word keys must be in the text


def _is_word(ch: str) -> bool:
    # Exactly \w for str patterns (tests/test_gates.py checks every Unicode character).
    return ch.isalnum() or ch == "_"


def _key(word: str, complete: bool) -> bytes | None:
    """How a required word is filed: whole when the pattern fixes it, else its first 3 or 4 bytes."""
    b = word.encode()
    if complete:
        return b
    return b[:4] if len(b) >= 4 else b if len(b) == 3 else None


@lru_cache(maxsize=4096)
def _key_chance(k: bytes) -> float:
    if k in _COMMON_KEYS:
        return 0.5 + 0.2 / len(k)  # "on" shows up more often than "way"
    return {1: 0.5, 2: 0.3, 3: 0.08, 4: 0.04}.get(len(k), 0.01)


def _chance(keys: set[bytes] | Clause) -> float:
    """Rough chance that a text holds one of ``keys`` (lower is a better gate)."""
    miss = 1.0
    for k in keys:
        miss *= 1.0 - _key_chance(k)
    return 1.0 - miss


# ------------------------------------------------------------------ reading the pattern
# These walk the tree ``regex_reader`` reads (passed as ``p``); anything unfamiliar makes
# them give up on that part, which only weakens a gate.


def _charset(av: Any, p: Any) -> set[str] | None:
    out: set[str] = set()
    for op, a in av:
        if op is p.LITERAL:
            out.add(chr(a))
        elif op is p.RANGE and a[1] - a[0] < 16:
            out.update(chr(c) for c in range(a[0], a[1] + 1))
        else:
            return None
    return out


# Item -> its language, for the reading of one pattern (the item is kept, so its id stays unique).
_LANG_MEMO: dict[int, tuple[object, set[str] | None]] = {}


def _language(items: Any, p: Any) -> set[str] | None:
    """Every string the parsed sequence can match, when that is a small finite set (else None).

    Zero-width items (anchors, lookarounds) are left out, which can only widen the set. The
    sets returned are shared: callers build new sets, never change them.
    """
    out = {""}
    for item in items:
        got = _LANG_MEMO.get(id(item))
        if got is not None and got[0] is item:
            s = got[1]
        else:
            s = _item_language(item, p)
            _LANG_MEMO[id(item)] = (item, s)
        if s is None:
            return None
        if s != {""}:
            out = {a + b for a in out for b in s}
            if len(out) > _MAX_LANG:
                return None
    return out


def _item_language(item: Any, p: Any) -> set[str] | None:
    op, av = item
    if op is p.LITERAL:
        return {chr(av)}
    if op is p.IN:
        return _charset(av, p)
    if op is p.SUBPATTERN:
        return None if av[1] & re.IGNORECASE else _language(av[3], p)
    if op is p.BRANCH:
        s: set[str] = set()
        for branch in av[1]:
            got = _language(branch, p)
            if got is None:
                return None
            s |= got
        return s
    if op in (p.MAX_REPEAT, p.MIN_REPEAT) and av[1] <= 4:
        sub = _language(av[2], p)
        if sub is None:
            return None
        s, run = set(), {""}
        for k in range(av[1] + 1):
            if k >= av[0]:
                s |= run
            run = {a + b for a in run for b in sub}
            if len(run) > _MAX_LANG:
                return None
        return s
    if op in (p.AT, p.ASSERT, p.ASSERT_NOT):
        return {""}  # zero width
    return None


def _zero_width(item: Any, p: Any) -> bool:
    return _language([item], p) == {""}


def _non_word_item(op: Any, av: Any, p: Any) -> bool:
    if op is p.LITERAL:
        return not _is_word(chr(av))
    if op is p.IN:
        return all(
            (iop is p.LITERAL and not _is_word(chr(a)))
            or (iop is p.CATEGORY and a in (p.CATEGORY_SPACE, p.CATEGORY_NOT_WORD))
            for iop, a in av
        )
    return False


def _no_word_char(op: Any, av: Any, p: Any, direction: int) -> bool:
    r"""(?<!\w) / (?<![\w*]) (direction -1) or (?!\w) (direction 1): no word character there."""
    return (
        op is p.ASSERT_NOT
        and av[0] == direction
        and len(av[1]) == 1
        and av[1][0][0] is p.IN
        and (p.CATEGORY, p.CATEGORY_WORD) in av[1][0][1]
    )


def _starts_word(op: Any, av: Any, p: Any, state: bool) -> bool:
    """After this item, would a following word character begin a word? (``state``: before it.)"""
    if op is p.AT:
        if av in (p.AT_BEGINNING, p.AT_BEGINNING_STRING, p.AT_BEGINNING_LINE, p.AT_BOUNDARY):
            return True
        return False if av is p.AT_NON_BOUNDARY else state
    if op in (p.ASSERT, p.ASSERT_NOT):
        direction, sub = av
        behind_non_word = op is p.ASSERT and direction == -1 and len(sub) and _non_word_item(sub[-1][0], sub[-1][1], p)
        if _no_word_char(op, av, p, -1) or behind_non_word:
            return True  # (?<!\w), (?<=[.!?]\s)
        return state
    if op is p.SUBPATTERN:
        return _seq_starts_word(av[3], p, state)
    if op is p.BRANCH:
        return all(_seq_starts_word(b, p, state) for b in av[1])
    if op in (p.MAX_REPEAT, p.MIN_REPEAT):
        lo, hi, sub = av
        if hi == 0:
            return state
        last = _seq_starts_word(sub, p, state if hi == 1 else False)
        return last if lo >= 1 else (state and last)
    return _non_word_item(op, av, p)


def _seq_starts_word(items: Any, p: Any, state: bool) -> bool:
    for op, av in items:
        state = _starts_word(op, av, p, state)
    return state


def _stretch_clauses(strings: set[str], at_word_start: bool) -> list[set[bytes]]:
    """For literal strings matched at one place: clauses (sets of word keys) they all satisfy.

    A word begins at a word character preceded by a non-word character inside the string, or
    at the string's start when ``at_word_start``; it is complete when a non-word character (or
    an end-of-word mark) follows inside the string, else only its beginning is known. A clause
    takes one word from every string: the n-th word from the start or from the end of each
    ("i just want" / "i just need" give {just} and {want, need}), or the rarest word of each.
    """
    per_string: list[list[bytes | None]] = []
    for s in strings:
        keys = [
            _key(m.group(), m.end() < len(s))
            for m in _TOKEN_RE.finditer(s)
            if m.start() or at_word_start  # \w+ is maximal: only a word at 0 may continue one before
        ]
        if not any(keys):
            return []
        per_string.append(keys)
    found = [{min((k for k in keys if k), key=_key_chance) for keys in per_string}]
    for n in range(min(len(keys) for keys in per_string)):
        for pick in ({keys[n] for keys in per_string}, {keys[-1 - n] for keys in per_string}):
            if None not in pick and pick not in found:
                found.append(pick)  # type: ignore[arg-type]
    return found


def _clauses(items: Any, p: Any, at_word_start: bool) -> list[set[bytes]]:
    """Clauses every match of the parsed sequence satisfies (all of them, each one a set of keys)."""
    found: list[set[bytes]] = []
    run, run_start = {""}, at_word_start
    items = list(items)
    for pos, item in enumerate(items):
        op, av = item
        lang = _language([item], p)
        if lang == {""}:  # zero width: it only says where a word starts or ends
            if run == {""}:
                run_start = _starts_word(op, av, p, run_start)
            elif (op is p.AT and av in (p.AT_BOUNDARY, p.AT_END, p.AT_END_STRING)) or _no_word_char(op, av, p, 1):
                # After a word character this means the word ends here; after a non-word
                # character it says nothing about what came before.
                run = {s + _END if s and _is_word(s[-1]) else s for s in run}
            continue
        if lang is not None and len(run) * len(lang) <= _MAX_LANG:
            run = {a + b for a in run for b in lang}
            continue
        # Not a small literal set: close the literal stretch so far and look inside this item.
        here = run_start if run == {""} else all(s and not _is_word(s[-1]) for s in run)
        grown = _repeated(run, op, av, p)
        found += _stretch_clauses(run if grown is None else grown, run_start)
        inner: set[bytes] | None = None
        if op is p.BRANCH:
            # (?:a|b)c matches what ac|bc does: with what follows, a branch's words are complete
            # and its phrases longer ("'(?:free|fast)'" needs the whole word "free" or "fast").
            after = items[pos + 1 :]
            alts = [_best(list(b) + after, p, here) for b in av[1]]
            inner = None if any(a is None for a in alts) else set().union(*alts)  # type: ignore[arg-type]
        elif op is p.SUBPATTERN and not av[1] & re.IGNORECASE:
            inner = _best(av[3], p, here)
        elif op in (p.MAX_REPEAT, p.MIN_REPEAT) and av[0] >= 1:
            inner = _best(av[2], p, here)
        if inner:
            found.append(inner)
        run, run_start = {""}, _starts_word(op, av, p, here)
    return found + _stretch_clauses(run, run_start)


def _repeated(run: set[str], op: Any, av: Any, p: Any) -> set[str] | None:
    """``run`` followed by the required repetitions of a repeat of literals ("grr+" gives "grr").

    What comes after is unknown, so the last word stays open-ended.
    """
    if op not in (p.MAX_REPEAT, p.MIN_REPEAT) or av[0] < 1:
        return None
    sub = _language(av[2], p)
    if not sub or sub == {""}:
        return None
    for _ in range(av[0]):
        run = {a + b for a in run for b in sub}
        if len(run) > _MAX_LANG:
            return None
    return run


def _literal_starts(items: Any, p: Any) -> set[str] | None:
    """Strings one of which every match starts with ("[?!]{2,}" gives ??, ?!, !? and !!)."""
    out = {""}
    for item in items:
        op, av = item
        lang = _language([item], p)
        if lang == {""}:
            continue
        if lang is not None and len(out) * len(lang) <= _MAX_LANG:
            out = {a + b for a in out for b in lang}
            continue
        grown = _repeated(out, op, av, p)
        if grown is not None:
            out = grown
        elif op is p.BRANCH:
            starts: set[str] = set()
            for b in av[1]:
                got = _literal_starts(b, p)
                if not got:
                    break
                starts |= got
            else:
                if len(out) * len(starts) <= _MAX_LANG:
                    out = {a + b for a in out for b in starts}
        break
    return None if "" in out else out


def _best(items: Any, p: Any, at_word_start: bool) -> set[bytes] | None:
    found = _clauses(items, p, at_word_start)
    return min(found, key=_chance) if found else None


def _top_branches(items: Any, p: Any, at_word_start: bool) -> list[tuple[list[Any], bool]]:
    r"""Split a pattern into its top-level alternatives, through nested groups that are the whole
    pattern ("(?<!\w)(?=\w)(?:a|b)|c" gives a, b and c), each with its word-start state."""
    lead = 0
    while lead < len(items) and _zero_width(items[lead], p):
        lead += 1
    rest = items[lead:]
    if rest and rest[0][0] is p.BRANCH and all(_zero_width(it, p) for it in rest[1:]):
        start = _seq_starts_word(items[:lead], p, at_word_start)
        out = []
        for branch in rest[0][1][1]:
            out += _top_branches(list(branch) + rest[1:], p, start)
        return out
    return [(items, at_word_start)]


def requirement(pattern: str | re.Pattern[str], flags: int = 0) -> list[list[Clause]] | None:
    """What a match of ``pattern`` needs, as branches (any one may match) of clauses (all must hold).

    None when nothing can be read from the pattern (case-insensitive patterns included: the
    gate compares exact characters).
    """
    if isinstance(pattern, re.Pattern):
        source, flags = pattern.pattern, pattern.flags
    else:
        source = pattern
    if flags & re.IGNORECASE:
        return None
    try:
        return _requirement_of(regex_reader.parse(source, flags), False)
    except regex_reader.Unsupported:  # syntax the reader does not cover: no gate, never a wrong answer
        return None


def _requirement_of(items: list[Any], at_word_start: bool) -> list[list[Clause]] | None:
    """``requirement`` for an already parsed (case-sensitive) pattern."""
    p = regex_reader
    _LANG_MEMO.clear()
    branches = [_clauses(its, p, start) for its, start in _top_branches(items, p, at_word_start)]
    if any(not b for b in branches):
        return None
    return [_pick(b) for b in branches]


def _pick(clauses: list[set[bytes]]) -> list[Clause]:
    """The most selective clauses, skipping any that a chosen one already implies (a superset)."""
    chosen: list[Clause] = []
    for c in sorted(clauses, key=_chance):
        if not any(k <= c for k in chosen):
            chosen.append(frozenset(c))
            if len(chosen) == _MAX_CLAUSES:
                break
    return chosen


def text_keys(text: str) -> set[bytes]:
    """The keys under which ``text``'s words can be found: each word whole, its first 3 and 4 bytes."""
    if text.isascii():
        words = text.encode().translate(_ASCII_WORDS).split()
    else:
        words = [w.encode() for w in _TOKEN_RE.findall(text)]
    keys = set(words)
    keys.update(map(_CUT3, words), map(_CUT4, words))
    return keys


# ------------------------------------------------------------------------ gates at run time
class WordGates:
    """Registry of gated patterns; one pass over a text's words serves all of them.

    Each distinct clause gets a bit; ``mask(text)`` is the set of clauses the text satisfies.
    """

    def __init__(self) -> None:
        self._bits: dict[bytes, int] = {}  # word key -> clauses (bit set) it satisfies
        self._keys: frozenset[bytes] = frozenset()  # set & set walks the smaller side; set & dict does not
        self._clause_bit: dict[Clause, int] = {}
        self._cache: dict[str, tuple[int, frozenset[bytes]]] = {}
        self._last: tuple[str, int, frozenset[bytes]] = ("", 0, frozenset())

    def gate(self, rx: re.Pattern[str]) -> Gated:
        """``rx`` behind its gate."""
        return Gated(rx, self, *self.condition(rx.pattern, rx.flags))

    def condition(
        self, pattern: str, flags: int = 0, need: list[list[Clause]] | None = None
    ) -> tuple[int, tuple[int, ...], list[Clause]]:
        """Register what a match of ``pattern`` needs: (quick bits, bits per branch, first clauses).

        Quick bits 0 mean "no gate": the pattern may match anything. ``need``: the requirement,
        when the caller has already read it.
        """
        if need is None:
            need = requirement(pattern, flags)
        if need is None:
            return 0, (), []
        branches = []
        for clauses in need:
            bits = 0
            for clause in clauses:
                bit = self._clause_bit.get(clause)
                if bit is None:
                    bit = self._clause_bit[clause] = 1 << len(self._clause_bit)
                    for k in clause:
                        self._bits[k] = self._bits.get(k, 0) | bit
                bits |= bit
            branches.append(bits)
        self._keys = frozenset(self._bits)
        self._cache.clear()
        self._last = ("", 0, frozenset())
        # Quick test first: some branch's most selective clause must hold.
        quick = 0
        for clauses in need:
            quick |= self._clause_bit[clauses[0]]
        return quick, tuple(branches), [clauses[0] for clauses in need]

    def _entry(self, text: str) -> tuple[str, int, frozenset[bytes]]:
        last = self._last
        if last[0] is text:
            return last
        got = self._cache.get(text)
        if got is None:
            mask = 0
            bits = self._bits
            hits = frozenset(text_keys(text).intersection(self._keys))
            for k in hits:
                mask |= bits[k]
            if len(self._cache) >= 8:  # the few strings of one message
                self._cache.clear()
            self._cache[text] = got = (mask, hits)
        self._last = last = (text, *got)
        return last

    def mask(self, text: str) -> int:
        """Bit set of the clauses ``text`` satisfies (cached for the few strings of one message)."""
        return self._entry(text)[1]

    def hits(self, text: str) -> frozenset[bytes]:
        """The registered word keys that ``text`` holds."""
        return self._entry(text)[2]


class Gated:
    """A compiled pattern behind its word gate; ``search``/``finditer``/``sub`` answer as it does."""

    __slots__ = ("branches", "firsts", "gates", "quick", "rx")

    def __init__(
        self, rx: re.Pattern[str], gates: WordGates, quick: int, branches: tuple[int, ...], firsts: list[Clause]
    ) -> None:
        self.rx, self.gates, self.quick, self.branches = rx, gates, quick, branches
        self.firsts = firsts  # each branch's most selective clause (the keys behind ``quick``)

    def possible(self, text: str) -> bool:
        """False only when no match of the pattern can exist in ``text``."""
        quick = self.quick
        if not quick:
            return True
        last = self.gates._last  # the message's own text, most of the time
        mask = last[1] if last[0] is text else self.gates.mask(text)
        if not mask & quick:
            return False
        for need in self.branches:  # noqa: SIM110 - a plain loop: any() over a generator costs 3x here
            if mask & need == need:
                return True
        return False

    def search(self, text: str) -> re.Match[str] | None:
        return self.rx.search(text) if self.possible(text) else None

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.rx.finditer(text) if self.possible(text) else iter(())

    def sub(self, repl: str | Callable[[re.Match[str]], str], text: str) -> str:
        return self.rx.sub(repl, text) if self.possible(text) else text


# One registry for tone and intake, so a message's words are looked up once for both.
GATES = WordGates()
gate = GATES.gate


# --------------------------------------------------------------------- alternation scans
def _starts_word_at(text: str, p: int) -> bool:
    r"""(?<!\w)(?=\w) at ``p`` (\w is exactly str.isalnum() or "_": see ``_is_word``)."""
    ch = text[p]
    if not (ch.isalnum() or ch == "_"):
        return False
    if p == 0:
        return True
    prev = text[p - 1]
    return not (prev.isalnum() or prev == "_")


class AlternationScan:
    r"""``finditer`` of ``(?<!\w)(?=\w)(?:A1|A2|...)|B1|B2|...`` without running the whole alternation.

    The big cue alternations try every branch at every word start (40-60 us a message), yet a
    given text can match only the few branches whose word gates pass. Those alone are searched,
    each compiled on its own (so the engine can jump to its literal prefix), and their matches
    are merged as the single regex reports them: leftmost start first, the earlier branch on a
    tie, the next match searched from the end of the one reported. ``regex`` is that single
    regex; a test checks that both give the same matches.
    """

    def __init__(self, word_start: list[str], anywhere: list[str] | None = None, gates: WordGates = GATES) -> None:
        anywhere = anywhere or []
        self.regex = re.compile(r"(?<!\w)(?=\w)(?:" + "|".join(word_start) + ")" + "".join("|" + b for b in anywhere))
        self.branches = [(p, True) for p in word_start] + [(p, False) for p in anywhere]
        # What each branch matches inside the regex (word-start branches carry its anchor).
        self.branch_patterns = [r"(?<!\w)(?=\w)(?:" + p + ")" if w else p for p, w in self.branches]
        # Each branch is compiled on its own the first time a text may match it (most messages
        # need a handful), which keeps the import and the first message quick.
        self._compiled: list[re.Pattern[str] | None] = [None] * len(self.branches)
        self._gates = gates
        try:
            parsed: list[list[regex_reader.Item]] | None = [regex_reader.parse(p) for p, _ in self.branches]
        except regex_reader.Unsupported:
            parsed = None  # the whole regex is run on every text: slower, the same answers
        # A branch that could match the empty string would need finditer's empty-match rules.
        self.exact = parsed is not None and all(regex_reader.min_width(tree) > 0 for tree in parsed)
        # Which branches each word key may open (bit i = branch i), so a text's few registered
        # words name the candidates directly instead of asking all branches in turn.
        self._always = 0
        self._opens: dict[bytes, int] = {}
        self._needs: list[tuple[int, ...]] = []
        # Branches without a word gate may still need one of a few literal openings ("??", "!!").
        self._openings: list[tuple[int, tuple[str, ...]]] = []
        for i, pattern in enumerate(self.branch_patterns):
            # The branch's own parse tree, read as starting at a word start when it must, says
            # what the anchored pattern needs without parsing that again.
            tree = parsed[i] if parsed is not None else None
            need = _requirement_of(tree, self.branches[i][1]) if tree is not None else None
            quick, needs, firsts = gates.condition(pattern, need=need) if need else (0, (), [])
            self._needs.append(needs if quick else (0,))  # (0,): always passes
            if not quick:
                starts = _literal_starts(tree, regex_reader) if tree is not None else None
                if starts:
                    self._openings.append((1 << i, tuple(starts)))
                else:
                    self._always |= 1 << i
            for clause in firsts:
                for k in clause:
                    self._opens[k] = self._opens.get(k, 0) | 1 << i

    def branch_possible(self, i: int, text: str) -> bool:
        """Whether branch ``i`` may match ``text`` (what ``active`` decides, one branch at a time)."""
        return i in self.active(text)

    def active(self, text: str) -> list[int]:
        """Indices (ascending) of the branches that may match ``text``."""
        _, mask, hits = self._gates._entry(text)
        cand = self._always
        opens = self._opens
        for k in hits:
            cand |= opens.get(k, 0)
        for bit, starts in self._openings:
            if any(s in text for s in starts):
                cand |= bit
        out = []
        needs = self._needs
        while cand:
            low_bit = cand & -cand
            i = low_bit.bit_length() - 1
            cand ^= low_bit
            for need in needs[i]:
                if mask & need == need:
                    out.append(i)
                    break
        return out

    @staticmethod
    def _first(rx: re.Pattern[str], at_word: bool, text: str, pos: int) -> re.Match[str] | None:
        """Leftmost match of one branch at or after ``pos`` (at a word start when ``at_word``)."""
        while True:
            m = rx.search(text, pos)
            if m is None or not at_word or _starts_word_at(text, m.start()):
                return m
            pos = m.start() + 1

    def finditer(self, text: str, active: list[int] | None = None) -> Iterator[re.Match[str]]:
        if not self.exact:
            yield from self.regex.finditer(text)
            return
        heap = []
        for i in self.active(text) if active is None else active:
            rx = self._compiled[i]
            if rx is None:
                rx = self._compiled[i] = re.compile(self.branches[i][0])
            at_word = self.branches[i][1]
            m = self._first(rx, at_word, text, 0)
            if m is not None:
                heap.append((m.start(), i, m, rx, at_word))
        heapq.heapify(heap)
        pos = 0
        while heap:
            start, order, m, rx, at_word = heapq.heappop(heap)
            if start >= pos:  # the leftmost live match, earliest branch on a tie: the regex's choice
                yield m
                pos = m.end()
            nxt = self._first(rx, at_word, text, pos)  # this branch's next candidate
            if nxt is not None:
                heapq.heappush(heap, (nxt.start(), order, nxt, rx, at_word))
