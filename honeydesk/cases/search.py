"""Finding cases by their words: one query with the words, who may see what, and the
filters together, ranked, highlighted and paged by cursor.

The caller passes the cases the person may see, already filtered (``access.cases_visible_to``
plus a queue's or the API's filters); ``search`` adds the words as one more condition on
that query, so visibility is applied inside the database, never to a few hundred best
matches afterwards. The words are looked up in each case's search document
(``search_index``): subject, the customer's names, numbers and addresses, and the
timeline text, all as search keys (look-alike letters folded, ``lib.searchkey``).

Ranking: cases where every word is in the subject or the customer's identity come first
("smith" finds Mr Smith's cases before cases that mention a Smith), then the others; in
each group, the latest activity first. ``Order.NEWEST`` ignores the groups. Each group is
read in ``updated_at`` order and the database stops at the page: a word in 400,000 cases
costs a page, not a sort of 400,000 rows (bench/run.py, search at 1,000,000 cases).

Every typed word must be found (a phrase when it holds punctuation: an e-mail address, a
price); the last word also matches as a prefix when it has three letters or more. A phone
number is also looked up in E.164 form, as contact points store it.
"""

from __future__ import annotations

import base64
import binascii
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.lib import searchkey
from honeydesk.lib.errors import InvalidInput
from honeydesk.lib.phones import to_e164

MAX_WORDS = 8
PREFIX_MIN = 3
SNIPPET_CHARS = 220
# A snippet is looked for in the first characters of each entry (a 50,000-character
# mail is not read whole to show 220 characters of it).
SNIPPET_SCAN_CHARS = 4000
LIST_RELATED = ("account", "contact", "department", "owner", "request_type")


class Audience(StrEnum):
    STAFF = "staff"  # every part of the document
    CUSTOMER = "customer"  # the head and public entries only: never a word of a note


class Order(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"


@dataclass(frozen=True)
class Terms:
    """A query as the search engines read it: alternatives (the words as typed, and a
    phone number's E.164 form), each a list of words that must all be found."""

    alternatives: tuple[tuple[str, ...], ...]
    prefix: bool  # the last word of each alternative also matches as a prefix
    highlight: tuple[str, ...]  # lower-cased keys of the words, for highlighting
    highlight_prefix: str


def parse(text: str) -> Terms | None:
    words = [w for w in fold_words(text) if searchkey.words(w)][:MAX_WORDS]
    if not words:
        return None
    alternatives = [tuple(words)]
    digits = sum(ch.isdigit() for ch in text)
    if digits >= 7 and not any(ch.isalpha() for ch in text):
        phone = to_e164(text)
        if phone and (phone,) != tuple(words):
            alternatives.append((phone,))
    last = words[-1]
    prefix = last.isalnum() and len(last) >= PREFIX_MIN
    keys = [k for w in words for k in searchkey.words(w)]
    return Terms(
        alternatives=tuple(alternatives),
        prefix=prefix,
        highlight=tuple(keys[:-1] if prefix else keys),
        highlight_prefix=keys[-1] if prefix else "",
    )


def fold_words(text: str) -> list[str]:
    """The typed words (split on spaces) as search keys, lower-cased."""
    return searchkey.fold(text).lower().split()


# --- cursor ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the group (1 identity or subject, 2 the rest, 0 newest-first)
    and the last case's (updated_at, id)."""

    tier: int
    updated_at: datetime
    case_id: int

    def encode(self) -> str:
        micros = int(self.updated_at.timestamp() * 1_000_000)
        raw = f"s1:{self.tier}:{micros}:{self.case_id}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str, order: Order) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            version, tier, micros, case_id = raw.split(":")
            cursor = cls(int(tier), datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC), int(case_id))
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise InvalidInput.field("cursor", "Not a cursor this search gave out.") from None
        if version != "s1" or cursor.tier not in ((0,) if order == Order.NEWEST else (1, 2)):
            raise InvalidInput.field("cursor", "This cursor belongs to a search in another order.")
        return cursor


# --- results -----------------------------------------------------------------------------

Parts = list[tuple[str, bool]]  # text as written, and whether it is a matching word


@dataclass
class Snippet:
    entry: TimelineEntry
    parts: Parts


@dataclass
class Hit:
    case: Case
    tier: int
    subject: Parts
    customer: Parts
    snippet: Snippet | None = None


@dataclass
class Page:
    hits: list[Hit] = field(default_factory=list)
    next_cursor: str | None = None

    @property
    def cases(self) -> list[Case]:
        return [hit.case for hit in self.hits]


def search(
    cases: QuerySet[Case],
    text: str,
    *,
    audience: Audience,
    order: Order = Order.RELEVANCE,
    after: str | None = None,
    size: int = 50,
    departments: list[int] | None = None,
) -> Page:
    """One page of the cases among `cases` that match `text`, best first. `departments`:
    when `cases` are those of some departments only (an agent's), those departments: the
    matches are then counted there (see _matching)."""
    terms = parse(text)
    if terms is None:
        return Page()
    cursor = Cursor.decode(after, order) if after else None
    rows: list[tuple[int, int, datetime]] = []  # (tier, id, updated_at)
    tiers = [0] if order == Order.NEWEST else [1, 2]
    lexemes = [_pg_lexemes(alt) for alt in terms.alternatives] if connection.vendor == "postgresql" else []
    for tier in tiers:
        if cursor is not None and tier < cursor.tier:
            continue
        left = size + 1 - len(rows)
        if left <= 0:
            break
        found = _matching(cases, terms, lexemes, audience, tier, departments)
        if cursor is not None and tier == cursor.tier:
            u, last = cursor.updated_at, cursor.case_id
            # The redundant `updated_at <= u` is the index bound; the OR alone is not.
            found = found.filter(Q(updated_at__lt=u) | Q(updated_at=u, pk__lt=last), updated_at__lte=u)
        page = found.order_by("-updated_at", "-id").values_list("id", "updated_at")[:left]
        rows.extend((tier, pk, updated_at) for pk, updated_at in page)
    more = len(rows) > size
    rows = rows[:size]
    loaded = Case.objects.select_related(*LIST_RELATED).in_bulk([pk for _t, pk, _u in rows])
    hits = [_hit(loaded[pk], tier, terms) for tier, pk, _u in rows if pk in loaded]
    _add_snippets(hits, terms, audience)
    next_cursor = Cursor(rows[-1][0], rows[-1][2], rows[-1][1]).encode() if more and rows else None
    return Page(hits, next_cursor)


# --- matching, per engine ------------------------------------------------------------------


# How a group is read. Its matches are first counted, up to PROBE, from the search index
# alone. At most that many (a rare word, a name, a number, a word nowhere): their ids are
# the whole answer and the database sorts those few. More (a common word): the cases are
# read newest first until the page is full, about size x cases / matches rows (at most
# ~17,000 of a million cases), each checked against its own document (PostgreSQL) or
# looked up in the set of matches read once (SQLite, see SQLITE_MATCHES). For an agent, a word common in the
# whole desk is counted again in their departments, reading those departments' documents
# (a word in 5,000 cases of a million may be in three of a small department's, and
# reading cases newest first would then go through most of the desk to find them).
# Left to itself the planner could not tell these apart: a word it has no statistics for
# is taken to be in 0.5 % of the documents, and it read every case for a word found nowhere.
PROBE = 3000
SQLITE_PROBE = "SELECT rowid FROM case_search_doc WHERE case_search_doc MATCH %s LIMIT %s"
# SQLite reads the many matches once, as a set the cases are looked up in: a per-case
# check (`EXISTS (... MATCH %s AND rowid = cases_case.id)`) expands a prefix term again
# for every case it reads, 26 ms each at 100,000 cases (a common word's page: 10.5 s;
# read once: 24 ms). PostgreSQL checks each case's own document (PG["check_*"] below).
SQLITE_MATCHES = "SELECT rowid FROM case_search_doc WHERE case_search_doc MATCH %s"
# Group 1: every word in the head. Group 0: every match. Group 2: matches not in group 1.
# A *_SCOPED probe reads the departments' rows (coalesce() keeps the planner off the GIN
# index there, whose bitmap of a common word costs more than reading a department).
PG = {
    "check_1": "(SELECT h.head @@ %s::tsquery FROM case_search_head h WHERE h.case_id = cases_case.id)",
    "probe_1": "SELECT case_id FROM case_search_head WHERE head @@ %s::tsquery LIMIT %s",
    "scoped_1": """SELECT case_id FROM case_search_head
WHERE department_id = ANY(%s) AND coalesce(head @@ %s::tsquery, false) LIMIT %s""",
    "check_0": "EXISTS (SELECT 1 FROM case_search_doc d WHERE d.case_id = cases_case.id AND d.doc @@ %s::tsquery)",
    "probe_0": "SELECT case_id FROM case_search_doc WHERE doc @@ %s::tsquery LIMIT %s",
    "scoped_0": """SELECT case_id FROM case_search_doc
WHERE department_id = ANY(%s) AND coalesce(doc @@ %s::tsquery, false) LIMIT %s""",
    "check_2": """EXISTS (SELECT 1 FROM case_search_doc d WHERE d.case_id = cases_case.id AND d.doc @@ %s::tsquery
AND NOT EXISTS (SELECT 1 FROM case_search_head h WHERE h.case_id = d.case_id AND h.head @@ %s::tsquery))""",
    "probe_2": """SELECT d.case_id FROM case_search_doc d WHERE d.doc @@ %s::tsquery
AND NOT EXISTS (SELECT 1 FROM case_search_head h WHERE h.case_id = d.case_id AND h.head @@ %s::tsquery) LIMIT %s""",
    "scoped_2": """SELECT d.case_id FROM case_search_doc d
WHERE d.department_id = ANY(%s) AND coalesce(d.doc @@ %s::tsquery, false)
AND NOT EXISTS (SELECT 1 FROM case_search_head h WHERE h.case_id = d.case_id AND h.head @@ %s::tsquery) LIMIT %s""",
}


def _matching(
    cases: QuerySet[Case],
    terms: Terms,
    lexemes: list[list[list[str]]],
    audience: Audience,
    tier: int,
    departments: list[int] | None,
) -> QuerySet[Case]:
    """The cases of `cases` in group `tier` (0: every match, 1: every word in the head,
    2: the other matches)."""
    if connection.vendor == "sqlite":
        match = _fts5_query(terms, audience, tier)
        if audience == Audience.STAFF:
            with connection.cursor() as cursor:
                cursor.execute(SQLITE_PROBE, [match, PROBE + 1])
                ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= PROBE:
                return cases.filter(pk__in=ids)
        return cases.filter(pk__in=RawSQL(SQLITE_MATCHES, [match]))  # noqa: S611
    else:
        query = _tsquery(terms, lexemes, "" if audience == Audience.STAFF or tier == 1 else "AB")
        head = _tsquery(terms, lexemes, "")
        words = [query, head] if tier == 2 else [query]
        check = PG[f"check_{tier}"]
        probes: list[tuple[str, list[Any]]] = []
        if not _surely_many(lexemes, tier):
            probes.append((PG[f"probe_{tier}"], list(words)))
        if departments is not None and not _dense_enough(lexemes, tier, departments):
            probes.append((PG[f"scoped_{tier}"], [departments, *words]))
    if audience == Audience.STAFF:
        for probe, params in probes:
            with connection.cursor() as cursor:
                cursor.execute(probe, [*params, PROBE + 1])
                ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= PROBE:
                return cases.filter(pk__in=ids)
    # A customer's own cases are few: each is checked, whatever the word.
    return cases.alias(hit=RawSQL(check, words, output_field=BooleanField())).filter(hit=True)  # noqa: S611


# Reading newest first costs about size / (share of the cases that match and are in the
# departments) rows; below this many, a word common in the whole desk is not counted again
# in an agent's departments.
DENSE_ROWS = 20_000
_STATS_SECONDS = 600
_stats: dict[str, tuple[float, dict[str, float]]] = {}


def _dense_enough(lexemes: list[list[list[str]]], tier: int, departments: list[int]) -> bool:
    """Whether PostgreSQL's statistics (ANALYZE) say the query's words are common enough
    in these departments that reading their cases newest first finds a page quickly."""
    table, column = ("case_search_head", "head") if tier == 1 else ("case_search_doc", "doc")
    words = _statistics(table, column, elements=True)
    shares = _statistics(table, "department_id", elements=False)
    scope = sum(shares.get(str(d), 0.0) for d in departments)
    known = [words[lx] for alt in lexemes for word in alt for lx in word if lx in words]
    if not known or len(lexemes) != 1:
        return False
    # Every word must be found: the rarest known one bounds the share of matches. 50: a page.
    return scope * min(known) * DENSE_ROWS >= 50


def _surely_many(lexemes: list[list[list[str]]], tier: int) -> bool:
    """Whether PostgreSQL's statistics say a one-word query's group has several times PROBE
    matches in the whole desk. Counting them first would then read PROBE + 1 rows only to
    learn that (27 ms of a 67 ms search for a word in one case in five at 1,000,000 cases)."""
    if len(lexemes) != 1 or len(lexemes[0]) != 1 or len(lexemes[0][0]) != 1:
        return False  # several words: the statistics give no lower bound for all of them at once
    lexeme = lexemes[0][0][0]
    head = _statistics("case_search_head", "head", elements=True)
    if tier == 1:
        return head.get(lexeme, 0.0) * _rows("case_search_head") >= 3 * PROBE
    doc = _statistics("case_search_doc", "doc", elements=True)
    # Group 2 is the documents with the word minus those with it in the head. A word missing
    # from the head's most common elements is at most as common as the least common listed.
    in_head = head.get(lexeme, min(head.values(), default=1.0)) if tier == 2 else 0.0
    return (doc.get(lexeme, 0.0) - in_head) * _rows("case_search_doc") >= 3 * PROBE


def _rows(table: str) -> float:
    """The planner's row count of a table (pg_class.reltuples), read at most every ten
    minutes per process."""
    key = f"{table}.rows"
    cached = _stats.get(key)
    if cached is None or time.monotonic() - cached[0] >= _STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
        cached = _stats[key] = (time.monotonic(), {"rows": max(0.0, float(row[0])) if row else 0.0})
    return cached[1]["rows"]


def _statistics(table: str, column: str, *, elements: bool) -> dict[str, float]:
    """pg_stats' most common values (or array elements, for a tsvector) of a column with
    their shares, read at most every ten minutes per process."""
    key = f"{table}.{column}"
    cached = _stats.get(key)
    if cached is not None and time.monotonic() - cached[0] < _STATS_SECONDS:
        return cached[1]
    values, freqs = (
        ("most_common_elems", "most_common_elem_freqs") if elements else ("most_common_vals", "most_common_freqs")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {values}::text::text[], {freqs} FROM pg_stats WHERE tablename = %s AND attname = %s",  # noqa: S608
            [table, column],
        )
        row = cursor.fetchone()
    found = dict(zip(row[0], row[1], strict=False)) if row and row[0] else {}
    _stats[key] = (time.monotonic(), found)
    return found


def _fts5_query(terms: Terms, audience: Audience, tier: int) -> str:
    words = " OR ".join(
        "(" + " AND ".join(_fts5_phrase(w, terms.prefix and i == len(alt) - 1) for i, w in enumerate(alt)) + ")"
        for alt in terms.alternatives
    )
    everything = f"({words})" if audience == Audience.STAFF else f"{{head public}} : ({words})"
    head = f"{{head}} : ({words})"
    return {0: everything, 1: head}.get(tier, f"({everything}) NOT ({head})")


def _fts5_phrase(word: str, prefix: bool) -> str:
    # Each word is a quoted phrase: FTS5's query syntax is not for end users, and the
    # table's tokenizer splits the phrase as it split the stored text.
    return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")


def _tsquery(terms: Terms, lexemes: list[list[list[str]]], weights: str) -> str:
    """tsquery text: each word's lexemes as PostgreSQL's parser makes them (a phrase
    when a word gives several), every lexeme limited to the `weights` of the document."""
    alternatives = []
    for alt, alt_lexemes in zip(terms.alternatives, lexemes, strict=True):
        parts = []
        for i, word_lexemes in enumerate(alt_lexemes):
            if not word_lexemes:
                continue
            prefix = terms.prefix and i == len(alt) - 1 and len(word_lexemes) == 1
            suffix = (":*" if prefix else ":") + weights if prefix or weights else ""
            quoted = [_quote_lexeme(lx) + suffix for lx in word_lexemes]
            parts.append(quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")")
        if parts:
            alternatives.append("(" + " & ".join(parts) + ")")
    # A query whose words all vanish in the parser matches nothing.
    return " | ".join(alternatives) or "'__nothing__' & !'__nothing__'"


def _quote_lexeme(lexeme: str) -> str:
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _pg_lexemes(words: tuple[str, ...]) -> list[list[str]]:
    """Each word's lexemes, in order, as to_tsvector('simple') makes them of stored text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w.i, u.lexeme, u.positions FROM unnest(%s::text[]) WITH ORDINALITY AS w(word, i), "
            "unnest(to_tsvector('simple', w.word)) AS u",
            [list(words)],
        )
        found: list[list[tuple[int, str]]] = [[] for _ in words]
        for i, lexeme, positions in cursor.fetchall():
            found[i - 1].extend((p, lexeme) for p in positions)
    return [[lx for _p, lx in sorted(pairs)] for pairs in found]


# --- highlighting ------------------------------------------------------------------------


def highlight(text: str, terms: Terms) -> Parts:
    """`text` cut into plain runs and matching words."""
    parts: Parts = []
    at = 0
    for span in searchkey.matching_spans(text, list(terms.highlight), terms.highlight_prefix):
        if span.start > at:
            parts.append((text[at : span.start], False))
        parts.append((text[span.start : span.end], True))
        at = span.end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def _hit(case: Case, tier: int, terms: Terms) -> Hit:
    who = f"{case.account.name} {case.account.number}"
    if case.contact is not None and case.contact.name != case.account.name:
        who = f"{case.contact.name}, {who}"
    return Hit(case, tier, highlight(case.subject, terms), highlight(who, terms))


def _add_snippets(hits: list[Hit], terms: Terms, audience: Audience) -> None:
    """For each hit, the first entry the person may read with a matching word, cut to a
    window around it."""
    if not hits:
        return
    # The cases are the ones `search` found among those this person may see; for a
    # customer only public entries count, as in access.entries_visible_to.
    # Where every word is in the subject or the customer's details (group 1), those are
    # highlighted already; the others matched in their timeline.
    hits = [h for h in hits if h.tier != 1]
    if not hits:
        return
    entries = TimelineEntry.objects.filter(case_id__in=[h.case.pk for h in hits]).exclude(body="")
    if audience != Audience.STAFF:
        entries = entries.public()
    wanted = {h.case.pk: h for h in hits}
    rows = entries.annotate(start=Substr("body", 1, SNIPPET_SCAN_CHARS)).defer("body", "data")
    found_in_words: set[int] = set()
    for entry in rows.order_by("case_id", "created_at", "id").iterator(chunk_size=500):
        hit = wanted.get(entry.case_id)
        if hit is None or entry.case_id in found_in_words:
            continue
        # An event ("Case opened: <subject>") only when no message or note matches.
        is_event = entry.kind == TimelineEntry.Kind.EVENT
        if is_event and hit.snippet is not None:
            continue
        text: str = entry.start  # type: ignore[attr-defined]
        spans = searchkey.matching_spans(text, list(terms.highlight), terms.highlight_prefix)
        if spans:
            hit.snippet = Snippet(entry, _window(text, spans[0].start, terms))
            if not is_event:
                found_in_words.add(entry.case_id)


def _window(text: str, first: int, terms: Terms) -> Parts:
    start = max(0, first - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > first else end
    parts = highlight(re.sub(r"\s+", " ", text[start:end]), terms)
    if start:
        parts.insert(0, ("… ", False))
    if end < len(text):
        parts.append((" …", False))
    return parts
