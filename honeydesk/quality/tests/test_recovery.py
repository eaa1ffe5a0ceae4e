"""Recovery: unhappy answers reach the supervisors' queue, due in one business day of
the department's calendar, flagged and told when overdue, closed on record."""

from __future__ import annotations

import pytest

from honeydesk.cases.models import Status, TimelineEntry
from honeydesk.notifications.models import Notification
from honeydesk.quality import recovery
from honeydesk.quality.actions import Answer, Contacted, do_answer_survey, do_record_contact
from honeydesk.quality.models import Recovery, Survey
from honeydesk.quality.tests.conftest import resolve, survey_mails, token_of, utc


def answered(cast, rating: int, solved: bool):
    case = resolve(cast)
    return do_answer_survey(Survey.objects.get(case=case), Answer(rating, solved, "Hmm."), via="link")


@pytest.mark.parametrize(
    ("rating", "solved", "opens"),
    [(3, True, True), (5, False, True), (4, True, False), (5, True, False), (1, True, True)],
)
def test_it_opens_a_recovery_for_low_ratings_and_not_solved_only(cast, frozen, rating, solved, opens):
    survey = answered(cast, rating, solved)
    assert Recovery.objects.filter(survey=survey).exists() is opens


def test_it_is_due_one_business_day_later_in_the_departments_calendar(cast, frozen):
    survey = answered(cast, 2, True)  # Friday 15:00, built-in calendar Mon-Fri 09:00-17:00
    row = Recovery.objects.get(survey=survey)
    assert row.due_at == utc(2025, 3, 17, 15, 0), "Monday 15:00: eight business hours later"
    assert row.reason == "The customer rated 2 of 5."
    evening = recovery.one_business_day_after(utc(2025, 3, 17, 20, 0), cast.billing.pk)
    assert evening == utc(2025, 3, 18, 17, 0), "after hours: the end of the next business day"


def test_it_flags_an_overdue_recovery_and_tells_the_supervisors_once(cast, frozen):
    survey = answered(cast, 3, False)
    assert recovery.flag_overdue() == 0
    frozen.move_to(utc(2025, 3, 17, 14, 59))
    assert recovery.flag_overdue() == 0, "weekend hours do not count"
    frozen.move_to(utc(2025, 3, 17, 15, 1))
    assert recovery.flag_overdue() == 1 and recovery.flag_overdue() == 0
    row = Recovery.objects.get(survey=survey)
    assert row.overdue_at is not None
    told = Notification.objects.filter(kind="recovery_overdue")
    assert [n.user for n in told] == [cast.supervisor]
    page = cast.client(cast.supervisor).get("/desk/recovery/")
    assert b"Overdue" in page.content and survey.case.ref.encode() in page.content


def test_it_shows_the_queue_to_supervisors_only(cast, frozen):
    survey = answered(cast, 2, False)
    row = Recovery.objects.get(survey=survey)
    sup = cast.client(cast.supervisor)
    page = sup.get(f"/desk/recovery/{row.pk}/")
    assert page.status_code == 200
    assert b"2 of 5" in page.content and b"Hmm." in page.content and b"Refunded the second charge." in page.content
    for user in (cast.billing_agent, cast.alice):
        assert cast.client(user).get("/desk/recovery/").status_code == 404
        assert cast.client(user).get(f"/desk/recovery/{row.pk}/").status_code == 404
    assert sup.get("/desk/recovery/999999/").status_code == 404


def test_it_stays_open_after_no_answer_and_closes_with_the_call_on_record(cast, frozen):
    survey = answered(cast, 2, True)
    row = Recovery.objects.get(survey=survey)
    sup = cast.client(cast.supervisor)
    url = f"/desk/recovery/{row.pk}/record/"
    response = sup.post(url, {"contact": "call", "text": "Rang, voicemail.", "outcome": "no_answer", "version": "1"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.is_open and row.attempts == 1
    response = sup.post(
        url,
        {
            "contact": "call",
            "text": "Apologised; credited a month.",
            "outcome": "credit_offered",
            "note": "Upset about the wait",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert not row.is_open and row.outcome == "credit_offered" and row.closed_by == cast.supervisor
    calls = [c.entry for c in row.contacts.all()]
    assert [c.kind for c in calls] == ["call", "call"] and calls[1].body == "Apologised; credited a month."
    event = TimelineEntry.objects.get(case=row.case, event="recovery_contact", data__outcome="credit_offered")
    assert event.visibility == "internal" and "Upset about the wait" in event.body
    again = sup.post(url, {"contact": "call", "text": "x", "outcome": "resolved"})
    assert again.status_code == 409


def test_it_links_an_existing_reply_and_refuses_one_from_another_case(cast, frozen):
    from honeydesk.cases import actions

    survey = answered(cast, 1, False)
    row = Recovery.objects.get(survey=survey)
    reply = actions.do_add_reply(survey.case, body="Sorry — calling you today.", acting_user=cast.supervisor)
    other = actions.do_add_reply(cast.bob_case, body="Other case", acting_user=cast.supervisor)
    with pytest.raises(Exception) as refused:
        do_record_contact(row, Contacted(outcome="resolved", entry_id=other.pk), acting_user=cast.supervisor)
    assert getattr(refused.value, "status", None) == 422
    do_record_contact(row, Contacted(outcome="declined", entry_id=reply.pk), acting_user=cast.supervisor)
    row.refresh_from_db()
    assert row.outcome == "declined" and row.contacts.get().entry == reply


def test_it_refuses_a_record_without_an_outcome_with_nothing_saved(cast, frozen):
    survey = answered(cast, 2, True)
    row = Recovery.objects.get(survey=survey)
    sup = cast.client(cast.supervisor)
    before = TimelineEntry.objects.filter(case=row.case).count()
    response = sup.post(f"/desk/recovery/{row.pk}/record/", {"contact": "call", "text": "Called", "outcome": ""})
    assert response.status_code == 422 and b"Choose an outcome." in response.content
    assert TimelineEntry.objects.filter(case=row.case).count() == before
    stale = sup.post(
        f"/desk/recovery/{row.pk}/record/", {"contact": "call", "text": "C", "outcome": "resolved", "version": "7"}
    )
    assert stale.status_code == 409 and TimelineEntry.objects.filter(case=row.case).count() == before


def test_it_offers_to_reopen_after_not_solved(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    response = client.post(f"/survey/{token}/", {"rating": "4", "solved": "no"})
    assert b"Reopen my case" in response.content and b"supervisor will contact you" in response.content
    response = client.post(f"/survey/{token}/", {"action": "reopen"})
    assert response.status_code == 200 and b"We have reopened" in response.content
    assert cast.fresh(case).status in (Status.OPEN, Status.NEW)
    assert client.post(f"/survey/{token}/", {"action": "reopen"}).status_code == 409
