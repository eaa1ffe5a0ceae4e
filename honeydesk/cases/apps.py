from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def refresh_sqlite_statistics(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """SQLite's planner needs table statistics to choose the queue indexes (partial
    indexes look no better than a plain one without them). PostgreSQL's autovacuum keeps
    its own; SQLite gets them after each migrate (and from `honeydesk worker`)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
            cursor.execute("ANALYZE")


class CasesConfig(AppConfig):
    name = "honeydesk.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from honeydesk.accounts.models import Department
        from honeydesk.cases import housekeeping, queries
        from honeydesk.cases.models import RequestType
        from honeydesk.cases.search_index import register_sqlite_functions
        from honeydesk.jobs import schedule

        post_migrate.connect(refresh_sqlite_statistics, sender=self)
        # The search index's triggers call hd_fold() on SQLite, so every connection needs it.
        connection_created.connect(register_sqlite_functions)
        for model in (RequestType, Department):
            for signal in (post_save, post_delete):
                signal.connect(
                    queries.request_types.forget, sender=model, dispatch_uid=f"request-types-{model.__name__}"
                )
        schedule.every("housekeeping")(housekeeping.periodic_round)
