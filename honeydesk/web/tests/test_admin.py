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
            "needs-count": "0",
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


def _type_form(cast, rows):
    data = {
        "name": "Billing question",
        "slug": "billing",
        "department": cast.billing.pk,
        "channel_reason": "In writing",
        "intake_category": "billing_explanation",
        "best_channel": "write",
        "active": "on",
        "needs-count": str(len(rows)),
    }
    for i, row in enumerate(rows):
        data.update({f"needs-{i}-{k}": v for k, v in row.items()})
    return data


def test_it_edits_what_a_request_type_needs_with_a_form_not_json(cast):
    rtype = cast.billing_type
    rtype.needs = [{"key": "invoice_number", "label": "Invoice number", "required": True, "pattern": "^INV-[0-9]+$"}]
    rtype.save()
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    url = f"/admin/cases/requesttype/{rtype.pk}/change/"
    page = c.get(url).content.decode()
    assert 'name="needs-0-key" value="invoice_number"' in page and 'name="needs-0-label" value="Invoice number"' in page
    assert 'name="needs-3-key" value=""' in page, "empty rows to add facts"
    assert "&quot;key&quot;" not in page and '<textarea name="needs"' not in page, "no JSON to type"
    rows = [
        {"key": "invoice_number", "label": "Invoice number", "required": "on", "pattern": "^INV-[0-9]+$",
         "format_message": "It starts with INV-"},
        {"key": "", "label": ""},  # a blank row is dropped
        {"key": "meter_number", "label": "Meter number", "help": "On the front of the meter"},
    ]  # fmt: skip
    assert c.post(url, _type_form(cast, rows)).status_code == 302
    rtype.refresh_from_db()
    assert rtype.needs == [
        {"key": "invoice_number", "label": "Invoice number", "required": True, "pattern": "^INV-[0-9]+$",
         "format_message": "It starts with INV-"},
        {"key": "meter_number", "label": "Meter number", "required": False, "help": "On the front of the meter"},
    ]  # fmt: skip
    # Remove a row by ticking Remove.
    assert c.post(url, _type_form(cast, [rows[0], {**rows[2], "remove": "on"}])).status_code == 302
    rtype.refresh_from_db()
    assert [n["key"] for n in rtype.needs] == ["invoice_number"]


def test_it_refuses_a_broken_need_and_keeps_the_old_ones(cast):
    rtype = cast.billing_type
    before = [{"key": "invoice_number", "label": "Invoice number", "required": True}]
    rtype.needs = before
    rtype.save()
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    url = f"/admin/cases/requesttype/{rtype.pk}/change/"
    for rows, message in (
        ([{"key": "meter", "label": "Meter", "pattern": "([0-9]"}], "the pattern is not a valid regular expression"),
        ([{"key": "Meter No", "label": "Meter"}], "lower-case letters, digits and _"),
        ([{"key": "meter", "label": ""}], "give &#x27;meter&#x27; a label"),
        ([{"key": "meter", "label": "A"}, {"key": "meter", "label": "B"}], "is used twice"),
    ):
        response = c.post(url, _type_form(cast, rows))
        assert response.status_code == 200 and message in response.content.decode(), message
        rtype.refresh_from_db()
        assert rtype.needs == before
