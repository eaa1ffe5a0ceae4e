"""Evaluate honeydesk's text intelligence: dev, grouped cross-validation and held-out columns.

Usage:  .venv/bin/python eval/run_eval.py [--errors SPLIT] [--no-timings]
        (``make eval``). Data: the dev split in $HONEYDESK_EVAL_DIR or eval/dev, and the
        blind set in eval/blind. If messages-hid.jsonl / replies-hid.jsonl are in the eval
        directory, the held-back split is scored too.

Columns
- ``dev``: the shipped heads on the dev split. The heads were trained on it: not a measure.
- ``rules``: the rules alone (no learned layer) on the blind held-out part, for comparison.
- ``cv``: grouped 5-fold cross-validation over the training rows (dev + blind train): each
  fold's heads are fitted on the other four folds and score the fold. Groups keep
  near-duplicates together (the blind set's ``group`` field, and any two texts whose
  embeddings have cosine >= 0.9).
- ``held-out``: the shipped heads on the blind set's held-out 30%, which training never read.
- ``hid``: the held-back split, when present.
"""

# Report lines are long f-strings; they read best unbroken.
# ruff: noqa: E501

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from honeydesk.intelligence import learned, train  # noqa: E402
from honeydesk.intelligence.analyze import combine_draft, combine_message, message_rules  # noqa: E402
from honeydesk.intelligence.coach import FLAGS, coach_reply  # noqa: E402
from honeydesk.intelligence.intake import channel_advice, extract_facts  # noqa: E402
from honeydesk.intelligence.tone import LABELS  # noqa: E402

FOLDS = 5
# (label, key, target, test)
TARGETS: list[tuple[str, str, str, Any]] = [
    ("tone macro-F1", "tone_macro_f1", ">= 0.85", lambda v: v >= 0.85),
    ("abusive recall", "abusive_recall", ">= 0.95", lambda v: v >= 0.95),
    ("calm called abusive", "calm_called_abusive", "== 0", lambda v: v == 0),
    ("obfuscated: tone accuracy", "obfuscated_tone_accuracy", ">= 0.85", lambda v: v >= 0.85),
    ("category accuracy", "category_accuracy", ">= 0.90", lambda v: v >= 0.90),
    ("best channel accuracy", "channel_accuracy", ">= 0.90", lambda v: v >= 0.90),
    ("supervisor request F1", "supervisor_f1", ">= 0.85", lambda v: v >= 0.85),
    ("supervisor reason accuracy", "supervisor_reason_accuracy", "", None),
    ("goal stated accuracy", "goal_accuracy", ">= 0.90", lambda v: v >= 0.90),
    ("facts F1", "facts_f1", ">= 0.90", lambda v: v >= 0.90),
    ("coach flags macro-F1", "coach_macro_f1", ">= 0.85", lambda v: v >= 0.85),
    ("reply grade accuracy", "grade_accuracy", ">= 0.75", lambda v: v >= 0.75),
]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _flat(d: dict) -> set[tuple[str, str]]:
    return {(k, x) for k, v in d.items() for x in ([v] if isinstance(v, str) else v)}


# --------------------------------------------------------------------------- scoring
def score_messages(rows: list[dict], preds: list[dict]) -> dict[str, Any]:
    cm: Counter[tuple[str, str]] = Counter()
    sup: Counter[tuple[bool, bool]] = Counter()
    ok = Counter()
    reason_ok = reason_n = obf_ok = obf_n = 0
    tp = fp = fn = 0
    for r, p in zip(rows, preds, strict=True):
        cm[(r["tone"], p["tone"])] += 1
        ok["category"] += p["category"] == r["category"]
        ok["channel"] += p["best_channel"] == r["best_channel"]
        ok["goal"] += p["goal_stated"] == r["goal_stated"]
        sup[(r["wants_supervisor"], p["wants_supervisor"])] += 1
        if r["wants_supervisor"] and p["wants_supervisor"]:
            reason_n += 1
            reason_ok += p["supervisor_reason_given"] == r["supervisor_reason_given"]
        if str(r.get("notes", "")).startswith(("[homoglyph]", "[zero-width]")):
            obf_n += 1
            obf_ok += p["tone"] == r["tone"]
        pf, gf = _flat(p["facts"]), _flat(r["mentions"])
        tp, fp, fn = tp + len(pf & gf), fp + len(pf - gf), fn + len(gf - pf)
    n = len(rows)
    per = {}
    for lab in LABELS:
        per[lab] = prf(
            cm[(lab, lab)],
            sum(cm[(o, lab)] for o in LABELS if o != lab),
            sum(cm[(lab, o)] for o in LABELS if o != lab),
        )
    return {
        "n": n,
        "confusion": cm,
        "per_class": per,
        "tone_macro_f1": sum(v[2] for v in per.values()) / len(LABELS),
        "abusive_recall": per["abusive"][1],
        "calm_called_abusive": cm[("calm", "abusive")],
        "obfuscated_tone_accuracy": obf_ok / obf_n if obf_n else None,
        "obfuscated_n": obf_n,
        "category_accuracy": ok["category"] / n,
        "channel_accuracy": ok["channel"] / n,
        "goal_accuracy": ok["goal"] / n,
        "supervisor_f1": prf(sup[(True, True)], sup[(False, True)], sup[(True, False)])[2],
        "supervisor_reason_accuracy": reason_ok / reason_n if reason_n else None,
        "facts_f1": prf(tp, fp, fn)[2],
    }


def score_drafts(rows: list[dict], preds: list[dict]) -> dict[str, Any]:
    counts = {f: Counter() for f in FLAGS}
    grade_ok = 0
    for r, p in zip(rows, preds, strict=True):
        for f in FLAGS:
            counts[f][(r[f], p["flags"][f]["value"])] += 1
        grade_ok += p["grade"] == r["quality"]
    per = {f: prf(c[(True, True)], c[(False, True)], c[(True, False)]) for f, c in counts.items()}
    return {
        "n": len(rows),
        "per_flag": per,
        "coach_macro_f1": sum(v[2] for v in per.values()) / len(FLAGS),
        "grade_accuracy": grade_ok / len(rows),
    }


# --------------------------------------------------------------------------- predicting
class Inputs:
    """Rules, embeddings and words of a list of rows, computed once."""

    def __init__(self, messages: list[dict], drafts: list[dict]) -> None:
        self.rules = [message_rules(str(r["text"])) for r in messages]
        self.mdense, self.mtoks = train.message_inputs(messages) if messages else (np.zeros((0, 1)), [])
        self.coach = [coach_reply(str(r["draft"]), str(r["customer_message"])).as_dict() for r in drafts]
        self.ddense, self.dtoks = train.draft_inputs(drafts) if drafts else (np.zeros((0, 1)), [])
        self.texts = [str(r["text"]) for r in messages]

    def messages(self, hs: dict[str, learned.Head], idx: list[int] | None = None) -> list[dict]:
        idx = list(range(len(self.rules))) if idx is None else idx
        return [
            combine_message(self.texts[i], self.rules[i], self.mdense[i], learned.Tokens(self.mtoks[i]), hs)
            for i in idx
        ]

    def drafts(self, hs: dict[str, learned.Head], idx: list[int] | None = None) -> list[dict]:
        idx = list(range(len(self.coach))) if idx is None else idx
        return [
            combine_draft(json.loads(json.dumps(self.coach[i])), self.ddense[i], learned.Tokens(self.dtoks[i]), hs)
            for i in idx
        ]

    def rules_only(self) -> list[dict]:
        out = []
        for mr in self.rules:
            out.append(
                {
                    "tone": mr.tone.label,
                    "category": mr.category,
                    "best_channel": channel_advice(mr.category, mr.at, mr.tone.label, mr.wants)[0],
                    "goal_stated": mr.goal,
                    "wants_supervisor": mr.wants,
                    "supervisor_reason_given": mr.reason,
                    "facts": extract_facts(mr.at),
                }
            )
        return out


def groups(rows: list[dict], emb: np.ndarray, threshold: float = 0.9) -> list[int]:
    """Connected groups of near-duplicates (shared ``group`` field or cosine >= threshold)."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    unit = emb / np.maximum(np.linalg.norm(emb, axis=1, keepdims=True), 1e-9)
    sim = unit @ unit.T
    named: dict[str, int] = {}
    for i, r in enumerate(rows):
        g = r.get("group")
        if g:
            if g in named:
                parent[find(i)] = find(named[g])
            named.setdefault(g, i)
        for j in np.nonzero(sim[i, i + 1 :] >= threshold)[0]:
            parent[find(i + 1 + int(j))] = find(i)
    return [find(i) for i in range(len(rows))]


def fold_of(group_ids: list[int], labels: list[str]) -> list[int]:
    """Stratified-by-label assignment of whole groups to folds (deterministic)."""
    from sklearn.model_selection import StratifiedGroupKFold

    out = [0] * len(group_ids)
    splitter = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=14)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(labels)), labels, group_ids)):
        for i in test:
            out[i] = k
    return out


def cross_validate(
    messages: list[dict], drafts: list[dict], inp: Inputs
) -> tuple[list[dict], list[dict], dict[str, Any]]:
    mgroups = groups(messages, inp.mdense[:, :256])
    dgroups = groups(drafts, inp.ddense[:, :256])
    mfold = fold_of(mgroups, [str(r["tone"]) for r in messages])
    dfold = fold_of(dgroups, [str(r["quality"]) for r in drafts])
    mpred: list[dict | None] = [None] * len(messages)
    dpred: list[dict | None] = [None] * len(drafts)
    probs: list[tuple[float, bool]] = []
    for k in range(FOLDS):
        hs: dict[str, learned.Head] = {}
        mtr = [i for i in range(len(messages)) if mfold[i] != k]
        dtr = [i for i in range(len(drafts)) if dfold[i] != k]
        for name, label in train.MESSAGE_HEADS.items():
            keep = [i for i in mtr if label(messages[i]) is not None]
            hs[name] = train.to_head(
                name,
                train.fit(
                    inp.mdense[keep], [inp.mtoks[i] for i in keep], [str(label(messages[i])) for i in keep], name
                ),
            )
        for name, label in train.DRAFT_HEADS.items():
            hs[name] = train.to_head(
                name,
                train.fit(inp.ddense[dtr], [inp.dtoks[i] for i in dtr], [str(label(drafts[i])) for i in dtr], name),
            )
        mte = [i for i in range(len(messages)) if mfold[i] == k]
        for i, p in zip(mte, inp.messages(hs, mte), strict=True):
            mpred[i] = p
            probs.append((p["tone_confidence"], p["tone"] == messages[i]["tone"]))
        dte = [i for i in range(len(drafts)) if dfold[i] == k]
        for i, p in zip(dte, inp.drafts(hs, dte), strict=True):
            dpred[i] = p
    # Expected calibration error of the tone confidence (10 equal-width bins).
    ece = 0.0
    for lo in np.arange(0.0, 1.0, 0.1):
        b = [(c, ok) for c, ok in probs if lo < c <= lo + 0.1]
        if b:
            ece += len(b) / len(probs) * abs(np.mean([c for c, _ in b]) - np.mean([ok for _, ok in b]))
    info = {"message_groups": len(set(mgroups)), "draft_groups": len(set(dgroups)), "tone_ece": ece}
    return [p for p in mpred if p is not None], [p for p in dpred if p is not None], info


def evaluate_messages(rows: list[dict]) -> dict[str, Any]:
    """Figures of the shipped system (rules + heads) on ``rows`` (used by the regression tests)."""
    return score_messages(rows, Inputs(rows, []).messages(learned.heads()))


def evaluate_replies(rows: list[dict]) -> dict[str, Any]:
    return score_drafts(rows, Inputs([], rows).drafts(learned.heads()))


# ------------------------------------------------------------------------------ report
def column(m: dict | None, c: dict | None) -> dict[str, Any]:
    return {**(m or {}), **(c or {})}


def print_detail(name: str, m: dict, c: dict | None) -> None:
    print(f"\n=== {name}: {m['n']} messages" + (f", {c['n']} drafts" if c else "") + " ===")
    for lab, (p, r, f) in m["per_class"].items():
        print(f"  tone {lab:11s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    print("  confusion (rows gold, cols predicted: " + " ".join(LABELS) + ")")
    for g in LABELS:
        print(f"  {g:11s} " + " ".join(f"{m['confusion'][(g, p)]:4d}" for p in LABELS))
    if c:
        for k, (p, r, f) in c["per_flag"].items():
            print(f"  {k:28s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}")


def summary(cols: dict[str, dict[str, Any]]) -> None:
    names = list(cols)
    print("\n=== summary (* = below target) ===")
    print(f"{'figure':28s}" + "".join(f"{n:>12s}" for n in names) + "  target")
    for label, key, target, ok in TARGETS:
        cells = []
        for n in names:
            v = cols[n].get(key)
            if v is None:
                cells.append(f"{'-':>12s}")
                continue
            txt = f"{v}" if isinstance(v, int) else f"{v:.3f}"
            cells.append(f"{txt + ('' if ok is None else (' ' if ok(v) else '*')):>12s}")
        print(f"{label:28s}" + "".join(cells) + f"  {target}")


def timings(texts: list[str], drafts: list[dict]) -> None:
    from honeydesk.intelligence.analyze import analyze_draft, analyze_message

    for t in texts[:5]:
        analyze_message(t)
    runs = []
    for _ in range(3):
        start = time.process_time()
        for t in texts:
            analyze_message(t)
        runs.append(len(texts) / (time.process_time() - start))
    start = time.process_time()
    for r in drafts:
        analyze_draft(r["draft"], r["customer_message"])
    ms = (time.process_time() - start) * 1000 / max(len(drafts), 1)
    probe = (
        "import time;t=time.perf_counter();"
        "from honeydesk.intelligence.analyze import analyze_message,analyze_draft;"
        "analyze_message('you idiot');analyze_draft('Hi Sam, I will call you at 3pm.','my bill');"
        "print(time.perf_counter()-t)"
    )
    load = float(
        subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True).stdout
    )
    print(
        f"\n=== timings (one core, CPU time) ===\ntone + intake: {statistics.median(runs):,.0f} messages/s (median of 3 over {len(texts)}); coach {ms:.2f} ms/draft; cold load {load:.2f} s (`make bench` has the full benchmark)"
    )


def errors(rows: list[dict], preds: list[dict]) -> None:
    for r, p in zip(rows, preds, strict=True):
        diffs = [
            f"{k}: gold {r[k]} / got {p[k]}"
            for k in ("tone", "category", "best_channel", "goal_stated", "wants_supervisor", "supervisor_reason_given")
            if r[k] != p[k]
        ]
        if _flat(r["mentions"]) != _flat(p["facts"]):
            diffs.append(f"facts: gold {r['mentions']} / got {p['facts']}")
        if diffs:
            print(f"\n{r['id']}: {r['text'][:160]!r}")
            for d in diffs:
                print(f"    {d}")


def main(argv: list[str]) -> int:
    args = argv[1:]
    d = train.eval_dir()
    read = train.read_jsonl
    dev_m, dev_d = read(d / "messages-dev.jsonl"), read(d / "replies-dev.jsonl")
    bl_m, bl_d = read(train.BLIND / "messages-blind-train.jsonl"), read(train.BLIND / "replies-blind-train.jsonl")
    extra_m = read(train.BLIND / "messages-extra-train.jsonl")
    ho_m, ho_d = read(train.BLIND / "messages-blind-heldout.jsonl"), read(train.BLIND / "replies-blind-heldout.jsonl")
    hs = learned.heads()
    if "--errors" in args:
        split = args[args.index("--errors") + 1]
        rows = {"dev": dev_m, "heldout": ho_m, "blind-train": bl_m}.get(split) or read(d / f"messages-{split}.jsonl")
        errors(rows, Inputs(rows, []).messages(hs))
        return 0
    print(f"honeydesk intelligence eval - dev data: {d}; blind set: {train.BLIND}")
    cols: dict[str, dict[str, Any]] = {}
    inp_dev = Inputs(dev_m, dev_d)
    cols["dev"] = column(score_messages(dev_m, inp_dev.messages(hs)), score_drafts(dev_d, inp_dev.drafts(hs)))
    inp_ho = Inputs(ho_m, ho_d)
    rules_m = score_messages(ho_m, inp_ho.rules_only())
    rules_d = score_drafts(ho_d, inp_ho.coach)
    cols["rules(ho)"] = column(rules_m, rules_d)
    tr_m, tr_d = dev_m + bl_m + extra_m, dev_d + bl_d
    inp_tr = Inputs(tr_m, tr_d)
    cv_mp, cv_dp, info = cross_validate(tr_m, tr_d, inp_tr)
    cv_m, cv_d = score_messages(tr_m, cv_mp), score_drafts(tr_d, cv_dp)
    cols["cv"] = column(cv_m, cv_d)
    blind_idx = list(range(len(dev_m), len(dev_m) + len(bl_m)))
    cols["cv(blind)"] = column(
        score_messages([tr_m[i] for i in blind_idx], [cv_mp[i] for i in blind_idx]),
        score_drafts(bl_d, cv_dp[len(dev_d) :]),
    )
    ho_mres, ho_dres = score_messages(ho_m, inp_ho.messages(hs)), score_drafts(ho_d, inp_ho.drafts(hs))
    cols["held-out"] = column(ho_mres, ho_dres)
    print_detail("cv (dev + blind train, out-of-fold)", cv_m, cv_d)
    print_detail("held-out (blind, never trained on)", ho_mres, ho_dres)
    if (d / "messages-hid.jsonl").exists():
        hid_m = read(d / "messages-hid.jsonl")
        hid_d = read(d / "replies-hid.jsonl") if (d / "replies-hid.jsonl").exists() else []
        inp_hid = Inputs(hid_m, hid_d)
        hm, hd = (
            score_messages(hid_m, inp_hid.messages(hs)),
            (score_drafts(hid_d, inp_hid.drafts(hs)) if hid_d else None),
        )
        cols["hid"] = column(hm, hd)
        print_detail("hid (held-back split)", hm, hd)
    print(
        f"\ncv: {FOLDS} folds over {len(tr_m)} messages in {info['message_groups']} groups and {len(tr_d)} drafts in {info['draft_groups']} groups; "
        f"tone confidence ECE {info['tone_ece']:.3f}; obfuscated rows: held-out {ho_mres['obfuscated_n']}, cv {cv_m['obfuscated_n']}"
    )
    print("dev = trained on (not a measure); rules(ho) = rules alone on held-out; cv(blind) = the blind rows of cv")
    summary(cols)
    if "--no-timings" not in args and not os.environ.get("EVAL_NO_TIMINGS"):
        timings([str(r["text"]) for r in ho_m + bl_m], ho_d + bl_d)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
