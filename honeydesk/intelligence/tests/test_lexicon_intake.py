"""Intake's word lists are data (data/lexicons/intake.txt), weighted request-type cues included.

"Word lists and phrase patterns live in data files with one comment per entry group saying
what it is for ...; a person adds a new insult or a new way of asking for a supervisor
without reading code." The cues carry a weight in their group header
(``[credit_request.refund weight 3]``, see ``lexdata``).
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from honeydesk.intelligence import intake, lexdata
from honeydesk.intelligence.lexdata import LexiconError

ROOT = Path(__file__).resolve().parents[3]

WEIGHTED = """
# Intro comments are fine.

# Asking for a refund.
[credit_request.refund weight 3]
\\brefund

# A credit on the account.
[credit_request.credit weight 2.5]
\\bcredit me
\\bgoodwill credit

# Leaving.
[cancellation.cancel weight 0.5]
\\bcancel

# A plain phrase list: no weight.
[SUPERVISOR_WORDS]
supervisor
"""
WEIGHTED += "how (?:do|can)\\ \n"  # an entry that ends in a space


def test_weighted_groups_parse_with_weights_in_file_order():
    groups = lexdata.parse(WEIGHTED)
    assert list(groups) == ["credit_request.refund", "credit_request.credit", "cancellation.cancel", "SUPERVISOR_WORDS"]
    assert groups["credit_request.credit"] == lexdata.Group((r"\bcredit me", r"\bgoodwill credit"), 2.5)
    assert groups["cancellation.cancel"].weight == 0.5
    assert groups["SUPERVISOR_WORDS"].weight is None
    # "\ " at the end of an entry is a space (also once an editor has trimmed the line).
    assert groups["SUPERVISOR_WORDS"].entries == ("supervisor", "how (?:do|can) ")
    assert lexdata.parse("# c\n[G]\nhow (?:do|can)\\\n")["G"].entries == ("how (?:do|can) ",)
    assert lexdata.parse("# c\n[G]\nends in a backslash\\\\\n")["G"].entries == ("ends in a backslash\\\\",)
    assert intake.category_cues(groups) == {
        "credit_request": [(r"\brefund", 3.0), (r"\bcredit me|\bgoodwill credit", 2.5)],
        "cancellation": [(r"\bcancel", 0.5)],
    }


def test_the_shipped_cues_are_the_file():
    assert intake.category_cues(lexdata.read("intake")) == intake._CATEGORY_CUES
    assert list(intake._CATEGORY_CUES) == [
        "credit_request",
        "cancellation",
        "plan_change",
        "price_quote",
        "billing_explanation",
        "repair_outage",
        "order_tracking",
        "account_access",
        "complaint_about_service_rep",
        "general_question",
    ]
    assert intake._CATEGORY_CUES["credit_request"][0] == (r"\brefund", 3.0)
    assert all(g.entries for g in lexdata.read("intake").values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[credit_request.refund weight 3]\n\\brefund\n", "needs a comment line above it"),
        ("# c\n[credit_request.refund weight high]\n", "should be [name] or [name weight N]"),
        ("# c\n[credit_request.refund 3]\n", "should be [name] or [name weight N]"),
        ("# c\n[credit_request.refund weight 3 extra]\n", "should be [name] or [name weight N]"),
        ("# c\n[credit_request.refund weight nan]\n", "should be [name] or [name weight N]"),
        ("# c\n[A]\nx\n# c\n[A weight 2]\n", "appears twice"),
    ],
)
def test_malformed_lexicons_say_what_is_wrong(text, message):
    with pytest.raises(LexiconError, match=message.replace("[", r"\[").replace("]", r"\]")) as info:
        lexdata.parse(text, "intake.txt")
    assert str(info.value).startswith("intake.txt:")


@pytest.mark.parametrize(
    "text",
    [
        "# c\n[credit_requests.refund weight 3]\nx\n",  # not a category
        "# c\n[credit_request.refund]\nx\n",  # a cue without a weight
        "# c\n[REFUND weight 3]\nx\n",  # a weight without a category
    ],
)
def test_a_cue_group_needs_a_category_and_a_weight(text):
    with pytest.raises(LexiconError, match=r"should be \[category.cue weight N\]"):
        intake.category_cues(lexdata.parse(text))


def test_cue_entries_start_at_a_word():
    with pytest.raises(LexiconError, match=r"every entry starts with \\b"):
        intake.category_cues(lexdata.parse("# c\n[credit_request.refund weight 3]\n\\brefund\nmoney back\n"))


# Each text is read by a fresh interpreter whose lexicon directory is a copy of the shipped
# one plus the lines below: what it recognises comes from the data, not from intake.py.
ADDED = """

# Test: a chargeback is a refund through the card company.
[credit_request.chargeback weight 3]
\\bchargebacks?

# Test: a courier is about a delivery.
[order_tracking.courier weight 2]
\\bcourier
"""
PROBE = """
import json, sys
from pathlib import Path
from honeydesk.intelligence import lexdata
lexdata.LEXICONS = Path(sys.argv[1])
from honeydesk.intelligence import intake
texts = json.loads(sys.argv[2])
print(json.dumps([[intake.predict_category(t), intake.supervisor_request(t)] for t in texts]))
"""
TEXTS = [
    "I will be filing a chargeback for this month.",
    "The courier left it at the wrong house.",
    "Put the head honcho on the phone now.",
    "I want a supervisor, I've been passed from pillar to post.",
]


def _read_with(lexicons: Path) -> list[list[object]]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(lexicons), json.dumps(TEXTS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_an_added_cue_or_supervisor_word_is_recognised(tmp_path):
    shutil.copytree(lexdata.LEXICONS, tmp_path, dirs_exist_ok=True)
    assert _read_with(tmp_path) == [
        ["general_question", [False, None]],
        ["general_question", [False, None]],
        ["general_question", [False, None]],
        ["complaint_about_service_rep", [True, False]],
    ]
    path = tmp_path / "intake.txt"
    text = path.read_text(encoding="utf-8")
    text = text.replace("[SUPERVISOR_WORDS]\n", "[SUPERVISOR_WORDS]\nhead honcho\n")
    text = text.replace("[SUPERVISOR_REASONS]\n", "[SUPERVISOR_REASONS]\n\\bpillar to post\n")
    general = text.index("# ======== General questions")  # keep the categories' cues together
    path.write_text(text[:general] + ADDED.lstrip("\n") + "\n" + text[general:], encoding="utf-8")
    assert _read_with(tmp_path) == [
        ["credit_request", [False, None]],
        ["order_tracking", [False, None]],
        ["general_question", [True, False]],
        ["complaint_about_service_rep", [True, True]],
    ]


def test_no_group_in_the_intake_file_is_left_unread():
    # A group nobody reads looks like a rule to the person editing the file and does nothing.
    code = (ROOT / "honeydesk" / "intelligence" / "intake.py").read_text()
    unread = [
        name for name, group in lexdata.read("intake").items() if group.weight is None and f'_alt("{name}")' not in code
    ]
    assert not unread, f"intake.txt groups intake.py does not read: {unread}"
