"""Words in a case: the ids of cases whose subject or timeline text matches."""

from __future__ import annotations

import re

from django.db import connection

_WORD = re.compile(r"\w+", re.UNICODE)


def matching_case_ids(query: str, limit: int = 500) -> list[int]:
    """All typed words must match; the last one also as a prefix, so results follow typing."""
    if connection.vendor == "sqlite":
        return _sqlite(query, limit)
    return _postgresql(query, limit)


def _sqlite(query: str, limit: int) -> list[int]:
    # unicode61 splits "89.99" into "89" and "99" in text and query alike. Each word is
    # quoted: FTS5 query syntax is not for end users.
    words = _WORD.findall(query.lower())[:8]
    if not words:
        return []
    match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id FROM case_search WHERE case_search MATCH %s GROUP BY case_id ORDER BY min(rank) LIMIT %s",
            [match.strip(), limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _postgresql(query: str, limit: int) -> list[int]:
    # PostgreSQL's parser decides what a token is ("89.99" stays whole), so each typed
    # word is handed to it as is; only a final plain word becomes a prefix match.
    words = query.lower().split()[:8]
    if not words:
        return []
    parts, params = [], []
    for i, word in enumerate(words):
        if i == len(words) - 1 and word.isalpha():
            parts.append("to_tsquery('simple', %s)")
            params.append(word + ":*")
        else:
            parts.append("plainto_tsquery('simple', %s)")
            params.append(word)
    tsquery = " && ".join(parts)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM (SELECT id FROM cases_case WHERE to_tsvector('simple', subject) @@ ({tsquery})"  # noqa: S608 -- fixed fragments, values are parameters
            f" UNION SELECT case_id FROM cases_timelineentry WHERE to_tsvector('simple', body) @@ ({tsquery}))"
            " found ORDER BY id DESC LIMIT %s",
            [*params, *params, limit],
        )
        return [row[0] for row in cursor.fetchall()]
