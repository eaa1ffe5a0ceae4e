"""The audit log: one function writes it, admins read it (admin site, read-only).

What belongs here is what staff (and people trying to sign in) do that no case timeline
records: sign-ins and failures, lockouts, second factors, role changes, API tokens,
exports, edits in the admin site, held mail released or rejected. What happens to a case
is on its timeline, not here.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from honeydesk.accounts.models import AuditEvent, User
from honeydesk.lib import clock

Action = AuditEvent.Action


def record(
    action: str,
    *,
    actor: User | None = None,
    actor_name: str = "",
    target: str = "",
    request: HttpRequest | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. `actor` is the signed-in person (None for an anonymous
    attempt, then `actor_name` is what they typed); `request` gives the address."""
    from honeydesk.accounts.signin import client_ip

    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = actor_name or (actor.username if actor is not None else "")
    return AuditEvent.objects.create(
        action=action,
        at=clock.now(),
        actor=actor,
        actor_name=name[:200],
        target=target[:300],
        ip=client_ip(request) if request is not None else None,
        data=data or {},
    )


def record_export(
    request: HttpRequest,
    *,
    actor: User,
    what: str,
    target: str,
    rows: int,
    filters: dict[str, Any] | None = None,
) -> AuditEvent:
    """One staff download of customer or desk data (a CSV): what was exported, with which
    filters and how many rows, so an admin can answer "who took this data out, and how
    much of it". Written when the file is built; a download that fails access is a 404
    and writes nothing."""
    return record(
        Action.EXPORTED,
        actor=actor,
        target=target,
        request=request,
        data={"what": what, "filters": filters or {}, "rows": rows, "via": _via(request)},
    )


def _via(request: HttpRequest) -> str:
    return "api" if request.path.startswith("/api/") else "page"
