"""The portal tells the truth: the customer's own accounts only, confirmations where the eye
is, "What happens next" after escalations, transfers, call-backs and questions, estimates
worded as people say them (none without data), a timeline of what matters to a customer,
active and finished cases apart, and a saved record with its attachments in local time."""

import base64
import re
from datetime import time, timedelta

from honeydesk.cases import actions
from honeydesk.cases.models import Case, RequestType
from honeydesk.channels.phone import callbacks
from honeydesk.lib import clock
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.models import BusinessCalendar, DepartmentCalendar, OpeningHours
from honeydesk.web.views.portal_next import MIN_SAMPLES, Situation, estimate, next_step, typical_first_response


def _new_request(**fields: str) -> dict[str, str]:
    return {"type": "billing", "subject": "Bill", "body": "Too high", "goal": "Explain", **fields}


def test_it_refuses_an_account_that_is_not_the_customers(cast):
    c = cast.client(cast.alice)
    form = c.get("/portal/new/?type=billing").content.decode()
    assert "1000001 — Alice Archer" in form and "2000002" not in form
    before = Case.objects.count()
    for number in [cast.bob_account.number, "12345678", ""]:
        refused = c.post("/portal/new/", _new_request(account=number))
        assert refused.status_code == 422, number
    assert Case.objects.count() == before
    assert "Select a valid choice" in c.post("/portal/new/", _new_request(account="2000002")).content.decode()


def test_it_still_checks_the_format_of_the_facts_the_customer_types(cast):
    RequestType.objects.create(
        name="Statement",
        slug="statement",
        department=cast.billing_type.department,
        needs=[
            {"key": "account_number", "label": "Account number", "required": True},
            {"key": "statement_date", "label": "Statement date", "pattern": r"\d{4}-\d{2}-\d{2}", "required": True},
        ],
    )
    c = cast.client(cast.alice)
    # The account is picked from a list, so it is not among the things to have ready.
    advice = c.get("/portal/new/?type=statement").content.decode()
    assert "Please have ready: Statement date." in advice
    bad = c.post("/portal/new/", _new_request(type="statement", account="1000001", fact_statement_date="March"))
    assert bad.status_code == 422 and "does not look like a valid statement date" in bad.content.decode()
    good = c.post("/portal/new/", _new_request(type="statement", account="1000001", fact_statement_date="2026-11-30"))
    assert good.status_code == 302
    assert Case.objects.order_by("-id").first().facts == {"account_number": "1000001", "statement_date": "2026-11-30"}


def test_it_shows_the_confirmation_where_the_eye_is(cast):
    c = cast.client(cast.alice)
    ref = cast.alice_case.ref
    sent = c.post(f"/portal/cases/{ref}/reply/", {"body": "Any news?", "version": cast.alice_case.version})
    assert sent.status_code == 302 and sent["Location"].endswith("?done=reply#confirmation")
    page = c.get(sent["Location"]).content.decode()
    assert re.search(r'id="confirmation" data-confirmation role="status"><p>.*Your message is on your case', page)
    asked = c.post(
        f"/portal/cases/{ref}/supervisor/", {"reason": "Third call", "version": cast.fresh(cast.alice_case).version}
    )
    assert asked["Location"].endswith("?done=supervisor#confirmation")
    assert "We asked a supervisor to look at your case" in c.get(asked["Location"]).content.decode()
    assert 'id="confirmation"' not in c.get(f"/portal/cases/{ref}/").content.decode()


def test_it_words_estimates_as_people_say_them():
    assert estimate(None) is None
    assert estimate(timedelta(seconds=50)) == "within a few minutes"
    assert estimate(timedelta(minutes=22)) == "within about 20 minutes"
    assert estimate(timedelta(minutes=70)) == "within about an hour"
    assert estimate(timedelta(hours=1, minutes=40)) == "within about 2 hours"
    assert estimate(timedelta(hours=23)) == "within about 23 hours"
    assert estimate(timedelta(days=3)) == "within about 3 days"
    for minutes in range(1, 3000, 7):
        assert not re.search(r"\b1 \w+s\b", estimate(timedelta(minutes=minutes)))


def test_it_gives_no_estimate_without_enough_answered_cases(cast):
    dept = cast.billing_type.department
    assert typical_first_response(dept.pk) is None  # one answered case at most in the cast
    page = cast.client(cast.alice).get("/portal/").content.decode()
    assert "usually answer" not in page
    start = clock.now()
    for i in range(MIN_SAMPLES):
        case = actions.do_open_case(
            actions.Opening(
                contact=cast.alice_contact,
                account=cast.alice_account,
                request_type=cast.billing_type,
                subject=f"Q{i}",
                body="Hello",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        Case.objects.filter(pk=case.pk).update(created_at=start, first_response_at=start + timedelta(minutes=30))
    assert typical_first_response(dept.pk) == timedelta(minutes=30)


def _next(cast) -> str:
    case = Case.objects.select_related("department", "owner").get(pk=cast.alice_case.pk)
    return next_step(case, Situation.for_cases([case]))


def test_it_says_what_happens_next_after_an_escalation_a_transfer_and_a_call_back(cast):
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_add_reply(cast.fresh(cast.alice_case), body="Looking into it.", acting_user=cast.billing_agent)
    assert "owns your case" in _next(cast)
    actions.do_set_pending(cast.fresh(cast.alice_case), acting_user=cast.billing_agent)
    assert _next(cast).startswith("We are waiting for your answer")
    actions.do_add_reply(cast.fresh(cast.alice_case), body="Here it is.", acting_user=cast.alice, channel="portal")
    actions.do_escalate(cast.fresh(cast.alice_case), reason="Needs approval", acting_user=cast.billing_agent)
    told = _next(cast)
    assert "supervisor" in told and "owns your case" not in told
    actions.do_take_escalation(cast.fresh(cast.alice_case), acting_user=cast.supervisor)
    repair = cast.repair_type.department
    actions.do_transfer(cast.fresh(cast.alice_case), repair, summary="Line fault", acting_user=cast.supervisor)
    told = _next(cast)
    assert "passed to our Repair team" in told and "usually answer" not in told
    when = hours_for(repair.pk).next_open(clock.now() + timedelta(days=2))
    callbacks.do_request_callback(cast.fresh(cast.alice_case), when=when, acting_user=cast.alice, phone="+14155550101")
    assert "We will call you on" in _next(cast)


def test_it_keeps_staff_bookkeeping_off_the_customers_timeline(cast):
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_set_pending(cast.fresh(cast.alice_case), acting_user=cast.billing_agent)
    desk = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert "Waiting on customer" in desk and "Status changed" in desk
    page = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert "Status changed" not in page and "Status: " not in page
    assert "I was billed $89.99 twice." in page


def test_it_groups_active_and_finished_cases(cast):
    actions.do_open_case(
        actions.Opening(
            contact=cast.alice_contact,
            account=cast.alice_account,
            request_type=cast.repair_type,
            subject="Modem drops",
            body="Every evening",
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    actions.do_resolve(cast.alice_case, note="Refunded", acting_user=cast.billing_agent)
    page = cast.client(cast.alice).get("/portal/").content.decode()
    active, finished = page.split('id="finished-title"')
    assert "Modem drops" in active and cast.alice_case.subject not in active
    assert cast.alice_case.subject in finished


def test_it_saves_the_record_with_its_attachments_in_local_time(cast):
    calendar = BusinessCalendar.objects.create(name="Pacific", time_zone="America/Los_Angeles")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=time(9), closes=time(17)) for day in range(5)
    )
    DepartmentCalendar.objects.create(department=cast.billing_type.department, calendar=calendar)
    picture = b"\x89PNG\r\n\x1a\nnot really a picture"
    actions.do_add_reply(
        cast.alice_case,
        body="The bill, photographed.",
        acting_user=cast.alice,
        channel="portal",
        uploads=[actions.Upload("bill.png", "image/png", picture)],
    )
    saved = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/record/?download=1").content.decode()
    assert (
        f'href="data:application/octet-stream;base64,{base64.b64encode(picture).decode()}" download="bill.png"' in saved
    )
    assert "America/Los_Angeles" in saved and re.search(r"\d{2}:\d{2} P[SD]T", saved)
    shown = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/record/").content.decode()
    assert "data:application" not in shown and "/attachments/" in shown and "bill.png" in shown
