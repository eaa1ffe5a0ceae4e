import django.db.models.deletion
from django.db import migrations, models

# Two single-column indexes that the composite ones already serve (emailmsg_sender_rate
# leads with sender, emailmsg_case with case_id): every stored message wrote both for
# nothing (bench/email_ingest.py). Only the indexes are dropped, as in cases 0008, so
# SQLite does not rebuild the table. The names are Django's, the same on both databases.
DROPPED = {
    "email_channel_message_sender_e8b7ecc3": ("email_channel_message", "sender"),
    "email_channel_message_case_id_de196aae": ("email_channel_message", "case_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_event_moved"),
        ("email_channel", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="message",
                    name="case",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="email_messages",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="message",
                    name="sender",
                    field=models.CharField(blank=True, max_length=254),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED],
                    [
                        f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")'
                        for name, (table, column) in DROPPED.items()
                    ],
                )
            ],
        )
    ]
