# ruff: noqa: RUF001, RUF003 - homoglyphs are the point of these strings
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


# Abuse without swear words and veiled threats, in wording written for these tests (not eval rows).
NEW_ABUSE = [
    ("I know what time you finish your shift. Fix my bill.", "threat_of_harm", "know what time you finish"),
    ("Refund me or you won't like what happens next.", "threat_of_harm", "like what happens"),
    ("People have been hurt for less than forty dollars, you know.", "threat_of_harm", "hurt for less"),
    ("Do the world a favour and hand your headset to someone who can read.", "demeaning", "world a favour"),
    ("People like you shouldn't be allowed near a keyboard. Where is my parcel?", "demeaning", "like you"),
    ("I'll post your home address online if the router is not here by Friday.", "threat_of_harm", "home address"),
]


def _words(res, kind):
    return " ".join(w for r in res.reasons if r.kind == kind for w in r.words)


def _zero_width(text):
    return " ".join(w[:2] + "\u200b" + w[2:] if len(w) > 3 else w for w in text.split(" "))


def _homoglyph(text):
    return text.translate(str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с"}))


def test_it_flags_abuse_without_swear_words_and_points_at_the_words():
    for text, kind, word in NEW_ABUSE:
        for variant in (text, _zero_width(text), _homoglyph(text)):
            res = analyze_tone(variant)
            assert res.label == "abusive", variant
            quoted = _words(res, kind)
            assert word in normalize(quoted).lower(), (variant, res.reasons)
            assert quoted in variant  # quoted as typed, look-alikes and zero-width included


def test_it_keeps_strong_words_and_plain_complaints_out_of_abuse():
    for text in (
        "I'll be waiting for your call tomorrow.",
        "Please fix it by Friday, or else I will have to cancel.",
        "My son has a broken leg so we can't be home on the 14th. Can we move the visit?",
        "The loose cable on the stairs means someone might get hurt. Please send a tech.",
        "You'll be sorry to hear my husband passed away. Please close his account.",
        "I'm coming to your store on Monday to pay the bill and show them the receipt.",
        "Can you beat their price? The competitor offers $40.",
        "I hope you get what you need from the survey.",
        "This bill is killing me, can you explain the new fees?",
        "If this isn't fixed I'll post a review and report you to the FCC.",
    ):
        assert analyze_tone(text).label != "abusive", text
