"""Demo data for promises: Brightwave's business calendar and service levels (set up
before the cases are replayed, so their due times are counted in business hours), then
call-backs in every state, the service-level scan's warnings and breaches, and a few
unread notifications for the staff to find under the bell.

Everything runs through the real actions inside `clock.at(...)`, like the rest of the
demo, and inside its `registry.quiet()`: nobody is mailed. Deterministic: the cases are
picked in id order.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from honeydesk.accounts.models import ContactPoint, Department, User
from honeydesk.cases import actions
from honeydesk.cases.models import ACTIVE_STATUSES, Case, RequestType
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.models import CallbackTask
from honeydesk.lib import clock
from honeydesk.notifications.models import Kind, Notification
from honeydesk.policy import sla
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.models import BusinessCalendar, Closure, DepartmentCalendar, OpeningHours, ServiceLevel

# Request types answered faster than the default 4 business hours (slug: first response hours).
FAST = {"outage": "1", "repair": "2", "cancellation": "2"}


def setup(now: datetime) -> None:
    """The calendar every department uses and the service levels, before any case opens."""
    calendar, created = BusinessCalendar.objects.get_or_create(
        name="Brightwave support hours",
        defaults={"time_zone": "America/New_York", "holiday_country": "US", "is_default": True},
    )
    if created:
        OpeningHours.objects.bulk_create(
            [OpeningHours(calendar=calendar, weekday=d, opens=time(8), closes=time(18)) for d in range(5)]
            + [OpeningHours(calendar=calendar, weekday=5, opens=time(9), closes=time(13))]
        )
        Closure.objects.create(calendar=calendar, date=(now + timedelta(days=9)).date(), name="Staff training day")
        for department in Department.objects.all():
            DepartmentCalendar.objects.get_or_create(department=department, defaults={"calendar": calendar})
    for request_type in RequestType.objects.all():
        first = Decimal(FAST.get(request_type.slug, "4"))
        ServiceLevel.objects.get_or_create(
            request_type=request_type,
            priority="",
            defaults={"first_response_hours": first, "next_response_hours": Decimal("8"), "resolution_hours": 40},
        )
        ServiceLevel.objects.get_or_create(
            request_type=request_type,
            priority="urgent",
            defaults={"first_response_hours": Decimal("1"), "next_response_hours": 2, "resolution_hours": 8},
        )


def _callable_cases() -> list[Case]:
    with_phone = ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE).values("contact_id")
    return list(
        Case.objects.filter(status__in=ACTIVE_STATUSES, owner__isnull=False, contact_id__in=with_phone)
        .select_related("owner", "department", "contact")
        .order_by("id")
    )


def follow_up(now: datetime) -> dict[str, int]:
    """Call-backs (kept, broken, due soon, overdue, asked for by a customer), the scans'
    warnings and breaches, and unread notifications."""
    cases = _callable_cases()
    made = {"kept": 0, "broken": 0, "due soon": 0, "overdue": 0, "asked by the customer": 0}
    for i, case in enumerate(cases[:10]):
        owner = case.owner
        assert owner is not None
        hours = hours_for(case.department_id)
        kind = ["kept", "broken", "due soon", "overdue", "asked by the customer"][i % 5]
        if kind == "kept":
            promised = now - timedelta(days=2, hours=i)
            with clock.at(promised):
                callbacks.do_promise_callback(
                    case, due_at=hours.add_hours(promised, 2), acting_user=owner, about="Confirm the fix held"
                )
            with clock.at(promised + timedelta(minutes=50)):
                actions.do_log_call(
                    case, body="Called back as promised; all working now.", acting_user=owner, direction="outbound"
                )
        elif kind == "broken":
            promised = now - timedelta(days=3, hours=i)
            with clock.at(promised):
                callbacks.do_promise_callback(
                    case, due_at=hours.add_hours(promised, 1), acting_user=owner, about="Credit decision"
                )
            callbacks.scan(now - timedelta(days=1))
        elif kind == "due soon":
            with clock.at(now - timedelta(minutes=20)):
                callbacks.do_promise_callback(
                    case, due_at=now + timedelta(minutes=25), acting_user=owner, about="Walk through the new bill"
                )
        elif kind == "overdue":
            with clock.at(now - timedelta(hours=5)):
                callbacks.do_promise_callback(
                    case, due_at=now - timedelta(hours=1), acting_user=owner, about="Engineer visit time"
                )
        else:
            with clock.at(now - timedelta(hours=2)):
                when = hours.next_open(now + timedelta(days=1))
                customer = case.contact.user if case.contact and case.contact.user else owner
                callbacks.do_request_callback(case, when=when, acting_user=customer, note="After 10 if possible")
        made[kind] += 1
    # What the worker would have done by now (reminders, broken promises, breaches).
    callbacks.scan(now)
    sla.scan(now)
    _notifications(now, cases)
    return made


def _notifications(now: datetime, cases: list[Case]) -> None:
    """A few unread notifications for the people who would have had them (the replayed
    history told nobody: it ran quietly)."""
    rows = []
    for n, case in enumerate(cases[:6]):
        owner = case.owner
        if owner is None:
            continue
        kind, title = [
            (Kind.ASSIGNED, f"{case.ref} assigned to you"),
            (Kind.CUSTOMER_REPLIED, f"{case.contact.name if case.contact else 'The customer'} replied on {case.ref}"),
            (Kind.SLA_WARNING, f"Resolution due soon on {case.ref}"),
        ][n % 3]
        rows.append(
            Notification(
                user=owner,
                kind=kind,
                key=f"demo:{case.pk}:{kind}",
                case=case,
                title=title,
                body=case.subject,
                url=f"/desk/cases/{case.ref}/",
                created_at=now - timedelta(minutes=10 * (n + 1)),
            )
        )
    for supervisor in User.objects.filter(role="supervisor").order_by("id"):
        overdue = CallbackTask.objects.filter(done_at__isnull=True, due_at__lt=now).order_by("id").first()
        if overdue is not None:
            rows.append(
                Notification(
                    user=supervisor,
                    kind=Kind.CALLBACK_OVERDUE,
                    key=f"demo:callback:{overdue.pk}:{supervisor.pk}",
                    case=overdue.case,
                    title=f"Call-back to {overdue.phone} is overdue",
                    url="/desk/callbacks/?tab=overdue",
                    created_at=now - timedelta(minutes=5),
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
