# ruff: noqa: RUF001 - homoglyphs are the point of these strings
from honeydesk.intelligence.answers import ArticleIndex, rank_articles
from honeydesk.intelligence.intake import (
    channel_advice,
    extract_facts,
    goal_stated,
    predict_category,
    supervisor_request,
)


def test_it_extracts_facts_and_leaves_distractors_alone():
    text = (
        "Ticket 55120 and invoice INV-8812 are about my account 4471-2093-10 (ZIP 30301, "
        "phone ending 7781). I paid $42.15 on 3/12 but was charged 42.15 again on the 14th."
    )
    facts = extract_facts(text)
    assert facts["account_number"] == "4471-2093-10"
    assert facts["amount"] == ["$42.15", "42.15"]
    assert facts["date"] == ["3/12", "the 14th"]
    assert "order_number" not in facts


def test_it_keeps_spoken_and_obfuscated_values_as_written():
    facts = extract_facts("Um it went from forty to sixty-five dollars. Асcount is 5 5 1 0 2 9 3.")
    assert facts["amount"] == ["forty", "sixty-five dollars"]
    assert facts["account_number"] == "5 5 1 0 2 9 3"


def test_it_extracts_order_and_tracking_numbers():
    facts = extract_facts("Order #QX-20417 shipped, tracking 1Z 9A4 R22 01 7781 3321, nothing since.")
    assert facts["order_number"] == "QX-20417"
    assert facts["tracking_number"] == "1Z 9A4 R22 01 7781 3321"


def test_it_predicts_categories():
    assert predict_category("Please remove the sports package but keep everything else.") == "plan_change"
    assert predict_category("My internet has been down since this morning, send a tech.") == "repair_outage"
    assert predict_category("I want my money back for the week without service.") == "credit_request"
    assert predict_category("How much is the 1 gig plan with TV?") == "price_quote"
    assert predict_category("I'm locked out and the password reset never arrives.") == "account_access"


def test_it_detects_supervisor_requests_with_and_without_reason():
    assert supervisor_request("Put me through to a manager now.") == (True, False)
    assert supervisor_request("Nobody called me back twice, so I want a supervisor.") == (True, True)
    assert supervisor_request("No need for a supervisor, just fix the bill.")[0] is False
    assert supervisor_request("Please fix my bill.") == (False, None)


def test_it_tells_a_stated_goal_from_venting():
    assert goal_stated("Please send a technician tomorrow.")
    assert not goal_stated("Why is it so hard to get anything done with you people?")


def test_it_gives_channel_advice_by_rule():
    assert channel_advice("price_quote")[0] == "write"
    assert channel_advice("repair_outage")[0] == "call"
    assert channel_advice("account_access", "Someone changed my password, unlock it")[0] == "call"
    assert channel_advice("cancellation", "Cancel my plan and confirm in writing")[0] == "write"


def test_it_ranks_matching_articles_first():
    articles = [
        ("kb-1", "Reset your password", "Use the forgot-password link on the sign-in page."),
        ("kb-2", "Understanding your bill", "Each line of the statement explained, fees and taxes."),
        ("kb-3", "Returning equipment", "Drop your modem at any store and ask for a receipt."),
    ]
    ranked = rank_articles("what is this fee on my bill statement", articles, k=2)
    assert ranked[0][0] == "kb-2"
    index = ArticleIndex(articles)
    assert index.rank("forgot my password")[0][0] == "kb-1"
    index.rebuild(articles[2:])
    assert index.rank("return modem")[0][0] == "kb-3"
