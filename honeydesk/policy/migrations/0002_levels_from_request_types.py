"""Request types kept their service targets in calendar hours; they become service levels
(any priority), and cases opened before keep the due times they were shown then (in
calendar hours): a new rule never rewrites the due times of cases already running."""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations
from django.db.models import DateTimeField, ExpressionWrapper, F, Value


def forwards(apps, schema_editor):
    RequestType = apps.get_model("cases", "RequestType")
    Case = apps.get_model("cases", "Case")
    ServiceLevel = apps.get_model("policy", "ServiceLevel")
    for rt in RequestType.objects.all():
        ServiceLevel.objects.get_or_create(
            request_type=rt,
            priority="",
            defaults={
                "first_response_hours": Decimal(rt.first_response_hours),
                "resolution_hours": Decimal(rt.resolution_hours),
            },
        )

        def due(hours):
            return ExpressionWrapper(F("created_at") + Value(timedelta(hours=hours)), output_field=DateTimeField())

        Case.objects.filter(request_type=rt).update(
            first_response_due_at=due(rt.first_response_hours), resolution_due_at=due(rt.resolution_hours)
        )
    # The soonest target still running, for "due soonest"; the scan looks at active ones.
    active = Case.objects.filter(status__in=["new", "open", "pending"])
    active.filter(first_response_at__isnull=True).update(sla_due_at=F("first_response_due_at"))
    active.filter(first_response_at__isnull=False).update(sla_due_at=F("resolution_due_at"))
    active.filter(status="pending").update(sla_due_at=None, sla_paused_at=F("updated_at"))
    active.exclude(status="pending").update(sla_check_at=F("sla_due_at"))


def backwards(apps, schema_editor):
    RequestType = apps.get_model("cases", "RequestType")
    ServiceLevel = apps.get_model("policy", "ServiceLevel")
    for level in ServiceLevel.objects.filter(priority=""):
        RequestType.objects.filter(pk=level.request_type_id).update(
            first_response_hours=int(level.first_response_hours), resolution_hours=int(level.resolution_hours)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("policy", "0001_initial"),
        ("cases", "0011_sla_proposals_and_events"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
