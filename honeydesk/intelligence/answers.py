"""Answer library matcher (practice 14: "the answer is often in the question").

BM25 over the analysis key of each article's title and body, with the title counted twice
because titles are written to be matched. Pure Python: a knowledge base of a few thousand
articles indexes in milliseconds and a query costs well under a millisecond, so the index can
simply be rebuilt whenever an article changes.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from . import lexicons as lx
from .normalize import normalize

Article = tuple[str, str, str]  # (id, title, body)

_TOKEN_RE = re.compile(r"[a-z0-9]+")  # what a word is (a format, not a word list)
_STOP = lx.STOP_WORDS  # data/lexicons/answers.txt


def _stem(w: str) -> str:
    # A crude stemmer, not a word list: the suffixes are tried in this order and the first one
    # that fits is cut, so every indexed word depends on them; they stay with the algorithm.
    for suf in ("ing", "ed", "es", "s"):
        if len(w) > len(suf) + 2 and w.endswith(suf):
            return w[: -len(suf)]
    return w


def tokens(text: str) -> list[str]:
    return [_stem(w) for w in _TOKEN_RE.findall(normalize(text).lower()) if w not in _STOP]


class ArticleIndex:
    """A BM25 index over articles; call ``rebuild`` when the article set changes."""

    def __init__(self, articles: Iterable[Article] = (), k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.rebuild(articles)

    def rebuild(self, articles: Iterable[Article]) -> None:
        self.ids: list[str] = []
        self.tfs: list[Counter[str]] = []
        self.lengths: list[int] = []
        df: Counter[str] = Counter()
        for art_id, title, body in articles:
            toks = tokens(title) * 2 + tokens(body)
            tf = Counter(toks)
            self.ids.append(str(art_id))
            self.tfs.append(tf)
            self.lengths.append(len(toks))
            df.update(tf.keys())
        n = len(self.ids)
        self.avgdl = (sum(self.lengths) / n) if n else 0.0
        self.idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def rank(self, query: str, k: int = 3) -> list[tuple[str, float]]:
        q = set(tokens(query))
        scores: list[tuple[float, int]] = []
        for i, tf in enumerate(self.tfs):
            s = 0.0
            norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.avgdl or 1.0))
            for t in q:
                f = tf.get(t)
                if f:
                    s += self.idf[t] * f * (self.k1 + 1) / (f + norm)
            if s > 0:
                scores.append((s, i))
        scores.sort(key=lambda x: (-x[0], x[1]))
        return [(self.ids[i], round(s, 4)) for s, i in scores[:k]]


def rank_articles(query_text: str, articles: Sequence[Article], k: int = 3) -> list[tuple[str, float]]:
    """Best ``k`` article ids for a query, with BM25 scores (only articles that match at all)."""
    return ArticleIndex(articles).rank(query_text, k)
