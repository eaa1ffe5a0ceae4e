"""Promises in the workspace and the portal: service-level due times on the case, call-backs
(the composer's "Call back", the promise a sent reply made, the Call-backs queue, the
customer's "call me at"), suggestions intake made (a supervisor asked for, a threat to
leave), and staff notifications (the bell, the page, mark read, mail per kind).

Live parts refresh by htmx polling (every 30 s, only while the tab is visible): one
capped count or one short page per poll, served by any app-server worker. Server-sent
events would hold a worker thread per open tab for as long as it stays open, and
`honeydesk serve` on SQLite runs one thread per worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from honeydesk.accounts.models import ContactPoint, Department, Role, User
from honeydesk.cases import access, proposal_actions, proposals
from honeydesk.cases.models import Case, Proposal, Status, TimelineEntry
from honeydesk.channels.phone import access as phone_access
from honeydesk.channels.phone import callbacks
from honeydesk.channels.phone.models import CallbackOutcome, CallbackTask, PromiseState
from honeydesk.channels.phone.outbound import RECORDABLE, do_complete_callback
from honeydesk.lib import clock
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.notifications import actions as notes
from honeydesk.notifications.models import Kind as NoticeKind
from honeydesk.policy import sla
from honeydesk.policy.calendars import hours_for
from honeydesk.policy.hours import Hours
from honeydesk.policy.models import SlaEvent, Target
from honeydesk.policy.promises import find_promise
from honeydesk.web.views.common import customer_required, page, staff_required, user_of

PICKER = "%Y-%m-%dT%H:%M"
OFFER_WINDOW = timedelta(minutes=30)


def _tz_name(hours: Hours) -> str:
    return str(getattr(hours.tz, "key", hours.tz))


def parse_local(raw: str, hours: Hours, field: str) -> datetime:
    """A datetime-local value ("2025-03-12T15:00") read in the calendar's time zone."""
    try:
        naive = datetime.strptime((raw or "").strip(), PICKER)
    except ValueError:
        raise InvalidInput.field(field, "Choose a date and a time.") from None
    return naive.replace(tzinfo=hours.tz)


# --- the case page ---------------------------------------------------------------------


def _late(seconds: int | None) -> str:
    if seconds is None:
        return ""
    amount = "under 1 min" if seconds < 60 else sla.span(timedelta(seconds=seconds))
    return f"{amount} late (business time)"


def _sla_rows(case: Case, hours: Hours, now: datetime) -> list[dict[str, Any]]:
    # Breaches met since carry the final overrun; a next-response target leaves the case
    # once answered, so its missed ones are shown from their breach rows.
    breaches = list(SlaEvent.objects.filter(case=case, kind=SlaEvent.Kind.BREACH).order_by("due_at"))
    overrun = {(b.target, b.due_at): b.overrun_seconds for b in breaches}
    rows = []
    shown = [
        (Target.FIRST_RESPONSE, case.first_response_due_at, case.first_response_at),
        (Target.NEXT_RESPONSE, case.next_response_due_at, None),
        (Target.RESOLUTION, case.resolution_due_at, case.resolved_at),
    ]
    shown[1:1] = [
        (Target.NEXT_RESPONSE, b.due_at, b.met_at)
        for b in breaches
        if b.target == Target.NEXT_RESPONSE and b.met_at is not None
    ][-3:]
    for target, due, met in shown:
        if due is None or (met is None and not case.is_active and target != Target.RESOLUTION):
            continue
        if met is not None:
            state = "met" if met <= due else "late"
        elif not case.is_active:
            continue
        elif case.sla_paused_at is not None:
            state = "paused"
        else:
            state = "overdue" if due < now else "due"
        rows.append(
            {
                "label": Target(target).label,
                "due": callbacks.local(due, hours),
                "iso": due.isoformat(),
                "state": state,
                "late": _late(overrun.get((target, due))) if state == "late" else "",
            }
        )
    return rows


def _offer(user: User, case: Case, hours: Hours, now: datetime, own: list[TimelineEntry]) -> dict[str, Any] | None:
    """The promise the rep's reply just made, offered to be recorded (never silently):
    while that reply is the latest thing on the case and nothing was recorded for it.
    `own`: the case's own entries in time order."""
    latest = next((e for e in reversed(own) if e.kind != TimelineEntry.Kind.EVENT), None)
    if latest is None or latest.kind != TimelineEntry.Kind.OUTBOUND or latest.author_id != user.pk:
        return None
    if latest.created_at < now - OFFER_WINDOW:
        return None
    found = find_promise(latest.body, now, hours.tz)
    if found is None or found.due <= now:
        return None
    if any(e.event == TimelineEntry.Event.CALLBACK_PROMISED and e.pk > latest.pk for e in own):
        return None  # recorded (or another promise made) since
    return {
        "entry_id": latest.pk,
        "kind": found.kind,
        "phrase": found.phrase,
        "due": callbacks.local(found.due, hours),
        "value": found.due.astimezone(hours.tz).strftime(PICKER),
    }


CALLBACKS_SHOWN = 10


def case_extras(user: User, case: Case, timeline: list[TimelineEntry], points: list[ContactPoint]) -> dict[str, Any]:
    """What the case page shows of promises (merged into the page's context). `timeline`:
    the entries the page shows, in time order; the case's own are read from it. `points`:
    the customer's contact points the page shows (the call-back number comes from them)."""
    own = [e for e in timeline if e.case_id == case.pk]
    latest_message = next((e.body for e in reversed(own) if e.kind == TimelineEntry.Kind.INBOUND), "")
    now = clock.now()
    hours = hours_for(case.department_id)
    tasks = list(
        CallbackTask.objects.filter(case=case).select_related("owner").order_by("-created_at")[:CALLBACKS_SHOWN]
    )
    for task in tasks:
        task.due_local = callbacks.local(task.due_at, hours)  # type: ignore[attr-defined]
        task.overdue = task.done_at is None and task.due_at < now  # type: ignore[attr-defined]
    # Fewer than shown: these are all of the case's tasks, and the default time is read from them.
    every_task = tasks if len(tasks) < CALLBACKS_SHOWN else None
    open_proposals = proposals.open_proposals(case)
    wants_to_leave = any(p.kind == Proposal.Kind.RETENTION for p in open_proposals)
    return {
        "sla_rows": _sla_rows(case, hours, now),
        "callbacks": tasks,
        "proposals": open_proposals,
        "retention": proposals.retention_department() if wants_to_leave else None,
        "callback_default": callbacks.suggested_time(case, now, latest_message=latest_message, tasks=every_task)
        .astimezone(hours.tz)
        .strftime(PICKER),
        "callback_phone": callbacks.contact_phone(case, points),
        "calendar_tz": _tz_name(hours),
        "calendar_hours": hours.describe(),
        "promise_offer": _offer(user, case, hours, now, own) if case.is_active else None,
    }


def _back_to_case(request: HttpRequest, case: Case, error: DomainError | None = None) -> HttpResponse:
    from honeydesk.web.views.desk import _after_action

    return _after_action(request, case.ref, error, {k: str(v) for k, v in request.POST.items()})


@require_POST
@staff_required
def promise_callback(request: HttpRequest, ref: str) -> HttpResponse:
    """The composer's "Call back" (and "Record the promise" after a reply)."""
    user = user_of(request)
    case = access.case_for(user, ref)
    try:
        hours = hours_for(case.department_id)
        due = parse_local(request.POST.get("due_at", ""), hours, "due_at")
        entry = request.POST.get("entry_id", "")
        callbacks.do_promise_callback(
            case,
            due_at=due,
            acting_user=user,
            phone=request.POST.get("phone", ""),
            about=request.POST.get("about", ""),
            entry_id=int(entry) if entry.isdigit() else None,
        )
    except DomainError as exc:
        return _back_to_case(request, case, exc)
    return _back_to_case(request, case)


@require_POST
@staff_required
def proposal_action(request: HttpRequest, ref: str, kind: str, decision: str) -> HttpResponse:
    """Confirm a proposed escalation in one click, or dismiss a suggestion."""
    user = user_of(request)
    case = access.case_for(user, ref)
    nxt = request.POST.get("next", "")
    back = nxt if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}) else ""
    try:
        if decision == "confirm" and kind == Proposal.Kind.ESCALATE:
            proposal_actions.do_confirm_escalation(case, acting_user=user)
        elif decision == "dismiss":
            proposal_actions.do_dismiss_proposal(case, kind, acting_user=user, note=request.POST.get("note", ""))
        else:
            raise InvalidInput.field("decision", "Confirm an escalation or dismiss a suggestion.")
    except DomainError as exc:
        if back:  # from a queue: say so there
            messages.error(request, f"{case.ref}: {exc.message}")
            return redirect(back)
        return _back_to_case(request, case, exc)
    if back:
        messages.success(request, f"{case.ref} escalated to a supervisor." if decision == "confirm" else "Dismissed.")
        return redirect(back)
    return _back_to_case(request, case)


# --- the Call-backs queue ----------------------------------------------------------------

TABS = [("mine", "Mine"), ("department", "Department"), ("overdue", "Overdue"), ("settled", "Settled")]


def _callbacks_tab(user: User, key: str, now: datetime) -> QuerySet[CallbackTask]:
    tasks = phone_access.callbacks_visible_to(user)
    if key == "mine":
        return tasks.filter(owner=user, done_at__isnull=True).order_by("due_at", "id")
    if key == "department":
        return tasks.filter(done_at__isnull=True).order_by("due_at", "id")
    if key == "overdue":
        return tasks.filter(done_at__isnull=True, due_at__lt=now).order_by("due_at", "id")
    return tasks.exclude(promise_state=PromiseState.OPEN).order_by("-settled_at", "-id")


@require_GET
@staff_required
def callback_queue(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    now = clock.now()
    default = "overdue" if user.sees_everything else "mine"
    key = request.GET.get("tab", default)
    if key not in dict(TABS):
        key = default
    counts = {k: _callbacks_tab(user, k, now).order_by()[:1000].count() for k, _ in TABS if k != "settled"}
    rows = list(_callbacks_tab(user, key, now).select_related("department", "case", "contact", "owner")[:100])
    calendars: dict[int, Hours] = {}
    for task in rows:
        if task.department_id not in calendars:
            calendars[task.department_id] = hours_for(task.department_id)
        task.due_local = callbacks.local(task.due_at, calendars[task.department_id])  # type: ignore[attr-defined]
        task.overdue = task.done_at is None and task.due_at < now  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "tab": key,
        "tabs": [(k, label, counts.get(k)) for k, label in TABS],
        "rows": rows,
        "outcomes": [(o.value, o.label) for o in RECORDABLE],
    }
    if user.sees_everything:
        since = now - timedelta(days=30)
        recent = CallbackTask.objects.filter(due_at__gte=since)
        staff = {u.pk: u for u in User.objects.filter(role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN])}
        depts = {d.pk: d for d in Department.objects.all()}
        context["rate"] = callbacks.kept_rate(recent)
        context["by_rep"] = [
            (staff[pk].display_name, r) for pk, r in callbacks.kept_rates_by(recent, "owner").items() if pk in staff
        ]
        context["by_department"] = [
            (depts[pk].name, r) for pk, r in callbacks.kept_rates_by(recent, "department").items() if pk in depts
        ]
    return page(request, "desk/callbacks.html", "desk/_callbacks.html", context)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    nxt = request.POST.get("next", "")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return redirect(nxt)
    return redirect("web:callbacks")


@require_POST
@staff_required
def callback_close(request: HttpRequest, task_id: int) -> HttpResponse:
    """Record the call (kept when in time), or close the promise as broken with a reason."""
    user = user_of(request)
    task = phone_access.callback_for(user, task_id)
    outcome = request.POST.get("outcome", "")
    try:
        if outcome == "broken":
            callbacks.do_break_callback(task, reason=request.POST.get("reason", ""), acting_user=user)
        else:
            do_complete_callback(task, outcome=outcome, note=request.POST.get("note", ""), acting_user=user)
    except DomainError as exc:
        messages.error(request, f"Call-back #{task.pk}: {exc.message}")
        return _back_to_queue(request)
    done = phone_access.callback_for(user, task.pk)
    label = {True: "kept", False: "broken"}.get(done.kept, CallbackOutcome(done.outcome).label.lower())  # type: ignore[arg-type]
    messages.success(request, f"Call-back #{done.pk} recorded: promise {label}.")
    return _back_to_queue(request)


# --- notifications ---------------------------------------------------------------------


@require_GET
@staff_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    context = {
        "notes": notes.notifications_for(user),
        "unread": notes.unread_count(user),
        "preferences": notes.email_preferences(user),
    }
    return render(request, "desk/notifications.html", context)


@require_GET
@staff_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/_bell.html", {"unread": notes.unread_count(user_of(request))})


@require_POST
@staff_required
def notification_read(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    notes.do_mark_read(user, ids if request.POST.get("all") != "1" else None)
    target = request.POST.get("open", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("web:notifications")


@require_POST
@staff_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    chosen = set(request.POST.getlist("email"))
    notes.do_set_email_preferences(user, {k.value: k.value in chosen for k in NoticeKind})
    messages.success(request, "Your e-mail choices are saved.")
    return redirect("web:notifications")


# --- the portal: "call me at" ------------------------------------------------------------


def portal_extras(case: Case) -> dict[str, Any]:
    hours = hours_for(case.department_id)
    now = clock.now()
    asked = list(CallbackTask.objects.filter(case=case, done_at__isnull=True, due_at__gt=now).order_by("due_at")[:3])
    for task in asked:
        task.due_local = callbacks.local(task.due_at, hours)  # type: ignore[attr-defined]
    return {
        "call_hours": hours.describe(),
        "call_tz": _tz_name(hours),
        "call_default": hours.next_open(now + callbacks.CUSTOMER_NOTICE + timedelta(hours=1))
        .astimezone(hours.tz)
        .strftime(PICKER),
        "call_phone": callbacks.contact_phone(case),
        "calls_asked": asked,
        "can_ask_call": case.status != Status.CLOSED,
    }


@require_POST
@customer_required
def portal_call_me(request: HttpRequest, ref: str) -> HttpResponse:
    from honeydesk.web.views.portal import _portal_case_context

    user = user_of(request)
    case = access.case_for(user, ref)
    try:
        hours = hours_for(case.department_id)
        when = parse_local(request.POST.get("when", ""), hours, "when")
        callbacks.do_request_callback(
            case, when=when, acting_user=user, phone=request.POST.get("phone", ""), note=request.POST.get("note", "")
        )
    except DomainError as exc:
        context = _portal_case_context(request, case, call_error=exc, call_form=dict(request.POST.items()))
        return render(request, "portal/case.html", context, status=exc.status)
    return redirect(reverse("web:portal_case", args=[case.ref]) + "#call-me")
