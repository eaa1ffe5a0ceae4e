"""Audit events for what Django and its security libraries report by signal: sign-ins,
failures, lockouts (django-axes), sign-outs and every change made in the admin site."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.http import HttpRequest

from honeydesk.accounts import audit
from honeydesk.accounts.models import User

Action = audit.Action


def signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit.record(Action.SIGNED_IN, actor=user, request=request, data={"role": user.role})


def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    typed = str(credentials.get("username", ""))[:150]
    audit.record(Action.SIGN_IN_FAILED, actor_name=typed, target=typed, request=request)


def signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(Action.SIGNED_OUT, actor=user, request=request)


def locked_out(sender: Any, request: HttpRequest, username: str | None, ip_address: str | None, **kwargs: Any) -> None:
    audit.record(
        Action.LOCKED_OUT,
        actor_name=(username or "")[:150],
        target=username or "",
        request=request,
        data={"ip_address": ip_address},
    )


def admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Every add, change and delete in the admin site (policies, request types,
    departments, users, tokens, mailboxes...), with Django's own description of it."""
    if not created:
        return
    kind = {ADDITION: "added", CHANGE: "changed", DELETION: "deleted"}.get(instance.action_flag, "changed")
    model = instance.content_type.model if instance.content_type_id else ""
    audit.record(
        Action.ADMIN_CHANGE,
        actor=instance.user,
        target=f"{model} {instance.object_repr}"[:300],
        data={"what": kind, "model": model, "object_id": instance.object_id, "change": instance.get_change_message()},
    )
