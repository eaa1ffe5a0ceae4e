"""axe-core on every page of the workspace, the portal and the admin screens the app adds:
no serious or critical violation, as each role sees them."""

import pytest

from honeydesk.accounts.models import User
from honeydesk.web.tests.browser.axe import violations, with_axe

pytestmark = pytest.mark.browser


def check(page, base: str, paths: list[str]) -> dict[str, list]:
    found = {}
    for path in paths:
        response = page.goto(base + path)
        assert response is not None and response.status < 400, path
        assert page.url == base + path, f"{path} went to {page.url}"
        page.wait_for_load_state("networkidle")
        bad = violations(page)
        if bad:
            found[path] = bad
    return found


def test_workspace_portal_and_sign_in_pages_have_no_serious_violations(live_cast, live_server, sign_in, new_context):
    ref = live_cast.alice_case.ref
    anonymous = with_axe(new_context().new_page())
    found = check(anonymous, live_server.url, ["/login/", "/portal/login/"])

    staff = with_axe(sign_in("sam"))
    found |= check(
        staff,
        live_server.url,
        [
            "/desk/?queue=department",
            "/desk/?queue=escalated",
            f"/desk/cases/{ref}/",
            "/desk/search/?q=billed",
            "/desk/callbacks/",
            "/desk/notifications/",
            "/desk/credits/approvals/",
            "/desk/incidents/",
            "/desk/kb/",
            "/desk/kb/new/",
            "/desk/held-mail/",
            f"/desk/cases/{ref}/merge/?into={live_cast.bob_case.ref}",
            f"/desk/cases/{ref}/entries/{live_cast.alice_case.entries.filter(kind='inbound').first().pk}/split/",
            "/desk/macros/",
            "/desk/metrics/",
            "/desk/recovery/",
            "/desk/reply-scores/",
            "/desk/monitoring/trends/",
        ],
    )
    agent = with_axe(sign_in("bianca"))
    found |= check(agent, live_server.url, ["/desk/metrics/mine/", "/desk/reviews/"])
    alice = with_axe(sign_in("alice"))
    found |= check(
        alice,
        live_server.url,
        [
            "/portal/",
            "/portal/new/",
            "/portal/new/?type=billing",
            f"/portal/cases/{ref}/",
            f"/portal/cases/{ref}/record/",
            "/portal/search/?q=billed",
        ],
    )
    assert found == {}, found

    # A planted positive control: the check sees a violation when there is one.
    alice.evaluate(
        "() => document.querySelector('main').append(Object.assign(document.createElement('img'), {src: '/x.png'}))"
    )
    assert any(v["id"] == "image-alt" for v in violations(alice))


def test_the_admin_screens_the_app_adds_have_no_serious_violations(live_cast, live_server, sign_in):
    User.objects.create_superuser("boss", "boss@example.test", "pw-boss")
    admin = with_axe(sign_in("boss"))
    found = check(
        admin,
        live_server.url,
        [
            "/admin/",
            "/admin/branding/brand/add/",
            f"/admin/cases/requesttype/{live_cast.billing_type.pk}/change/",
            "/admin/rules/rule/",
            "/admin/rules/rule/add/",
            "/admin/webhooks/endpoint/add/",
            "/desk/tags/",  # admins merge and rename tags
        ],
    )
    assert found == {}, found
