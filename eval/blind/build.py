"""Build the blind evaluation set from its hand-written sources, and check it.

The sources in ``eval/blind/src/`` are written one row per line so that a person can write
many rows quickly and the mention labels cannot drift from the text:

messages (``messages-*.txt``)::

    <channel> <tone> <category> <best_channel> [flags...] | <text> | <notes>

    channel   em (email), po (portal), cn (call_note), ch (chat)
    tone      C calm, F frustrated, A angry, X abusive
    category  bill quote plan repair credit track cancel access rep gen
    flags     sup+ (wants a supervisor, reason given), sup- (wants one, bare demand),
              nogoal (goal_stated false), grp=NAME (variants of one another),
              obf=h (Cyrillic look-alike letters applied to the readable text),
              obf=z (zero-width characters inserted inside words)
    text      "\\n" is a line break; a mention is written {key:value} with key one of
              acct order track amt date, and is kept as plain text in the row

replies (``replies-*.txt``)::

    <quality> [flags...] | <customer message> | <draft> | <notes>

    quality   poor fair good excellent
    flags     the coach flags that are TRUE, by short name: ack emp val own step time name
              blame def jargon (every other flag is false)

``python eval/blind/build.py`` writes ``messages-blind-{train,heldout}.jsonl`` and
``replies-blind-{train,heldout}.jsonl`` (the held-out 30% is never read by training code)
and exits non-zero on any invalid row (unknown code, a mention that is not an exact
substring, a supervisor reason without a request, a draft with a time but no step).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

CHANNELS = {"em": "email", "po": "portal", "cn": "call_note", "ch": "chat"}
TONES = {"C": "calm", "F": "frustrated", "A": "angry", "X": "abusive"}
CATEGORIES = {
    "bill": "billing_explanation",
    "quote": "price_quote",
    "plan": "plan_change",
    "repair": "repair_outage",
    "credit": "credit_request",
    "track": "order_tracking",
    "cancel": "cancellation",
    "access": "account_access",
    "rep": "complaint_about_service_rep",
    "gen": "general_question",
}
RULE_CHANNEL = {
    "billing_explanation": "write",
    "price_quote": "write",
    "plan_change": "write",
    "order_tracking": "write",
    "general_question": "write",
    "repair_outage": "call",
    "credit_request": "call",
}
MENTION_KEYS = {
    "acct": "account_number",
    "order": "order_number",
    "track": "tracking_number",
    "amt": "amount",
    "date": "date",
}
REPLY_FLAGS = {
    "ack": "acknowledges_problem",
    "emp": "empathy_or_apology",
    "val": "validates_feelings",
    "own": "takes_ownership",
    "step": "concrete_next_step",
    "time": "next_step_has_time",
    "name": "uses_customer_name",
    "blame": "blames_customer",
    "def": "defensive_or_policy_hiding",
    "jargon": "jargon",
}
QUALITIES = ("poor", "fair", "good", "excellent")

# Cyrillic letters that look like Latin ones (the README lists a e o p c y i and some capitals).
HOMOGLYPHS = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "y": "\u0443",
    "i": "\u0456",
    "A": "\u0410",
    "E": "\u0415",
    "O": "\u041e",
    "P": "\u0420",
    "C": "\u0421",
    "T": "\u0422",
    "H": "\u041d",
    "K": "\u041a",
    "M": "\u041c",
    "B": "\u0412",
    "X": "\u0425",
}
ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\ufeff")
MENTION_RE = re.compile(r"\{(acct|order|track|amt|date):([^{}]+)\}")


class BadRow(ValueError):
    pass


def _obfuscate(plain: str, kind: str, rng: random.Random) -> str:
    """Obfuscate letters of ``plain`` (a stretch of text outside any mention)."""
    out = []
    for word in re.split(r"(\s+)", plain):
        if not word.strip() or not re.search(r"[A-Za-z]{3,}", word):
            out.append(word)
            continue
        if kind == "h":
            chars = [HOMOGLYPHS[ch] if ch in HOMOGLYPHS and rng.random() < 0.55 else ch for ch in word]
            out.append("".join(chars))
        else:
            letters = [i for i, ch in enumerate(word) if ch.isalpha()]
            if len(letters) >= 4 and rng.random() < 0.6:
                cut = rng.choice(letters[1:-1])
                word = word[:cut] + rng.choice(ZERO_WIDTH) + word[cut:]
            out.append(word)
    return "".join(out)


def _render(text: str, obf: str | None, rng: random.Random) -> tuple[str, dict[str, list[str]]]:
    text = text.replace("\\n", "\n")
    pieces: list[str] = []
    found: dict[str, list[str]] = {}
    pos = 0
    for m in MENTION_RE.finditer(text):
        plain = text[pos : m.start()]
        pieces.append(_obfuscate(plain, obf, rng) if obf else plain)
        key, value = MENTION_KEYS[m.group(1)], m.group(2)
        pieces.append(value)
        values = found.setdefault(key, [])
        if value not in values:
            values.append(value)
        pos = m.end()
    tail = text[pos:]
    pieces.append(_obfuscate(tail, obf, rng) if obf else tail)
    rendered = "".join(pieces)
    if "{" in rendered or "}" in rendered:
        raise BadRow(f"stray brace in {rendered!r}")
    return rendered, found


def parse_message(line: str, number: int, rng: random.Random) -> dict[str, object]:
    parts = [p.strip() for p in line.split(" | ")]
    if len(parts) not in (2, 3):
        raise BadRow(f"expected 'meta | text | notes', got {len(parts)} parts")
    meta, text = parts[0].split(), parts[1]
    notes = parts[2] if len(parts) == 3 else ""
    if len(meta) < 4:
        raise BadRow("meta needs channel tone category best_channel")
    ch, tone, cat, best = meta[:4]
    if ch not in CHANNELS or tone not in TONES or cat not in CATEGORIES:
        raise BadRow(f"unknown code in {meta[:4]}")
    if best not in ("write", "call"):
        raise BadRow(f"best_channel {best!r}")
    category = CATEGORIES[cat]
    if category in RULE_CHANNEL and RULE_CHANNEL[category] != best and "asks" not in notes:
        raise BadRow(f"{category} is {RULE_CHANNEL[category]} by rule")
    if category not in RULE_CHANNEL and not notes:
        raise BadRow(f"{category} needs a note giving the channel reason")
    wants, reason, goal, group, obf = False, None, True, None, None
    for flag in meta[4:]:
        if flag == "sup+":
            wants, reason = True, True
        elif flag == "sup-":
            wants, reason = True, False
        elif flag == "nogoal":
            goal = False
        elif flag.startswith("grp="):
            group = flag[4:]
        elif flag in ("obf=h", "obf=z"):
            obf = flag[-1]
        else:
            raise BadRow(f"unknown flag {flag!r}")
    rendered, found = _render(text, obf, rng)
    mentions: dict[str, object] = {}
    for key, values in found.items():
        for v in values:
            if v not in rendered:
                raise BadRow(f"mention {v!r} is not a substring")
        mentions[key] = values[0] if len(values) == 1 else values
    if obf:
        notes = ("[homoglyph] " if obf == "h" else "[zero-width] ") + notes
    row: dict[str, object] = {
        "id": f"m-bl-{number:04d}",
        "channel": CHANNELS[ch],
        "text": rendered,
        "tone": TONES[tone],
        "category": category,
        "best_channel": best,
        "mentions": mentions,
        "wants_supervisor": wants,
        "supervisor_reason_given": reason,
        "goal_stated": goal,
        "notes": notes.strip(),
    }
    if group:
        row["group"] = group
    return row


def parse_reply(line: str, number: int) -> dict[str, object]:
    parts = [p.strip() for p in line.split(" | ")]
    if len(parts) not in (3, 4):
        raise BadRow(f"expected 'meta | message | draft | notes', got {len(parts)} parts")
    meta = parts[0].split()
    if not meta or meta[0] not in QUALITIES:
        raise BadRow(f"quality {meta[:1]}")
    flags = {name: False for name in REPLY_FLAGS.values()}
    group = None
    for f in meta[1:]:
        if f.startswith("grp="):
            group = f[4:]
        elif f in REPLY_FLAGS:
            flags[REPLY_FLAGS[f]] = True
        else:
            raise BadRow(f"unknown reply flag {f!r}")
    if flags["next_step_has_time"] and not flags["concrete_next_step"]:
        raise BadRow("a time needs a concrete step")
    q = meta[0]
    if q in ("good", "excellent") and not (
        flags["acknowledges_problem"] and flags["takes_ownership"] and flags["concrete_next_step"]
    ):
        raise BadRow(f"{q} needs ack, own and step")
    if q in ("good", "excellent") and (flags["blames_customer"] or flags["defensive_or_policy_hiding"]):
        raise BadRow(f"{q} cannot blame or be defensive")
    row: dict[str, object] = {
        "id": f"r-bl-{number:04d}",
        "customer_message": parts[1].replace("\\n", "\n"),
        "draft": parts[2].replace("\\n", "\n"),
        **flags,
        "quality": q,
        "notes": parts[3] if len(parts) == 4 else "",
    }
    if group:
        row["group"] = group
    return row


def _heldout_ids(rows: list[dict[str, object]], strata: tuple[str, ...]) -> set[object]:
    """A fixed 30% of rows, stratified: rows are ordered by their labels (and a hash of
    their id inside a stratum) and every 10th, 10th+3rd and 10th+6th row is held out. Rows of
    one ``group`` go together, to the side of the group's first row."""

    def key(row: dict[str, object]) -> tuple[str, ...]:
        digest = hashlib.sha1(str(row.get("group") or row["id"]).encode(), usedforsecurity=False).hexdigest()
        return (*(str(row[s]) for s in strata), digest)

    held: set[object] = set()
    side: dict[str, bool] = {}
    for k, row in enumerate(sorted(rows, key=key)):
        group = str(row.get("group") or row["id"])
        if group not in side:
            side[group] = k % 10 in (0, 3, 6)
        if side[group]:
            held.add(row["id"])
    return held


def _lines(pattern: str, folder: Path = SRC) -> list[tuple[str, int, str]]:
    out = []
    for path in sorted(folder.glob(pattern)):
        for i, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if raw.strip() and not raw.startswith("#"):
                out.append((path.name, i, raw))
    return out


def main() -> int:
    rng = random.Random(20240614)
    errors = []
    messages, replies = [], []
    for name, i, raw in _lines("messages-*.txt"):
        try:
            messages.append(parse_message(raw, len(messages) + 1, rng))
        except BadRow as exc:
            errors.append(f"{name}:{i}: {exc}")
    for name, i, raw in _lines("replies-*.txt"):
        try:
            replies.append(parse_reply(raw, len(replies) + 1))
        except BadRow as exc:
            errors.append(f"{name}:{i}: {exc}")
    # Extra training rows (src-extra/), written after the code was read: training only,
    # never held out, never part of the blind measurement.
    extra = []
    for name, i, raw in _lines("messages-extra-*.txt", HERE / "src-extra"):
        try:
            row = parse_message(raw, len(extra) + 1, rng)
            row["id"] = str(row["id"]).replace("m-bl-", "m-bx-")
            extra.append(row)
        except BadRow as exc:
            errors.append(f"{name}:{i}: {exc}")
    texts = [str(m["text"]).lower() for m in messages + extra]
    if len(set(texts)) != len(texts):
        errors.append("duplicate message text")
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        return 1
    for stem, rows, strata in (
        ("messages", messages, ("tone", "category")),
        ("replies", replies, ("quality",)),
    ):
        heldout = _heldout_ids(rows, strata)
        for part, keep in (("train", False), ("heldout", True)):
            with open(HERE / f"{stem}-blind-{part}.jsonl", "w", encoding="utf-8") as fh:
                for row in rows:
                    if (row["id"] in heldout) == keep:
                        fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with open(HERE / "messages-extra-train.jsonl", "w", encoding="utf-8") as fh:
        for row in extra:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    from collections import Counter

    print(f"{len(messages)} messages, {len(replies)} replies")
    for key in ("tone", "category", "best_channel", "channel", "wants_supervisor", "goal_stated"):
        print(key, dict(Counter(str(m[key]) for m in messages)))
    print("mentions", dict(Counter(k for m in messages for k in m["mentions"])))  # type: ignore[attr-defined]
    print("obfuscated", sum(1 for m in messages if str(m["notes"]).startswith("[")))
    print("quality", dict(Counter(str(r["quality"]) for r in replies)))
    print("flags", {f: sum(1 for r in replies if r[f]) for f in REPLY_FLAGS.values()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
