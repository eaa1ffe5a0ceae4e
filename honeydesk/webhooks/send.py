"""Sending one delivery: a job the worker runs, retried with backoff by the job runner.

Each attempt is logged on the delivery (status code, response time, error). A receiver
answering 2xx has it; anything else (another status, a redirect, a timeout, a refused
connection) is a failed attempt. After `events.ATTEMPTS` attempts the delivery is given up.
After `HONEYDESK_WEBHOOK_DISABLE_AFTER` failed attempts in a row the endpoint is disabled
and the admins are told; its waiting deliveries are then not sent.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from honeydesk.accounts.models import Role, User
from honeydesk.cases import access
from honeydesk.notifications.actions import notify
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.webhooks import events, signing
from honeydesk.webhooks.models import Delivery, Endpoint

Status = Delivery.Status


class DeliveryFailed(Exception):
    """An attempt failed; the job runner retries it later."""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is a failed attempt: the admin registered this address


_opener = urllib.request.build_opener(_NoRedirects)


def post(endpoint: Endpoint, delivery: Delivery) -> tuple[int | None, int, str]:
    """POST the delivery once: (status code or None, milliseconds, error or "")."""
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310 -- the URL's scheme is checked on save (check_url)
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "honeydesk-webhooks",
            "Honeydesk-Event": delivery.event,
            "Honeydesk-Delivery": str(delivery.event_id),
            signing.HEADER: signing.sign(endpoint.secret, body),
        },
    )
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            code = response.status
            error = ""
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        code, error = None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]
    return code, round((time.monotonic() - started) * 1000), error


def deliver(delivery_id: int) -> None:
    delivery = Delivery.objects.select_related("endpoint__owner", "case").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Status.PENDING:
        return  # already sent (a job may run twice) or removed with its endpoint
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, Status.SKIPPED, error="The endpoint is disabled.")
        return
    if delivery.case is not None and not access.cases_visible_to(endpoint.owner).filter(pk=delivery.case.pk).exists():
        _finish(delivery, Status.SKIPPED, error="The endpoint's owner may no longer see this case.")
        return
    code, ms, error = post(endpoint, delivery)
    attempts = delivery.attempts + 1
    if code is not None and 200 <= code < 300:
        _finish(delivery, Status.DELIVERED, attempts=attempts, code=code, ms=ms)
        Endpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=0)
        return
    final = attempts >= events.ATTEMPTS
    _finish(delivery, Status.FAILED if final else Status.PENDING, attempts=attempts, code=code, ms=ms, error=error)
    if _count_failure(endpoint):
        return  # disabled now: this delivery and the waiting ones are not sent
    if not final:
        raise DeliveryFailed(f"{delivery}: {error}")


def _finish(
    delivery: Delivery,
    status: str,
    *,
    attempts: int | None = None,
    code: int | None = None,
    ms: int | None = None,
    error: str = "",
) -> None:
    delivery.status = status
    delivery.attempts = delivery.attempts if attempts is None else attempts
    delivery.status_code, delivery.response_ms, delivery.error = code, ms, error[:500]
    delivery.finished_at = None if status == Status.PENDING else timezone.now()
    delivery.save(update_fields=["status", "attempts", "status_code", "response_ms", "error", "finished_at"])


def _count_failure(endpoint: Endpoint) -> bool:
    """Count a failed attempt; disable the endpoint when there were too many in a row.
    True when this attempt disabled it."""
    limit = settings.WEBHOOK_DISABLE_AFTER
    with transaction.atomic():
        Endpoint.objects.filter(pk=endpoint.pk).update(failures_in_a_row=F("failures_in_a_row") + 1)
        current = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
        if not current.active or current.failures_in_a_row < limit:
            return False
        now = timezone.now()
        reason = (
            f"{current.failures_in_a_row} failed attempts in a row; the last: {timezone.localtime(now):%b %d %H:%M}."
        )
        Endpoint.objects.filter(pk=endpoint.pk).update(active=False, disabled_at=now, disabled_reason=reason)
        Delivery.objects.filter(endpoint=endpoint, status=Status.PENDING).update(
            status=Status.SKIPPED, error="The endpoint was disabled.", finished_at=now
        )
        admins = User.objects.filter(role=Role.ADMIN, is_active=True)
        notify(
            admins,
            NoticeKind.WEBHOOK_DISABLED,
            key=f"webhook-disabled:{endpoint.pk}:{now.isoformat()}",
            title=f"Webhook “{endpoint.name}” was disabled",
            body=f"{reason} Fix the receiver, then tick Active again in the admin (Webhooks → Endpoints).",
            url=f"/admin/webhooks/endpoint/{endpoint.pk}/change/",
        )
    return True
