"""Telling staff: notifications in the app, and mail for the kinds each person wants.

`notify` is the one way in, for the case layer's events (`listeners`), service-level
warnings (`honeydesk.policy.sla`) and call-back reminders (the phone channel). It runs
in the caller's transaction: the notification exists exactly when the change it reports
does. It skips anyone who may not see the case (a rep is never told about a case
outside their departments) and anyone already told about the same `key`; mail goes out
by a job after the commit, claimed once (`send_email`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string

from honeydesk.accounts.models import Role, User
from honeydesk.cases import access
from honeydesk.cases.models import Case
from honeydesk.channels.registry import is_quiet
from honeydesk.jobs.runner import enqueue
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput
from honeydesk.notifications.models import EMAIL_BY_DEFAULT, Kind, Notification, Preference

log = logging.getLogger(__name__)


def supervisors_of(department_id: int | None) -> list[User]:
    """The department's supervisors; all supervisors when it has none of its own."""
    active = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("id")
    own = list(active.filter(departments=department_id)) if department_id is not None else []
    return own or list(active)


def may_see(user: User, case: Case) -> bool:
    return access.can_see(user, case)


def wants_email(users: Sequence[User], kind: str) -> set[int]:
    chosen = dict(Preference.objects.filter(user__in=users, kind=kind).values_list("user_id", "email"))
    default = EMAIL_BY_DEFAULT.get(Kind(kind), False)
    return {u.pk for u in users if chosen.get(u.pk, default) and u.email}


def notify(
    users: Iterable[User | None],
    kind: str,
    *,
    key: str,
    title: str,
    body: str = "",
    case: Case | None = None,
    url: str = "",
) -> list[Notification]:
    """Tell `users` (staff who may see `case`, not yet told about `key`). Without a case
    the caller has checked that they may see what it is about (a call-back)."""
    if is_quiet():
        return []
    people: dict[int, User] = {}
    for user in users:
        if user is None or not user.is_active or not user.is_staff_member or user.pk in people:
            continue
        if case is None or may_see(user, case):
            people[user.pk] = user
    if not people:
        return []
    told = set(Notification.objects.filter(user_id__in=people, key=key).values_list("user_id", flat=True))
    fresh = [u for pk, u in people.items() if pk not in told]
    if not fresh:
        return []
    mail = wants_email(fresh, kind)
    now = clock.now()
    if not url and case is not None:
        url = f"/desk/cases/{case.ref}/"
    rows = Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                kind=kind,
                key=key[:200],
                case=case,
                title=title[:200],
                body=body,
                url=url[:300],
                created_at=now,
                email_wanted=u.pk in mail,
            )
            for u in fresh
        ]
    )
    for row in rows:
        if row.email_wanted:
            enqueue(send_email, {"notification_id": row.pk})
    return rows


def send_email(notification_id: int) -> None:
    """The job: mail one notification, at most once. The claim (setting `emailed_at`)
    commits before the mail server is asked, so a second run, or a second worker, finds
    it claimed and sends nothing; a failure gives the claim back and the job retries."""
    claimed = Notification.objects.filter(pk=notification_id, email_wanted=True, emailed_at__isnull=True).update(
        emailed_at=clock.now()
    )
    if not claimed:
        return
    note = Notification.objects.select_related("user", "case").get(pk=notification_id)
    context = {"note": note, "base_url": settings.BASE_URL.rstrip("/")}
    mail = EmailMultiAlternatives(
        subject=f"[honeydesk] {note.title}",
        body=render_to_string("emails/notification.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[note.user.email],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    mail.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
    try:
        mail.send()
    except Exception:
        Notification.objects.filter(pk=notification_id).update(emailed_at=None)
        raise


# --- the person's own inbox -----------------------------------------------------------


def notifications_for(user: User) -> list[Notification]:
    """Not a door to a case: only the person's own notifications, and of those only the
    ones about cases they may still see (a case transferred away drops out)."""
    return list(visible_to(user).select_related("case")[:100])


def visible_to(user: User) -> QuerySet[Notification]:
    access.require_staff(user)
    mine = Notification.objects.filter(user=user)
    if user.sees_everything:
        return mine
    return mine.filter(Q(case__isnull=True) | Q(case_id__in=access.cases_visible_to(user).values("id")))


def unread_count(user: User, cap: int = 99) -> int:
    return visible_to(user).filter(read_at__isnull=True).order_by()[: cap + 1].count()


def do_mark_read(user: User, ids: Sequence[int] | None = None) -> int:
    """Mark the person's notifications read (all unread ones when `ids` is None)."""
    access.require_staff(user)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=clock.now())


def email_preferences(user: User) -> list[tuple[str, str, bool]]:
    chosen = dict(Preference.objects.filter(user=user).values_list("kind", "email"))
    return [(k.value, k.label, chosen.get(k.value, EMAIL_BY_DEFAULT[k])) for k in Kind]


def do_set_email_preferences(user: User, wanted: dict[str, bool]) -> None:
    access.require_staff(user)
    unknown = sorted(set(wanted) - set(Kind.values))
    if unknown:
        raise InvalidInput.field("kinds", f"Unknown kinds: {', '.join(unknown)}.")
    with transaction.atomic():
        for kind, email in wanted.items():
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email": bool(email)})
