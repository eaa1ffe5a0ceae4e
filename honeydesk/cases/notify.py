"""Mail that actions send, always after the transaction commits.

A mail that fails to send never undoes the change it reports: the case record is the
truth, mail is a copy. (The e-mail channel adds threading headers and delivery retries.)
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

if TYPE_CHECKING:
    from honeydesk.cases.models import Case, TimelineEntry

log = logging.getLogger(__name__)


def _send(subject: str, body: str, to: list[str], from_email: str) -> None:
    if not to:
        return
    try:
        EmailMessage(subject=subject, body=body, from_email=from_email, to=to).send()
    except Exception:  # a mail server outage must not break the action that committed
        log.exception("sending %r to %s failed", subject, to)


def _customer_address(case: Case) -> list[str]:
    if case.contact is None:
        return []
    address = case.contact.primary_email
    return [address] if address else []


def _from(case: Case) -> str:
    return case.department.email_from or settings.DEFAULT_FROM_EMAIL


def _later(subject: str, template: str, case: Case, to: list[str], **context: object) -> None:
    body = render_to_string(template, {"case": case, "base_url": settings.BASE_URL, **context})
    transaction.on_commit(lambda: _send(subject, body, to, _from(case)))


def case_opened(case: Case, entry: TimelineEntry) -> None:
    _later(f"[{case.ref}] We have your request: {case.subject}", "emails/case_opened.txt", case,
           _customer_address(case))


def reply_sent(case: Case, entry: TimelineEntry) -> None:
    _later(f"[{case.ref}] {case.subject}", "emails/reply.txt", case, _customer_address(case), entry=entry)


def status_changed(case: Case, before: str, after: str) -> None:
    # Customers see every status change in the portal; mail goes out for the ones that
    # ask something of them or close the loop.
    if after in ("pending", "resolved"):
        _later(f"[{case.ref}] {case.get_status_display()}: {case.subject}", "emails/status.txt", case,
               _customer_address(case), before=before, after=after)


def escalated(case: Case) -> None:
    from honeydesk.accounts.models import Role, User

    to = list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").values_list("email", flat=True)
    )
    _later(f"[{case.ref}] Supervisor requested: {case.subject}", "emails/escalated.txt", case, to)
