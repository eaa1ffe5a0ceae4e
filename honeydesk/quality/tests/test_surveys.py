"""Surveys: one per resolution, one reminder, signed single-use links that never open
another customer's survey, the answer on the timeline, opt-out."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from honeydesk.cases import access, actions
from honeydesk.cases.models import TimelineEntry
from honeydesk.channels.email.outbound import build
from honeydesk.quality import links, surveys
from honeydesk.quality.actions import Answer, do_answer_survey, do_opt_out
from honeydesk.quality.models import QualitySettings, Survey, SurveyOptOut
from honeydesk.quality.tests.conftest import link_in, resolve, survey_mails, token_of


def test_it_asks_once_per_resolution_and_again_after_a_reopen(cast, frozen):
    case = resolve(cast)
    assert Survey.objects.filter(case=case).count() == 1
    mails = survey_mails(case)
    assert len(mails) == 1 and mails[0].recipients == "alice@example.test"
    mail = build(mails[0])
    token = link_in(mail.body)
    assert links.open_link(token, lifetime=timedelta(days=14)).survey == Survey.objects.get(case=case)

    actions.do_reopen(cast.fresh(case), reason="More to do", acting_user=cast.billing_agent)
    first = Survey.objects.get(case=case)
    assert first.superseded_at is not None and first.remind_at is None
    resolve(cast, case)
    assert Survey.objects.filter(case=case).count() == 2
    assert len(survey_mails(case)) == 2


def test_it_sends_one_reminder_even_when_the_job_runs_twice(cast, frozen):
    case = resolve(cast)
    assert surveys.remind_due() == 0, "not due yet"
    frozen.shift(timedelta(hours=73))
    assert surveys.remind_due() == 1
    assert surveys.remind_due() == 0
    mails = survey_mails(case)
    assert len(mails) == 2 and mails[1].data["context"]["reminder"] is True
    frozen.shift(timedelta(days=3))
    assert surveys.remind_due() == 0 and len(survey_mails(case)) == 2


def test_it_sends_no_reminder_once_answered_closed_or_opted_out(cast, frozen):
    answered = resolve(cast)
    do_answer_survey(Survey.objects.get(case=answered), Answer(5, True), via="link")
    closed = resolve(cast, cast.bob_case, cast.repair_agent)
    actions.do_close(cast.fresh(closed), acting_user=cast.supervisor)
    other = actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject="Another question",
            body="Account 1000001: what is this fee?",
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    resolve(cast, other)
    do_opt_out(cast.alice_contact, via="link")
    frozen.shift(timedelta(days=5))
    assert surveys.remind_due() == 0
    assert len(survey_mails(answered)) == 1 and len(survey_mails(closed)) == 1 and len(survey_mails(other)) == 1


def test_it_asks_nothing_of_a_customer_who_opted_out(cast, frozen):
    do_opt_out(cast.alice_contact, via="portal")
    case = resolve(cast)
    assert not Survey.objects.filter(case=case).exists() and survey_mails(case) == []


def test_it_refuses_a_tampered_link_with_a_clear_page(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    for bad in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), token + "x", "nonsense", "a" * 300]:
        response = client.get(f"/survey/{bad}/")
        assert response.status_code == 404
        assert b"This survey link does not work" in response.content
    # Another customer's survey id under a valid signature of a different purpose.
    bob_case = resolve(cast, cast.bob_case, cast.repair_agent)
    bob_survey = Survey.objects.get(case=bob_case)
    forged = signing.dumps([bob_survey.pk, "0" * 32], salt=links.SALT)
    response = client.get(f"/survey/{forged}/")
    assert response.status_code == 404 and b"Modem offline" not in response.content
    wrong_purpose = signing.dumps([bob_survey.pk, bob_survey.nonce], salt="honeydesk.portal-link")
    response = client.post(f"/survey/{wrong_purpose}/", {"rating": "5", "solved": "yes"})
    assert response.status_code == 404
    assert Survey.objects.get(pk=bob_survey.pk).answered_at is None


def test_it_refuses_an_expired_link(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    frozen.shift(timedelta(days=15))
    response = client.get(f"/survey/{token}/")
    assert response.status_code == 410 and b"This survey has closed" in response.content
    response = client.post(f"/survey/{token}/", {"rating": "5", "solved": "yes"})
    assert response.status_code == 410 and Survey.objects.get(case=case).answered_at is None


def test_it_takes_the_answer_once_and_puts_it_on_the_timeline(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    page = client.get(f"/survey/{token}/")
    assert page.status_code == 200 and b"Charged twice in March" in page.content
    response = client.post(f"/survey/{token}/", {"rating": "5", "solved": "yes", "comment": "Quick and kind."})
    assert response.status_code == 200 and b"Thank you for your answer" in response.content
    survey = Survey.objects.get(case=case)
    assert (survey.rating, survey.solved, survey.comment, survey.answered_via) == (5, True, "Quick and kind.", "link")
    entry = survey.answer_entry
    assert entry.event == TimelineEntry.Event.SURVEY_ANSWERED and entry.visibility == "public"
    assert entry in access.entries_visible_to(cast.alice, case)
    assert entry in access.entries_visible_to(cast.billing_agent, case)
    again = client.post(f"/survey/{token}/", {"rating": "1", "solved": "no"})
    assert again.status_code == 409 and b"you have answered this survey" in again.content
    assert Survey.objects.get(case=case).rating == 5
    assert TimelineEntry.objects.filter(case=case, event="survey_answered").count() == 1


def test_it_refuses_an_incomplete_answer_with_nothing_saved(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    response = client.post(f"/survey/{token}/", {"rating": "9", "comment": "x"})
    assert response.status_code == 422 and b"Choose a rating from 1 to 5." in response.content
    assert Survey.objects.get(case=case).answered_at is None


def test_it_takes_the_answer_on_the_portal_and_shows_no_survey_to_others(cast, frozen):
    case = resolve(cast)
    alice = cast.client(cast.alice)
    page = alice.get(f"/portal/cases/{case.ref}/")
    assert b"How did we do?" in page.content
    response = alice.post(f"/portal/cases/{case.ref}/survey/", {"rating": "4", "solved": "yes"})
    assert response.status_code == 302
    survey = Survey.objects.get(case=case)
    assert survey.answered_via == "portal" and survey.answered_by == cast.alice
    bob = cast.client(cast.bob)
    assert bob.post(f"/portal/cases/{case.ref}/survey/", {"rating": "1", "solved": "no"}).status_code == 404


def test_it_lets_a_customer_opt_out_from_the_survey_page(cast, frozen, client):
    case = resolve(cast)
    token = token_of(survey_mails(case)[0])
    response = client.post(f"/survey/{token}/", {"action": "opt_out"})
    assert response.status_code == 200 and b"no more surveys" in response.content
    assert cast.alice_contact.survey_opt_out.via == "survey"
    actions.do_reopen(cast.fresh(case), reason="again", acting_user=cast.billing_agent)
    resolve(cast, case)
    assert Survey.objects.filter(case=case).count() == 1


def test_it_shows_the_result_on_the_workspace_case_page(cast, frozen):
    case = resolve(cast)
    do_answer_survey(Survey.objects.get(case=case), Answer(2, True, "Slow"), via="link")
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/")
    assert b"2 of 5" in page.content and b"Unhappy" in page.content
    assert cast.client(cast.repair_agent).get(f"/desk/cases/{case.ref}/").status_code == 404


def test_it_lets_a_customer_opt_out_with_the_portal_button(cast, frozen):
    case = resolve(cast)
    survey = Survey.objects.get(case=case)
    alice = cast.client(cast.alice)
    page = alice.get(f"/portal/cases/{case.ref}/").content.decode()
    assert 'name="action" value="opt_out"' in page and "Don't send me surveys any more" in page
    # Another customer, and staff (even the case's own rep), get the 404 of a missing
    # page: nobody opts the customer out, or answers for them, but the customer.
    for outsider in (cast.bob, cast.billing_agent, cast.supervisor, cast.admin):
        c = cast.client(outsider)
        for form in ({"action": "opt_out"}, {"rating": "5", "solved": "yes"}):
            assert c.post(f"/portal/cases/{case.ref}/survey/", form).status_code == 404, (outsider, form)
    assert not SurveyOptOut.objects.exists() and Survey.objects.get(pk=survey.pk).answered_at is None
    response = alice.post(f"/portal/cases/{case.ref}/survey/", {"action": "opt_out"})
    assert response.status_code == 302 and response["Location"] == f"/portal/cases/{case.ref}/#survey"
    assert cast.alice_contact.survey_opt_out.via == "portal"
    assert Survey.objects.get(pk=survey.pk).remind_at is None
    # The button is gone; no reminder goes; the next resolution asks nothing.
    assert 'value="opt_out"' not in alice.get(f"/portal/cases/{case.ref}/").content.decode()
    frozen.shift(timedelta(hours=73))
    assert surveys.remind_due() == 0 and len(survey_mails(case)) == 1
    actions.do_reopen(cast.fresh(case), reason="again", acting_user=cast.billing_agent)
    resolve(cast, case)
    assert Survey.objects.filter(case=case).count() == 1 and len(survey_mails(case)) == 1


def test_it_honours_the_reminder_delay_and_lifetime_the_admin_set(cast, frozen, client):
    QualitySettings.objects.create(survey_reminder_hours=24, survey_days=3)
    case = resolve(cast)
    survey = Survey.objects.get(case=case)
    assert survey.remind_at == survey.created_at + timedelta(hours=24)
    assert survey.expires_at == survey.created_at + timedelta(days=3)
    token = token_of(survey_mails(case)[0])
    frozen.shift(timedelta(hours=23, minutes=59))
    assert surveys.remind_due() == 0, "not due before 24 hours"
    frozen.shift(timedelta(minutes=2))
    assert surveys.remind_due() == 1, "due after 24 hours, not the default 72"
    assert len(survey_mails(case)) == 2
    # Open until three days have passed (not the default fourteen), by link and portal.
    frozen.move_to(survey.created_at + timedelta(days=3) - timedelta(minutes=5))
    assert client.get(f"/survey/{token}/").status_code == 200
    alice = cast.client(cast.alice)
    assert 'value="answer"' in alice.get(f"/portal/cases/{case.ref}/").content.decode()
    frozen.shift(timedelta(minutes=10))
    closed = client.get(f"/survey/{token}/")
    assert closed.status_code == 410 and b"This survey has closed" in closed.content
    assert client.post(f"/survey/{token}/", {"rating": "5", "solved": "yes"}).status_code == 410
    assert 'value="answer"' not in alice.get(f"/portal/cases/{case.ref}/").content.decode()
    refused = alice.post(f"/portal/cases/{case.ref}/survey/", {"rating": "5", "solved": "yes"})
    assert refused.status_code >= 400 and Survey.objects.get(pk=survey.pk).answered_at is None


def test_it_sends_no_reminder_due_after_the_survey_closed(cast, frozen):
    QualitySettings.objects.create(survey_reminder_hours=100, survey_days=4)
    case = resolve(cast)
    frozen.shift(timedelta(hours=99))
    assert surveys.remind_due() == 0
    frozen.shift(timedelta(hours=2))  # the reminder's hour, but the survey closed at 96
    assert surveys.remind_due() == 0 and len(survey_mails(case)) == 1
