"""Words in a case: the ids of cases whose subject or timeline text matches."""

from __future__ import annotations

import re

from django.db import connection

_WORD = re.compile(r"\w+", re.UNICODE)


def matching_case_ids(query: str, limit: int = 500) -> list[int]:
    words = _WORD.findall(query.lower())[:8]
    if not words:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Each word quoted (FTS5 syntax is not for end users), all words required;
            # the last one as a prefix so "refun" finds "refund" while typing.
            match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
            cursor.execute(
                "SELECT case_id FROM case_search WHERE case_search MATCH %s GROUP BY case_id "
                "ORDER BY min(rank) LIMIT %s",
                [match.strip(), limit],
            )
        else:
            tsquery = " & ".join([*words[:-1], words[-1] + ":*"])
            cursor.execute(
                "SELECT id FROM ("
                " SELECT id FROM cases_case WHERE to_tsvector('simple', subject) @@ to_tsquery('simple', %s)"
                " UNION SELECT case_id FROM cases_timelineentry"
                " WHERE to_tsvector('simple', body) @@ to_tsquery('simple', %s)) found"
                " ORDER BY id DESC LIMIT %s",
                [tsquery, tsquery, limit],
            )
        return [row[0] for row in cursor.fetchall()]
