"""A desk writes its own policy in the admin: every save that changes it records a new
version; decisions already taken keep theirs."""

from honeydesk.accounts.models import User
from honeydesk.credits import actions
from honeydesk.credits.models import AuthorityLimit, CreditPolicy, Decision, PolicyRule, PolicyVersion
from honeydesk.credits.policy import current_policy, recommend
from honeydesk.credits.tests.conftest import ask


def _form(policy: CreditPolicy, **changes) -> dict:
    data = {
        "name": policy.name,
        "currency": policy.currency,
        "repeat_window_days": policy.repeat_window_days,
        "max_amount": str(policy.max_amount),
    }
    rules = list(PolicyRule.objects.filter(policy=policy))
    data |= {"rules-TOTAL_FORMS": len(rules), "rules-INITIAL_FORMS": len(rules), "rules-MIN_NUM_FORMS": 0,
             "rules-MAX_NUM_FORMS": 1000}  # fmt: skip
    for i, rule in enumerate(rules):
        for field in ("id", "position", "condition", "outcome", "plain_words", "what_would_change"):
            data[f"rules-{i}-{field}"] = getattr(rule, field)
        data[f"rules-{i}-cap"] = "" if rule.cap is None else str(rule.cap)
        data[f"rules-{i}-policy"] = policy.pk
    limits = list(AuthorityLimit.objects.filter(policy=policy))
    data |= {"limits-TOTAL_FORMS": len(limits), "limits-INITIAL_FORMS": len(limits), "limits-MIN_NUM_FORMS": 0,
             "limits-MAX_NUM_FORMS": 1000}  # fmt: skip
    for i, limit in enumerate(limits):
        data[f"limits-{i}-id"] = limit.pk
        data[f"limits-{i}-policy"] = policy.pk
        data[f"limits-{i}-role"] = limit.role
        data[f"limits-{i}-per_request"] = "" if limit.per_request is None else str(limit.per_request)
        data[f"limits-{i}-per_account_month"] = "" if limit.per_account_month is None else str(limit.per_account_month)
    data.update(changes)
    return data


def test_an_admin_edits_the_policy_and_a_new_version_takes_over(credits):
    cast = credits
    req = actions.do_request_credit(cast.alice_case, ask(), acting_user=cast.alice, channel="portal")
    actions.do_decide_credit(req, action="decline", acting_user=cast.billing_agent)
    policy = CreditPolicy.objects.get()
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    url = f"/admin/credits/creditpolicy/{policy.pk}/change/"
    page = c.get(url).content.decode()
    assert "plain_words" in page and "per_account_month" in page
    always = next(i for i, r in enumerate(PolicyRule.objects.filter(policy=policy)) if r.condition == "always")
    agent = next(i for i, lim in enumerate(AuthorityLimit.objects.filter(policy=policy)) if lim.role == "agent")
    response = c.post(
        url,
        _form(
            policy,
            **{
                f"rules-{always}-plain_words": "We credit a first request only for an outage or a billing error.",
                f"limits-{agent}-per_request": "75.00",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PolicyVersion.objects.count() == 2
    assert current_policy().limit_for("agent").per_request == 75
    assert Decision.objects.get().version.number == 1  # the old decision keeps its version and words
    assert "credited only when" in Decision.objects.get().rule_text
    c.post(url, _form(policy))  # saved again unchanged: no new version
    assert PolicyVersion.objects.count() == 2
    req2 = actions.do_request_credit(cast.bob_case, ask(), acting_user=cast.bob, channel="portal")
    assert recommend(req2, for_user=cast.repair_agent).rule.plain_words.startswith("We credit a first request only")


def test_a_decline_rule_must_say_what_would_change(credits):
    policy = CreditPolicy.objects.get()
    c = credits.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    always = next(i for i, r in enumerate(PolicyRule.objects.filter(policy=policy)) if r.condition == "always")
    response = c.post(
        f"/admin/credits/creditpolicy/{policy.pk}/change/", _form(policy, **{f"rules-{always}-what_would_change": ""})
    )
    assert (
        response.status_code == 200 and "A decline must say what would change the answer." in response.content.decode()
    )
    assert PolicyVersion.objects.count() == 1
