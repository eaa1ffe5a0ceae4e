# The rule_fired timeline event (honeydesk.rules, issue 17 part 4).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0015_desk_tags_fields'),
    ]

    operations = [
        migrations.AlterField(
            model_name='timelineentry',
            name='event',
            field=models.CharField(blank=True, choices=[('opened', 'Opened'), ('owner_changed', 'Owner changed'), ('transferred', 'Transferred'), ('escalated', 'Escalated'), ('escalation_taken', 'Escalation taken'), ('status_changed', 'Status changed'), ('resolved', 'Resolved'), ('reopened', 'Reopened'), ('closed', 'Closed'), ('correction', 'Correction'), ('moved', 'Moved to another account'), ('sla_breached', 'Service level missed'), ('callback_promised', 'Call-back promised'), ('callback_kept', 'Call-back kept'), ('callback_broken', 'Call-back broken'), ('survey_answered', 'Survey answered'), ('recovery_contact', 'Recovery contact'), ('priority_changed', 'Priority changed'), ('tags_changed', 'Tags changed'), ('fields_changed', 'Fields changed'), ('macro_applied', 'Macro applied'), ('rule_fired', 'Rule fired')], max_length=20),
        ),
    ]
