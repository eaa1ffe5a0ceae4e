"""Answer suggestions for cases and for customers about to submit.

The BM25 index over all articles is kept per process and rebuilt only when the article
set changes (checked with one cheap aggregate query), so suggesting costs one query plus
microseconds of matching.
"""

from __future__ import annotations

import threading

from django.db.models import Count, Max

from honeydesk.intelligence.answers import ArticleIndex
from honeydesk.intelligence.models import Article

_lock = threading.Lock()
_state: dict[str, object] = {"key": None, "all": ArticleIndex(), "public": ArticleIndex()}


def _indexes() -> tuple[ArticleIndex, ArticleIndex]:
    stamp = Article.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    key = (stamp["n"], stamp["last"])
    with _lock:
        if _state["key"] != key:
            rows = list(Article.objects.values_list("id", "title", "body", "public"))
            _state["all"] = ArticleIndex((str(i), t, b) for i, t, b, _ in rows)
            _state["public"] = ArticleIndex((str(i), t, b) for i, t, b, p in rows if p)
            _state["key"] = key
        return _state["all"], _state["public"]  # type: ignore[return-value]


def suggest(text: str, *, public_only: bool, k: int = 3) -> list[Article]:
    if not text.strip():
        return []
    everything, public = _indexes()
    ranked = (public if public_only else everything).rank(text, k)
    ids = [int(i) for i, _ in ranked]
    found = {a.pk: a for a in Article.objects.filter(pk__in=ids)}
    return [found[i] for i in ids if i in found]
