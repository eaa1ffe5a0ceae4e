# ruff: noqa: RUF001, RUF003 - look-alike letters are the point of some strings
"""Reported speech (an insult someone else said, passed on calmly, is not abuse) and
condescension without an insult word (issue 14).

The tone definition (shared/eval/README.md): "An insult that is only reported (someone else
said it) rather than aimed at the reader is not abusive." The rule reads the frame
("<third party> <says/called> ... <insult>", patterns in data/lexicons/reported.txt) and,
when it holds, keeps the heads from calling the message abusive; the reason says why.
Written from the definition, not from eval rows.
"""

import pytest

from honeydesk.intelligence import lexdata
from honeydesk.intelligence.analyze import analyze_message
from honeydesk.intelligence.tone import REASON_LABELS, analyze_tone

# Calm by the definition. The heads alone read the first three as abusive (P(abusive) about
# 0.65 with the heads of 2026-12-07): the rule is what makes them calm.
QUOTED_CALMLY = [
    "My neighbour called your installer a useless idiot when he saw the cable across the lawn. "
    "Could you send someone to bury it properly?",
    "Just so you know, my husband said the man who came was a complete moron. I don't agree, he was "
    "polite. When is the next visit?",
    "My brother called your call centre staff brainless idiots, ha. Anyway, what's the price of the sports add-on?",
    "My son called the driver a pathetic loser for parking on the lawn. Sorry about that. Can you "
    "tell me when the parcel arrives?",
]


@pytest.mark.parametrize("text", QUOTED_CALMLY)
def test_a_calmly_passed_on_third_party_insult_reads_calm(text):
    res = analyze_message(text)
    assert res["tone"] == "calm", res["tone_probabilities"]
    reported = [r for r in res["tone_reasons"] if r["kind"] == "reported_insult"]
    assert reported, res["tone_reasons"]
    # The reason quotes the speaker and the words passed on.
    assert any(w.split()[0].lower() in {"my", "just"} or " " in w for r in reported for w in r["words"])


@pytest.mark.parametrize(
    "text",
    [
        "You useless idiot, send someone to bury the cable.",
        "Your installer is a moron and so are you. Send someone competent.",
        # A frame, then a clause break and the author's own insult at the reader.
        "Your engineer said it was fixed, you idiots. It is not.",
        # The author takes the insult as their own.
        "My neighbour called your installer an idiot and he's right. Send someone else.",
        # A rep's note: "He" opening the text is the caller, so these are the customer's words.
        'She said "you lot are thieving clowns" and wanted the late fee taken off.',
    ],
)
def test_an_insult_aimed_by_the_author_stays_abusive(text):
    res = analyze_message(text)
    assert res["tone"] == "abusive", (res["tone_probabilities"], res["tone_reasons"])
    assert not any(r["kind"] == "reported_insult" for r in res["tone_reasons"])


@pytest.mark.parametrize(
    "text",
    [
        "Yоu usеlеss іdіоt, sеnd sоmеоnе tо bury thе cable.",  # Cyrillic о е і
        "You use\u200bless id\u200biot, send some\u200bone to bury the cable.",  # zero-width spaces
        "My nеighbоur is finе. Yоu аrе а usеlеss іdіоt.",  # a third party named, the insult the author's
    ],
)
def test_look_alike_and_zero_width_abuse_stays_abusive(text):
    res = analyze_message(text)
    assert res["tone"] == "abusive"
    assert res["obfuscated"]


def test_the_tone_rules_give_the_reason_and_no_abuse():
    res = analyze_tone("My sister says your support reps are clowns. Could you post me a paper bill?")
    assert res.label != "abusive"
    words = [w for r in res.reasons if r.kind == "reported_insult" for w in r.words]
    assert words == ["My sister says your support reps are clowns"]
    assert "reported_insult" in REASON_LABELS


def test_the_patterns_are_data_with_a_comment_per_group():
    groups = lexdata.load("reported")
    assert set(groups) >= {"THIRD_PARTY_SPEAKERS", "NOT_THIRD_PARTY", "REPORTING_VERBS", "ENDORSEMENT"}
    assert all(groups.values())


# Condescension with no insult word is demeaning language aimed at the reader (README:
# "demeaning ... language aimed at the rep"); the same words not aimed at anyone stay calm.
@pytest.mark.parametrize(
    "text",
    [
        "Let me explain this slowly for you: the refund goes to the card I paid with.",
        'What part of "cancel my account" do you not understand?',
        "Even a child could work out that this charge is wrong. Who trained you?",
    ],
)
def test_condescension_at_the_reader_is_demeaning(text):
    res = analyze_tone(text)
    assert res.label == "abusive"
    assert any(r.kind == "demeaning" for r in res.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Could you explain the bill in a way a child could understand? Thanks!",
        "I am trying to keep up with my payments, can I spread the arrears over three months?",
    ],
)
def test_the_same_words_aimed_at_no_one_are_not_demeaning(text):
    res = analyze_tone(text)
    assert not any(r.kind == "demeaning" for r in res.reasons)
    assert analyze_message(text)["tone"] == "calm"
