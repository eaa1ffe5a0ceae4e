"""Admins configure people, departments and request types in the admin; cases stay read-only."""

from django.core.management import call_command

from honeydesk.accounts.models import User
from honeydesk.branding.models import Brand, current
from honeydesk.cases.models import RequestType


def test_it_makes_createsuperuser_an_admin(db):
    call_command("createsuperuser", username="root", email="root@example.test", interactive=False)
    assert User.objects.get(username="root").role == "admin"


def test_it_lets_admins_edit_roles_and_request_types(cast):
    admin_user = User.objects.create_superuser("boss", "boss@example.test", "pw")
    c = cast.client(admin_user)
    assert c.get(f"/admin/accounts/user/{cast.billing_agent.pk}/change/").status_code == 200
    response = c.get(f"/admin/cases/requesttype/{cast.billing_type.pk}/change/")
    assert response.status_code == 200 and "best_channel" in response.content.decode()
    c.post(
        f"/admin/cases/requesttype/{cast.billing_type.pk}/change/",
        {
            "name": "Billing question",
            "slug": "billing",
            "department": cast.billing.pk,
            "needs": "[]",
            "channel_reason": "In writing",
            "intake_category": "billing_explanation",
            "best_channel": "call",
            "active": "on",
        },
    )
    assert RequestType.objects.get(pk=cast.billing_type.pk).best_channel == "call"


def test_it_shows_cases_read_only_and_no_timeline_in_the_admin(cast):
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    page = c.get(f"/admin/cases/case/{cast.alice_case.pk}/change/")
    assert page.status_code == 200 and 'type="submit"' not in page.content.decode().split("<form")[-1]
    assert c.post(f"/admin/cases/case/{cast.alice_case.pk}/delete/").status_code == 403
    assert c.get("/admin/cases/timelineentry/").status_code == 404


def test_it_shows_call_events_and_call_backs_read_only(cast):
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    assert c.get("/admin/phone_channel/callevent/").status_code == 200
    assert c.get("/admin/phone_channel/callbacktask/").status_code == 200
    assert c.get("/admin/phone_channel/callbacktask/add/").status_code == 403


def test_it_brands_the_admin_site_with_the_portal_brand(cast):
    Brand.objects.all().delete()
    Brand.objects.create(name="Acme Telecom", colour="#7a1fa2")
    current.forget()
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    page = c.get("/admin/").content.decode()
    assert "Acme Telecom administration" in page and "Django administration" not in page
    assert 'href="/brand.css?v=' in page
    assert "--header-bg:#7a1fa2" in c.get("/brand.css").content.decode()
