from honeydesk.intelligence.coach import coach_reply


def test_it_flags_blame():
    res = coach_reply(
        "You should have checked the box at checkout, so the extra fee stays.", "Why was I charged a fee?"
    )
    assert res.flags["blames_customer"].value
    assert res.grade == "poor"


def test_it_flags_policy_hiding():
    res = coach_reply("Per policy we cannot reverse that charge.", "Please reverse the roaming charge.")
    assert res.flags["defensive_or_policy_hiding"].found == "Per policy"
    assert res.grade == "poor"


def test_it_flags_jargon():
    res = coach_reply("Your ONT shows packet loss; we will reprovision it.", "My fiber keeps dropping.")
    assert res.flags["jargon"].value


def test_it_recognises_ownership_time_and_name():
    res = coach_reply(
        "Hi Priya, I'm sorry the engineer missed Tuesday's visit; I know how frustrating that is. "
        "I've booked a new visit for Friday 9-11am and I will call you at 8:30am that morning.",
        "The engineer never came on Tuesday.",
    )
    assert res.flags["takes_ownership"].value
    assert res.flags["concrete_next_step"].value
    assert res.flags["next_step_has_time"].value
    assert res.flags["uses_customer_name"].found == "Priya"
    assert res.flags["acknowledges_problem"].value
    assert res.grade == "excellent"


def test_it_does_not_count_a_hand_off_as_ownership():
    res = coach_reply("I'll pass this on to the billing team and someone will reach out.", "My bill is wrong.")
    assert not res.flags["takes_ownership"].value
    assert not res.flags["concrete_next_step"].value


def test_it_ignores_unfilled_name_placeholders():
    res = coach_reply("Hi [Name], thanks for your message.", "Where is my order?")
    assert not res.flags["uses_customer_name"].value


def test_it_uses_a_passed_customer_name():
    res = coach_reply("Thanks Mr Lindqvist, I've refunded it.", "refund please", customer_name="Erik Lindqvist")
    assert res.flags["uses_customer_name"].found == "Lindqvist"


def test_it_says_soon_is_not_a_time():
    res = coach_reply("I've escalated your case and we will fix it soon.", "My line is dead.")
    assert not res.flags["next_step_has_time"].value
