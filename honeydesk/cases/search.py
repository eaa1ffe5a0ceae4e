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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from django.db import connection
from django.db.models import Q, QuerySet
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
) -> Page:
    """One page of the cases among `cases` that match `text`, best first."""
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
        match_sql, params = _match(terms, lexemes, audience, tier)
        found = cases.filter(pk__in=RawSQL(match_sql, params))  # noqa: S611 -- fixed SQL, the query is a parameter
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


def _match(terms: Terms, lexemes: list[list[list[str]]], audience: Audience, tier: int) -> tuple[str, list[str]]:
    """SQL selecting the ids of matching cases: all matches (tier 0), those with every
    word in the head (1), or the others (2). `lexemes`: PostgreSQL's words of each
    alternative (_pg_lexemes)."""
    if connection.vendor == "sqlite":
        return "SELECT rowid FROM case_search_doc WHERE case_search_doc MATCH %s", [_fts5_query(terms, audience, tier)]
    everything = _tsquery(terms, lexemes, "" if audience == Audience.STAFF else "AB")
    head = _tsquery(terms, lexemes, "A")
    sql = "SELECT case_id FROM case_search_doc WHERE doc @@ %s::tsquery"
    if tier == 0:
        return sql, [everything]
    if tier == 1:
        return sql, [head]
    return sql + " AND NOT doc @@ %s::tsquery", [everything, head]


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
