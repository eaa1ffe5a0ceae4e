"""Service targets moved to honeydesk.policy's service levels (copied there first)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_sla_proposals_and_events"),
        ("policy", "0002_levels_from_request_types"),
    ]

    operations = [
        migrations.RemoveField(model_name="requesttype", name="first_response_hours"),
        migrations.RemoveField(model_name="requesttype", name="resolution_hours"),
    ]
