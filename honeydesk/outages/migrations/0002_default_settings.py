"""The default detection settings: 3 reports within 60 minutes; request types whose
slug names an outage count as reports (the admin changes either)."""

from typing import Any

from django.db import migrations

SERVICES = ["Internet", "TV", "Home Phone"]


def forwards(apps: Any, schema_editor: Any) -> None:
    DetectionSettings = apps.get_model("outages", "DetectionSettings")
    RequestType = apps.get_model("cases", "RequestType")
    if DetectionSettings.objects.exists():
        return
    row = DetectionSettings.objects.create(reports_needed=3, window_minutes=60, services=SERVICES)
    row.request_types.set(RequestType.objects.filter(slug__icontains="outage"))


def backwards(apps: Any, schema_editor: Any) -> None:
    apps.get_model("outages", "DetectionSettings").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("outages", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
