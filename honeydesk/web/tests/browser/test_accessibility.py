"""axe-core on every page of the workspace, the portal and the admin screens the app adds:
no serious or critical violation, as each role sees them."""

import pytest

from honeydesk.accounts import signin
from honeydesk.accounts.models import User
from honeydesk.cases import actions
from honeydesk.channels.email.models import Message
from honeydesk.intelligence.models import Article
from honeydesk.jobs.runner import run_pending
from honeydesk.macros.actions import Draft, do_save_macro
from honeydesk.outages.actions import do_report_incident
from honeydesk.quality.actions import Answer, do_answer_survey
from honeydesk.quality.models import Criterion, Recovery, Survey
from honeydesk.rules.models import Rule, Trigger
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


def test_the_pages_added_later_have_no_serious_violations(
    live_cast, live_server, sign_in, new_context, settings, tmp_path
):
    """The outbox, second-factor set-up, "Sign in as...?", a survey, an incident, a
    recovery, and editing an article or a macro: each with real content on it."""
    settings.EMAIL_BACKEND, settings.VAR_DIR = "honeydesk.channels.email.outbox.OutboxBackend", tmp_path
    c = live_cast
    # Resolving sends mail (kept in the outbox) and a survey each; one answer is unhappy.
    for case in (c.alice_case, c.bob_case):
        agent = c.billing_agent if case == c.alice_case else c.repair_agent
        actions.do_resolve(c.fresh(case), note="Fixed.", acting_user=agent)
    token = Message.objects.get(case=c.bob_case, data__template="survey").data["context"]["token"]
    unhappy = Survey.objects.get(case=c.alice_case)
    do_answer_survey(unhappy, Answer(rating=2, solved=False, comment="Took too long."), via=Survey.Via.PORTAL)
    recovery = Recovery.objects.get()
    incident = do_report_incident(service="Internet", area="North", acting_user=c.repair_agent)
    article = Article.objects.create(title="Reading your bill", body="Each line is one service.")
    macro = do_save_macro(Draft(name="Refund sent", reply="We refunded the charge."), acting_user=c.supervisor)
    run_pending()  # what the worker does: the queued mails go to the outbox
    mails = sorted((tmp_path / "outbox").glob("*.eml"))
    assert mails, "no mail reached the outbox"

    anonymous = with_axe(new_context().new_page())
    link = signin.request_link(c.alice, "127.0.0.1").token
    found = check(anonymous, live_server.url, [f"/portal/login/{link}/", f"/survey/{token}/"])
    staff = with_axe(sign_in("sam"))
    found |= check(
        staff,
        live_server.url,
        [
            "/desk/outbox/",
            f"/desk/outbox/{mails[0].name}/",
            "/account/second-factor/",
            f"/desk/incidents/{incident.pk}/",
            f"/desk/recovery/{recovery.pk}/",
            f"/desk/kb/{article.pk}/",
            f"/desk/macros/{macro.pk}/",
        ],
    )
    assert found == {}, found


def test_the_admin_screens_the_app_adds_have_no_serious_violations(live_cast, live_server, sign_in):
    User.objects.create_superuser("boss", "boss@example.test", "pw-boss")
    # A row in each list with cells edited in place (their labels are checked).
    rule = Rule.objects.create(name="Tag refunds", trigger=Trigger.OPENED, words="refund", add_tags="refund")
    Criterion.objects.get_or_create(name="Listens before answering")
    admin = with_axe(sign_in("boss"))
    found = check(
        admin,
        live_server.url,
        [
            "/admin/",
            "/admin/branding/brand/add/",
            f"/admin/cases/requesttype/{live_cast.billing_type.pk}/change/",
            "/admin/rules/rule/",
            "/admin/quality/criterion/",
            "/admin/rules/rule/add/",
            "/admin/webhooks/endpoint/add/",
            f"/admin/rules/rule/{rule.pk}/dry-run/",
            "/admin/accounts/securitypolicy/",
            "/admin/accounts/auditevent/",  # the sign-in above is on it
            "/desk/tags/",  # admins merge and rename tags
        ],
    )
    assert found == {}, found
