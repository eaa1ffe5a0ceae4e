# ruff: noqa: RUF001, RUF003 - homoglyphs are the point of these strings
import pytest

from honeydesk.intelligence.normalize import analysis_text, is_obfuscated, normalize
from honeydesk.intelligence.tone import analyze_tone


def test_it_maps_cyrillic_homoglyphs_and_strips_zero_width():
    raw = "Yоu аrе а clu\u200bеlеss fооl"  # Cyrillic о а е plus a zero-width space
    assert normalize(raw) == "You are a clueless fool"
    assert is_obfuscated(raw)
    assert not is_obfuscated("plain ascii text")


def test_it_points_back_at_the_original_words():
    raw = "you m\u200bоrоn"
    at = analysis_text(raw)
    start = at.key.index("moron")
    assert at.raw_slice(start, start + 5) == "m\u200bоrоn"


def test_it_flags_abuse_with_reasons_quoting_the_words():
    res = analyze_tone("Listen, you brainless clown, put the money back on my card.")
    assert res.label == "abusive"
    words = [w for r in res.reasons if r.kind == "insult" for w in r.words]
    assert any("clown" in w for w in words)


def test_it_flags_obfuscated_abuse():
    res = analyze_tone("Yоu аrе а usеlеss іd\u200biоt and I want my refund")
    assert res.label == "abusive"
    assert res.reasons[0].words[0].startswith("Y")  # quoted as typed, homoglyphs included


def test_it_flags_veiled_threats_of_harm():
    res = analyze_tone("Tell your driver that if he blocks my driveway again he'll get hurt.")
    assert res.label == "abusive"
    assert any(r.kind == "threat_of_harm" for r in res.reasons)


@pytest.mark.parametrize(
    "text",
    [
        "Can you beat your competitor's price on the 500 Mbps plan?",
        "I'll be waiting for your confirmation email. Kind regards, Tom",
        "Anything about his line should come to me by email, or else by text. Thanks!",
        "If it's what I think, then or else I'll just switch to e-bills.",
    ],
)
def test_a_threat_word_inside_a_longer_word_or_phrase_is_no_threat(text):
    res = analyze_tone(text)
    assert not any(r.kind == "threat_of_harm" for r in res.reasons), res.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Fix my line by Friday, or else.",
        "I know where you work. I'll be waiting for you.",
        "I will beat you senseless.",
    ],
)
def test_the_same_words_aimed_at_a_person_stay_a_threat(text):
    res = analyze_tone(text)
    assert res.label == "abusive"
    assert any(r.kind == "threat_of_harm" for r in res.reasons)


def test_it_keeps_capitalised_reference_numbers_calm():
    res = analyze_tone(
        "Hello, my reference is ACCT 4410-22 and the payment is due JUNE 4. Could you confirm the amount?"
    )
    assert res.label == "calm"


def test_it_treats_profanity_at_a_thing_as_frustrated():
    res = analyze_tone("This stupid damn router drops out every evening. What else can I try?")
    assert res.label == "frustrated"
    assert any(r.kind == "profanity_at_thing" for r in res.reasons)


def test_it_reads_a_regulator_threat_as_angry():
    res = analyze_tone(
        "Fix the billing error this week or I will be filing a complaint with the public utility commission."
    )
    assert res.label == "angry"
    assert any(r.kind == "regulator_threat" for r in res.reasons)


def test_it_does_not_treat_a_mere_regulator_mention_as_a_threat():
    res = analyze_tone("Is the FCC fee on my bill the same for every customer?")
    assert res.label == "calm"


def test_it_does_not_count_a_reported_insult_as_abuse():
    res = analyze_tone("My neighbour called me an idiot for paying this bill. Can you explain the charge?")
    assert res.label != "abusive"


def test_it_reads_shouting_as_angry():
    assert analyze_tone("MY PHONE HAS NOT WORKED FOR A WEEK AND NOBODY CARES").label == "angry"


def test_it_reads_polite_sarcasm_as_angry():
    res = analyze_tone("Oh wonderful, another missed appointment. Thanks so much for wasting my whole day.")
    assert res.label == "angry"
