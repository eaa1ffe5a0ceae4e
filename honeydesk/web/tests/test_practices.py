"""Rep protection, the listening coach, answer suggestions and intake pre-fill, as the
workspace and portal show them."""

from honeydesk.cases import actions
from honeydesk.cases.models import Escalation, RequestType, TimelineEntry
from honeydesk.channels.email.models import Message
from honeydesk.intelligence.models import Article

ABUSE = "You are a useless idiot and your whole team are brainless drones. Fix my bill."


def _write(cast, body, case=None):
    return actions.do_add_reply(case or cast.alice_case, body=body, acting_user=cast.alice, channel="portal")


def test_it_flags_abusive_messages_and_masks_them_on_the_case(cast):
    entry = _write(cast, ABUSE)
    assert entry.data["analysis"]["tone"] == "abusive"
    assert any(r["kind"] == "insult" for r in entry.data["analysis"]["reasons"])
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    masked = page.index("It is hidden to protect you")
    assert page.index("useless idiot") > masked  # only inside the closed <details>
    assert "Insert a courteous boundary reply" in page
    queue = cast.client(cast.billing_agent).get("/desk/?queue=unassigned").content.decode()
    assert "Abusive — masked" in queue and cast.alice_case.subject not in queue


def test_it_tells_supervisors_about_abuse(cast):
    _write(cast, ABUSE)
    notices = Message.objects.filter(data__template="abuse_flagged")
    assert notices.count() == 1 and "sam@honeydesk.test" in notices.get().recipients


def test_it_escalates_repeated_abuse_from_an_account_with_the_reason(cast):
    _write(cast, ABUSE)
    assert not Escalation.objects.exists()
    _write(cast, "You morons. I hope your office burns down, you pathetic clowns.")
    escalation = Escalation.objects.get(case=cast.alice_case)
    assert escalation.requested_by is None and "2 abusive messages" in escalation.reason
    assert cast.fresh(cast.alice_case).escalated
    event = TimelineEntry.objects.get(case=cast.alice_case, event="escalated")
    assert event.data["automatic"] is True


def test_it_raises_attention_for_angry_customers_and_shows_hints(cast):
    _write(
        cast,
        "This is the THIRD time I am writing. If this is not fixed today I am cancelling and reporting you to the FCC.",
    )
    case = cast.fresh(cast.alice_case)
    assert case.attention in ("angry", "frustrated")
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert "The customer is" in page and "acknowledge" in page.lower()
    _write(cast, "Thanks, that answers my question.")
    assert cast.fresh(cast.alice_case).attention == "calm"


def test_it_coaches_a_draft_as_the_rep_types(cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/coach/"
    poor = c.post(
        url,
        {"mode": "reply", "body": "You should have read the terms. Per policy we cannot refund."},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Blames the customer" in poor and "Defensive or hides behind policy" in poor
    good = c.post(
        url,
        {
            "mode": "reply",
            "body": "Hi Alice, I'm sorry you were charged $89.99 twice. I will "
            "refund the duplicate charge today and call you by 5pm.",
        },
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Done:</span> Uses the customer&#x27;s name" in good
    assert "Done:</span> A time for that step" in good
    assert "Blames the customer" not in good
    assert c.post(url, {"mode": "note", "body": "x"}).content == b""


def test_it_suggests_answers_to_reps_and_public_ones_to_customers(cast):
    Article.objects.create(
        title="Why was I charged twice?",
        body="A double charge happens when a payment is retried. We refund the duplicate within 3 days.",
        public=True,
    )
    Article.objects.create(
        title="Internal: refund approval limits",
        body="Agents may refund a customer charged twice up to $100 without approval.",
        public=False,
    )
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "Why was I charged twice?" in page and "Internal: refund approval limits" in page
    portal = cast.client(cast.alice).get("/portal/suggest/", {"subject": "charged twice", "body": "duplicate charge"})
    assert "Why was I charged twice?" in portal.content.decode()
    assert "refund approval limits" not in portal.content.decode()


def test_it_lets_staff_edit_the_answer_library(cast):
    c = cast.client(cast.billing_agent)
    r = c.post(
        "/desk/kb/new/",
        {
            "title": "Outage credits",
            "body": "Credits for outages over 24h.",
            "public": "on",
            "request_types": [cast.billing_type.pk],
        },
    )
    assert r.status_code == 302
    article = Article.objects.get(title="Outage credits")
    assert article.updated_by == cast.billing_agent and list(article.request_types.all()) == [cast.billing_type]
    assert c.post("/desk/kb/new/", {"title": "", "body": ""}).status_code == 422
    assert cast.client(cast.alice).get("/desk/kb/").status_code == 404


def test_it_prefills_the_portal_form_from_the_customers_words(cast):
    RequestType.objects.filter(pk=cast.billing_type.pk).update(intake_category="billing_explanation")
    text = "Why is there a $45.00 late fee on my bill for account 1000001? I paid on the 3rd."
    page = cast.client(cast.alice).get("/portal/new/", {"describe": text}).content.decode()
    assert 'value="billing"' in page  # the billing form was chosen for them
    assert '<option value="1000001" selected>' in page  # their account, read from the text
    assert "We read your description" in page
    unclear = cast.client(cast.alice).get("/portal/new/", {"describe": "hello"}).content.decode()
    assert "We could not tell which kind of request this is" in unclear


def test_it_asks_for_missing_facts_and_suggests_calling_in_the_acknowledgement(cast):
    from honeydesk.channels.email.outbound import build

    repair = actions.do_open_case(
        actions.Opening(
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject="Internet down",
            body="My internet has been down since Monday, the modem lights are red.",
            account=cast.alice_account,
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    ack = Message.objects.get(case=repair, data__template="case_opened")
    text = build(ack).body
    assert "Account number" in text and "what outcome would resolve this" in text
    assert "Calling us is usually faster" in text
    billing = actions.do_open_case(
        actions.Opening(
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            facts={"account_number": "1000001"},
            subject="Bill",
            body="Please explain the $12 fee on my bill; I want it removed.",
            account=cast.alice_account,
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    text = build(Message.objects.get(case=billing, data__template="case_opened")).body
    assert "please reply with" not in text and "Calling us is usually faster" not in text
