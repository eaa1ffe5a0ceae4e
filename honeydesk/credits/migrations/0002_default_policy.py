"""The default written credit policy (rules, authority limits) and its version 1,
loaded by `honeydesk migrate`. The words and the snapshot come from
`honeydesk.credits.defaults`, the same the live code uses."""

from typing import Any

from django.db import migrations
from django.utils import timezone

from honeydesk.credits import defaults


def forwards(apps: Any, schema_editor: Any) -> None:
    CreditPolicy = apps.get_model("credits", "CreditPolicy")
    PolicyRule = apps.get_model("credits", "PolicyRule")
    AuthorityLimit = apps.get_model("credits", "AuthorityLimit")
    PolicyVersion = apps.get_model("credits", "PolicyVersion")
    if CreditPolicy.objects.exists():
        return
    policy = CreditPolicy.objects.create(**defaults.DEFAULT_POLICY)
    for rule in defaults.DEFAULT_RULES:
        PolicyRule.objects.create(policy=policy, **rule)
    limits = [
        {"role": role, "per_request": per_request, "per_account_month": per_month}
        for role, per_request, per_month in defaults.DEFAULT_LIMITS
    ]
    for limit in limits:
        AuthorityLimit.objects.create(policy=policy, **limit)
    rules = [dict(r, id=i) for i, r in enumerate(defaults.DEFAULT_RULES)]
    PolicyVersion.objects.create(
        policy=policy,
        number=1,
        content=defaults.snapshot(defaults.DEFAULT_POLICY, rules, limits),
        created_at=timezone.now(),
    )


def backwards(apps: Any, schema_editor: Any) -> None:
    for name in ("PolicyVersion", "AuthorityLimit", "PolicyRule", "CreditPolicy"):
        apps.get_model("credits", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
