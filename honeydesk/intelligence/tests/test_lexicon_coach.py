"""The reply coach's word lists and phrase patterns are data (data/lexicons/coach.txt).

Every group coach.py reads is in the file with entries, and a line added to a group is
recognised by a fresh copy of coach.py with no change to its code.
"""

import importlib.util
import sys

import pytest

from honeydesk.intelligence import coach, lexdata


def _fresh_coach(monkeypatch, added=None):
    """coach.py executed anew, reading its groups through lexdata.group with ``added``
    ({group: [extra lines]}) appended to the file's entries. Returns (module, groups read)."""
    real_group = lexdata.group
    read = []

    def group(name, group_name):
        assert name == "coach"
        read.append(group_name)
        return real_group(name, group_name) + tuple((added or {}).get(group_name, ()))

    monkeypatch.setattr(lexdata, "group", group)
    name = "honeydesk.intelligence._coach_from_data"
    spec = importlib.util.spec_from_file_location(name, coach.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module, read


def test_every_group_the_coach_reads_is_in_the_file_with_entries(monkeypatch):
    _, read = _fresh_coach(monkeypatch)
    groups = lexdata.load("coach")
    assert {"EMPATHY", "HANDOFF", "OWN", "TIME", "BLAME", "JARGON", "STOP_WORDS", "SYNONYMS"} <= set(read)
    # Nothing read is missing, and nothing in the file is left unread.
    assert set(read) == set(groups)
    assert all(groups[g] for g in read)


def test_the_module_in_use_is_built_from_the_file():
    assert coach._EMPATHY_RE.pattern == "|".join(lexdata.group("coach", "EMPATHY"))
    assert frozenset(lexdata.group("coach", "STOP_WORDS")) == coach._STOP


@pytest.mark.parametrize(
    ("group", "line", "draft", "flag", "found"),
    [
        # A new way of blaming the customer (a regex fragment, matched ignoring case).
        (
            "BLAME",
            r"\byou clearly ignored\b",
            "You clearly ignored our e-mails.",
            "blames_customer",
            "You clearly ignored",
        ),
        # New jargon: whole words, matched as written.
        ("JARGON", "VLAN", "Hi Sam, your VLAN tag was wrong, I've fixed it.", "jargon", "VLAN"),
        # A plain word that is not a name ("Hi Folks," is a greeting, not a customer called Folks).
        ("NOT_NAMES", "folks", "Hi Folks, I've refunded the fee.", "uses_customer_name", None),
    ],
)
def test_a_line_added_to_a_group_changes_what_the_coach_recognises(monkeypatch, group, line, draft, flag, found):
    before = coach.coach_reply(draft, "Why was I charged?").flags[flag].found
    assert before != found  # the current lists do not already give the answer
    fresh, _ = _fresh_coach(monkeypatch, {group: [line]})
    assert fresh.coach_reply(draft, "Why was I charged?").flags[flag].found == found


def test_jargon_keeps_its_case():
    assert coach.coach_reply("Your CPE is fine.").flags["jargon"].found == "CPE"
    assert coach.coach_reply("Your cpe is fine.").flags["jargon"].found is None
