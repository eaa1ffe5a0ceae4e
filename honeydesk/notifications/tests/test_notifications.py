"""Staff notifications: each kind, told once, never about a case the person cannot see,
mail per person and kind, the bell and the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from honeydesk.cases import actions
from honeydesk.jobs.runner import run_pending
from honeydesk.notifications.actions import do_mark_read, notify, send_email, unread_count
from honeydesk.notifications.models import Notification


@pytest.fixture
def monday(settings):
    settings.TIME_ZONE = "UTC"
    with time_machine.travel(datetime(2025, 3, 17, 10, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def staff_mail() -> list:
    return [m for m in mail.outbox if m.subject.startswith("[honeydesk]")]


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_it_tells_the_new_owner_about_an_assignment_and_a_transfer(monday, cast):
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.supervisor)
    [note] = Notification.objects.filter(user=cast.billing_agent, kind="assigned")
    assert note.title == f"{cast.alice_case.ref} assigned to you" and note.url == f"/desk/cases/{cast.alice_case.ref}/"
    actions.do_transfer(
        cast.alice_case,
        cast.repair,
        summary="Modem, not billing",
        owner=cast.repair_agent,
        acting_user=cast.billing_agent,
    )
    [moved] = Notification.objects.filter(user=cast.repair_agent, kind="assigned")
    assert (
        moved.title == f"{cast.alice_case.ref} transferred to you from Billing" and "Modem, not billing" in moved.body
    )
    actions.do_assign(cast.bob_case, cast.repair_agent, acting_user=cast.repair_agent)  # taking it oneself
    assert Notification.objects.filter(user=cast.repair_agent).count() == 1


def test_it_tells_the_owner_when_the_customer_replies(monday, cast):
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_add_reply(cast.alice_case, body="Any news on my refund?", acting_user=cast.alice)
    [note] = Notification.objects.filter(kind="customer_replied")
    assert note.user == cast.billing_agent and "Any news on my refund?" in note.body
    assert note.title == f"Alice replied on {cast.alice_case.ref}"


def test_it_tells_the_departments_supervisors_about_an_escalation(monday, cast):
    actions.do_escalate(cast.alice_case, reason="Third call about this", acting_user=cast.alice)
    assert kinds(cast.supervisor) == ["escalation"] and kinds(cast.admin) == []
    assert Notification.objects.get(user=cast.supervisor).body == "Third call about this"
    # Mail by default for escalations (sam's preference), sent by the job once.
    run_pending("w")
    assert [m.to for m in staff_mail()] == [["sam@honeydesk.test"]]
    assert staff_mail()[0].subject == f"[honeydesk] Supervisor requested on {cast.alice_case.ref}"
    send_email(Notification.objects.get(user=cast.supervisor).pk)
    assert len(staff_mail()) == 1, "a job run twice sends nothing twice"


def test_it_never_tells_a_rep_about_a_case_they_cannot_see(monday, cast):
    made = notify(
        [cast.repair_agent, cast.billing_agent], "sla_warning", key="x", title="Due soon", case=cast.alice_case
    )
    assert [n.user for n in made] == [cast.billing_agent]
    # The owner of a case transferred out of their departments hears nothing more of it.
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_transfer(cast.alice_case, cast.repair, summary="Line fault", acting_user=cast.supervisor)
    actions.do_add_reply(cast.alice_case, body="Hello?", acting_user=cast.alice)
    assert not Notification.objects.filter(user=cast.billing_agent, kind="customer_replied").exists()
    # And what they were told before drops out of their list once they cannot see it.
    assert unread_count(cast.billing_agent) == 0
    page = cast.client(cast.billing_agent).get("/desk/notifications/").content.decode()
    assert "Due soon" not in page


def test_it_tells_each_person_once_per_thing(monday, cast):
    first = notify([cast.billing_agent], "sla_breach", key="sla:1:first_response", title="Missed", case=cast.alice_case)
    again = notify([cast.billing_agent], "sla_breach", key="sla:1:first_response", title="Missed", case=cast.alice_case)
    assert len(first) == 1 and again == []


def test_a_person_turns_mail_off_per_kind_and_the_bell_counts_what_is_unread(monday, cast):
    c = cast.client(cast.supervisor)
    page = c.get("/desk/notifications/").content.decode()
    assert 'value="escalation" checked' in page and 'value="customer_replied" >' in page.replace("  ", " ")
    c.post("/desk/notifications/preferences/", {"email": ["sla_breach"]})  # escalations off, breaches on
    actions.do_escalate(cast.alice_case, reason="Wants a manager", acting_user=cast.alice)
    actions.do_escalate(cast.bob_case, reason="Still no internet", acting_user=cast.bob)
    run_pending("w")
    assert staff_mail() == []
    assert Notification.objects.filter(user=cast.supervisor, email_wanted=False).count() == 2
    bell = c.get("/desk/notifications/bell/").content.decode()
    assert '<span class="count unread" id="bell-count">2</span>' in bell
    assert 'hx-get="/desk/notifications/bell/"' in c.get("/desk/").content.decode()
    first = Notification.objects.filter(user=cast.supervisor).order_by("id").first()
    opened = c.post("/desk/notifications/read/", {"ids": [first.pk], "open": first.url})
    assert opened.status_code == 302 and opened["Location"] == first.url
    assert unread_count(cast.supervisor) == 1
    c.post("/desk/notifications/read/", {"all": "1"})
    assert unread_count(cast.supervisor) == 0
    assert do_mark_read(cast.billing_agent) == 0  # nobody marks another person's notifications


def test_the_pages_are_staff_only(cast):
    for outsider in (cast.alice, None):
        assert cast.client(outsider).get("/desk/notifications/").status_code in (302, 404)
        assert cast.client(outsider).get("/desk/callbacks/").status_code in (302, 404)
    assert cast.client(cast.alice).get("/desk/notifications/").status_code == 404
