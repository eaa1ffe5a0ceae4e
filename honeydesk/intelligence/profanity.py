"""Pure-Python scoring with alt-profanity-check's model.

``profanity_check.predict_prob`` is accurate but costs ~2 s to import (scikit-learn) and
~10 ms per single call, which would blow the intake budget (2,000 messages/s). Its model is
linear: a TF-IDF vectoriser (15k terms) feeding five calibrated LinearSVCs. We export those
weights once into ``data/profanity_model.json.gz`` (``python -m
honeydesk.intelligence.profanity`` regenerates it from the installed package) and evaluate
the same formula here in microseconds, with no scikit-learn import at run time. A test
checks the result matches ``predict_prob``.

The model is alt-profanity-check 1.9.1 (MIT licence), trained on offensive-language data.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from array import array
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = Path(__file__).resolve().parent / "data" / "profanity_model.json.gz"
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")


class ProfanityModel:
    """Re-implementation of profanity_check.predict_prob for one text at a time."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.stop_words: frozenset[str] = frozenset(payload["stop_words"])
        terms: list[str] = payload["terms"]
        self.intercepts: list[float] = payload["intercepts"]
        self.calibrators: list[tuple[float, float]] = [tuple(c) for c in payload["calibrators"]]
        # term -> row; the weights stay unboxed doubles in arrays (the same values).
        # A dict of term -> (idf, (coef, ...)) tuples held 15k x 7 float objects: about
        # 7 MB of each process that reads a message, for numbers that take 0.7 MB here.
        self.row: dict[str, int] = {t: i for i, t in enumerate(terms)}
        self.idf = array("d", payload["idf"])
        self.coefs: list[array[float]] = [array("d", c) for c in payload["coefs"]]

    def prob(self, text: str) -> float:
        """Probability that ``text`` is offensive (same value as predict_prob)."""
        counts = Counter(t for t in _TOKEN_RE.findall(text.lower()) if t not in self.stop_words)
        n = len(self.intercepts)
        dots = [0.0] * n
        norm2 = 0.0
        for term, tf in counts.items():
            i = self.row.get(term)
            if i is None:
                continue
            w = tf * self.idf[i]
            norm2 += w * w
            for k in range(n):
                dots[k] += w * self.coefs[k][i]
        norm = math.sqrt(norm2) or 1.0
        total = 0.0
        for k in range(n):
            a, b = self.calibrators[k]
            f = dots[k] / norm + self.intercepts[k]
            total += 1.0 / (1.0 + math.exp(a * f + b))
        return total / n


@lru_cache(maxsize=1)
def model() -> ProfanityModel:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as fh:
        return ProfanityModel(json.load(fh))


def profanity_prob(text: str) -> float:
    return model().prob(text)


def export_weights(path: Path = DATA_FILE) -> None:  # pragma: no cover - build step
    """Write the installed alt-profanity-check model as plain JSON (run once per upgrade)."""
    from profanity_check import profanity_check as pc

    vec, clf = pc.vectorizer, pc.model
    inv = sorted(vec.vocabulary_.items(), key=lambda kv: kv[1])
    cals = clf.calibrated_classifiers_
    payload = {
        "source": "alt-profanity-check 1.9.1 (MIT)",
        "stop_words": sorted(vec.get_stop_words()),
        "terms": [t for t, _ in inv],
        "idf": [round(float(x), 6) for x in vec.idf_],
        "coefs": [[round(float(x), 6) for x in c.estimator.coef_[0]] for c in cals],
        "intercepts": [float(c.estimator.intercept_[0]) for c in cals],
        "calibrators": [[float(c.calibrators[0].a_), float(c.calibrators[0].b_)] for c in cals],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=9) as fh:
        json.dump(payload, fh, separators=(",", ":"))


if __name__ == "__main__":  # pragma: no cover
    export_weights()
    print(f"wrote {DATA_FILE} ({DATA_FILE.stat().st_size} bytes)")
