"""The wording of the tone reader, the promise finder and the answer library is data.

Every group ``lexicons.py`` reads is in its file with a comment and entries, nothing in the
files is left unread, and a line added to a data file changes what the rules recognise: the
last test edits a copy of ``data/lexicons`` and runs the rules on it in a fresh interpreter,
so it fails if the wording goes back into Python.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from honeydesk.intelligence import lexicons as lx
from honeydesk.intelligence.answers import tokens
from honeydesk.intelligence.lexdata import LEXICONS, load
from honeydesk.intelligence.promises import find_promise
from honeydesk.intelligence.tone import analyze_tone

ROOT = Path(__file__).resolve().parents[3]
SOURCE = Path(lx.__file__).read_text(encoding="utf-8")
# The groups lexicons.py reads: _tone("NAME"), _reported("NAME"), _promises(...), _answers(...).
READ = sorted(set(re.findall(r'\b_(tone|reported|promises|answers)\("(\w+)"\)', SOURCE)))
FILES = sorted({name for name, _ in READ})


def test_lexicons_reads_each_of_the_four_files() -> None:
    assert FILES == ["answers", "promises", "reported", "tone"]
    assert len(READ) > 60


@pytest.mark.parametrize(("name", "group"), READ, ids=[f"{n}:{g}" for n, g in READ])
def test_every_group_read_is_in_its_file_with_a_comment_and_entries(name: str, group: str) -> None:
    assert load(name)[group], f"[{group}] in {name}.txt has no entries"
    lines = [ln.strip() for ln in (LEXICONS / f"{name}.txt").read_text(encoding="utf-8").splitlines()]
    above = [ln for ln in lines[: lines.index(f"[{group}]")] if ln]
    assert above and above[-1].startswith("#"), f"[{group}] in {name}.txt needs a comment saying what it is for"


@pytest.mark.parametrize("name", ["tone", "reported", "promises", "answers"])
def test_no_group_in_the_files_is_left_unread(name: str) -> None:
    code = "\n".join(p.read_text(encoding="utf-8") for p in Path(lx.__file__).parent.glob("*.py"))
    unread = [g for g in load(name) if (name, g) not in READ and f'"{g}"' not in code]
    assert not unread, f"{name}.txt groups no code reads: {unread}"


def test_weak_frustration_cues_are_frustration_cues() -> None:
    # An entry copied wrongly into [WEAK_FRUSTRATION] would silently score 2 instead of 1.
    assert set(lx.WEAK_FRUSTRATION) <= set(lx.FRUSTRATION)
    assert r"(?:still|yet again|again)\b" in lx.FRUSTRATION  # tone._STILL_GROUP looks it up


def test_after_word_writes_contractions_onto_the_word() -> None:
    assert lx.after_word(["'re", "are", "were"]) == "'re| are| were"
    assert lx.either(["b", "aa"]) == "b|aa"  # file order, unlike alt()


# One new line per file, as a person would add it, and a message each line should change.
ADDED = {
    "tone.txt": {"FILLER": "proper", "ADDRESS_LEAD": "oi", "REPEAT_COUNTS": "umpteen times"},
    "reported.txt": {"BEFORE_INSULT_VERBS": "whispered"},
    "promises.txt": {"COMMITMENT": "let me"},
    "answers.txt": {"STOP_WORDS": "router"},
}
TZ = ZoneInfo("Europe/London")
NOW = datetime(2026, 12, 2, 11, 0, tzinfo=TZ)
INSULT = "you proper idiot, send it again"
ADDRESS = "Oi, sweetheart, send the form."
REPEAT = "I have called umpteen times about the bill."
REPORTED = "My neighbour whispered that you are all morons."
PROMISE = "Let me call you back at 3pm."
QUESTION = "reset the router"

PROBE = f"""
import json, sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo
from honeydesk.intelligence import lexdata
lexdata.LEXICONS = Path(sys.argv[1])
from honeydesk.intelligence.tone import analyze_tone
from honeydesk.intelligence.promises import find_promise
from honeydesk.intelligence.answers import tokens
reasons = lambda t: {{r.kind: r.words for r in analyze_tone(t).reasons}}
tz = ZoneInfo("Europe/London")
p = find_promise({PROMISE!r}, datetime(2026, 12, 2, 11, 0, tzinfo=tz), tz)
print(json.dumps({{
    "insult": reasons({INSULT!r}).get("insult"),
    "address": reasons({ADDRESS!r}).get("demeaning"),
    "repeat": reasons({REPEAT!r}).get("unhappiness"),
    "reported": analyze_tone({REPORTED!r}).label,
    "promise": p and p.kind,
    "tokens": tokens({QUESTION!r}),
}}))
"""


def _reasons(text: str) -> dict[str, list[str]]:
    return {r.kind: r.words for r in analyze_tone(text).reasons}


def test_a_line_added_to_a_data_file_is_recognised(tmp_path: Path) -> None:
    # The shipped lists do not know these words yet...
    assert _reasons(INSULT)["insult"] == ["idiot"]
    assert "demeaning" not in _reasons(ADDRESS)
    assert _reasons(REPEAT)["unhappiness"] == ["I have called"]
    assert analyze_tone(REPORTED).label == "abusive"
    assert find_promise(PROMISE, NOW, TZ) is None
    assert tokens(QUESTION) == ["reset", "router"]

    # ...and a copy of the data files with one more line per group does.
    data = tmp_path / "lexicons"
    shutil.copytree(LEXICONS, data)
    for filename, lines in ADDED.items():
        path = data / filename
        text = path.read_text(encoding="utf-8")
        for group, line in lines.items():
            assert f"\n[{group}]\n" in text
            text = text.replace(f"\n[{group}]\n", f"\n[{group}]\n{line}\n")
        path.write_text(text, encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(data)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    got = json.loads(out.stdout)
    assert got["insult"] == ["you proper idiot"]
    assert got["address"] == ["Oi, sweetheart"]
    assert got["repeat"] == ["I have called", "called umpteen times"]
    assert got["reported"] != "abusive"
    assert got["promise"] == "call"
    assert got["tokens"] == ["reset"]
