"""Figures on the independent proxy set (eval/proxy), the stand-in for the held-back split.

The proxy set was written from the README label definitions before the code was read (see
EVAL.md). Its messages were then used for error analysis, so these figures are a floor that
general rules must keep, not an unbiased estimate.
"""

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
PROXY = REPO / "eval" / "proxy"


def _run_eval():
    spec = importlib.util.spec_from_file_location("run_eval", REPO / "eval" / "run_eval.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load(name):
    return [json.loads(x) for x in (PROXY / name).read_text(encoding="utf-8").splitlines() if x.strip()]


def test_the_proxy_set_keeps_its_published_shape():
    rows = _load("messages-proxy.jsonl")
    assert len(rows) == 80
    tones = [r["tone"] for r in rows]
    assert [tones.count(t) for t in ("calm", "frustrated", "angry", "abusive")] == [28, 24, 16, 12]
    assert sum(r["notes"].startswith("[homoglyph]") for r in rows) == 8
    assert sum(r["notes"].startswith("[zero-width]") for r in rows) == 4
    for r in rows:
        for v in r["mentions"].values():
            for s in [v] if isinstance(v, str) else v:
                assert s in r["text"], (r["id"], s)
    assert len(_load("replies-proxy.jsonl")) == 40


def test_it_keeps_proxy_message_figures_above_target():
    m = _run_eval().evaluate_messages(_load("messages-proxy.jsonl"))
    assert m["tone_macro_f1"] >= 0.80
    assert m["abusive_recall"] >= 0.90
    assert m["calm_called_abusive"] == 0
    assert m["category_accuracy"] >= 0.85
    assert m["facts_f1"] >= 0.85


def test_it_keeps_proxy_coach_figures_above_target():
    c = _run_eval().evaluate_replies(_load("replies-proxy.jsonl"))
    assert c["coach_macro_f1"] >= 0.80
    assert c["grade_accuracy"] >= 0.70
