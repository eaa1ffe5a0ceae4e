"""The dev-split figures must stay above target (the dev split is in eval/dev)."""

import importlib.util
import json
from pathlib import Path

from honeydesk.intelligence.train import eval_dir

EVAL_DIR = eval_dir()
RUN_EVAL = Path(__file__).resolve().parents[3] / "eval" / "run_eval.py"


def _run_eval():
    spec = importlib.util.spec_from_file_location("run_eval", RUN_EVAL)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load(name):
    path = EVAL_DIR / name
    assert path.exists(), f"eval data missing: {path} (eval/dev or $HONEYDESK_EVAL_DIR)"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_it_keeps_dev_message_figures_above_target():
    m = _run_eval().evaluate_messages(_load("messages-dev.jsonl"))
    assert m["tone_macro_f1"] >= 0.80
    assert m["abusive_recall"] >= 0.90
    assert m["calm_called_abusive"] == 0
    assert m["category_accuracy"] >= 0.85
    assert m["facts_f1"] >= 0.85


def test_it_keeps_dev_coach_figures_above_target():
    c = _run_eval().evaluate_replies(_load("replies-dev.jsonl"))
    assert c["coach_macro_f1"] >= 0.80
    assert c["grade_accuracy"] >= 0.70
