from typing import Any

from django.apps import AppConfig
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
        post_migrate.connect(refresh_sqlite_statistics, sender=self)
