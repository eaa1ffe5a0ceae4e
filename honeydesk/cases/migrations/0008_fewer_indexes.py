import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# Foreign keys whose lookups a composite index already serves lose their own index.
# Only the indexes are dropped (SeparateDatabaseAndState): letting Django alter the
# fields would rebuild the tables on SQLite, and a rebuild drops the triggers that keep
# the timeline append-only and the search index filled (migrations 0002 and 0004).
# The names are Django's, the same on SQLite and PostgreSQL.
DROPPED = {
    "cases_case_account_id_18367a6b": ("cases_case", "account_id"),
    "cases_case_department_id_c5b7309d": ("cases_case", "department_id"),
    "cases_case_owner_id_352cf2f7": ("cases_case", "owner_id"),
    "cases_timelineentry_case_id_75b5ec95": ("cases_timelineentry", "case_id"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_superuser_role"),
        ("cases", "0007_service_targets"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.customeraccount",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="department",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="accounts.department",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="owner",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="owned_cases",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineentry",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="cases.case",
                    ),
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
