import django.db.models.deletion
from django.db import migrations, models

# Two single-column indexes that the composite ones already serve (emailmsg_sender_rate
# leads with sender, emailmsg_case with case_id): every stored message wrote both for
# nothing (bench/email_ingest.py). Only the indexes are dropped, as in cases 0008, so
# SQLite does not rebuild the table. The names are Django's, the same on both databases;
# PostgreSQL also has a "_like" twin of the sender index (for LIKE 'x%', never used here).
DROPPED = {
    "email_channel_message_sender_e8b7ecc3": ("email_channel_message", "sender"),
    "email_channel_message_case_id_de196aae": ("email_channel_message", "case_id"),
}
LIKE = "email_channel_message_sender_e8b7ecc3_like"


def drop(apps, schema_editor):
    for name in [*DROPPED, LIKE]:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor):
    for name, (table, column) in DROPPED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{LIKE}" ON "email_channel_message" ("sender" varchar_pattern_ops)'
        )


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
            database_operations=[migrations.RunPython(drop, restore)],
        )
    ]
