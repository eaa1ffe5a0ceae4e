"""The incidents pages of the workspace: proposals for supervisors to confirm or
dismiss (with the reports they group), open incidents to update and resolve, a form to
report one, and each incident with its linked cases."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from honeydesk.accounts.models import CustomerAccount
from honeydesk.cases import access as case_access
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.outages import access, actions
from honeydesk.outages.models import Incident, IncidentUpdate, OutageReport
from honeydesk.outages.reports import detection_settings
from honeydesk.web.views.common import staff_required, user_of


def _when(request: HttpRequest, name: str) -> datetime | None:
    """A datetime-local field, read in the site's time zone."""
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    parsed = parse_datetime(raw)
    if parsed is None:
        raise InvalidInput.field(name, "Give a date and time like 2026-03-02 14:30.")
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


@require_GET
@staff_required
def incidents_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    incidents = access.incidents_visible_to(user).annotate(linked=Count("reports")).select_related("reported_by")
    proposed = list(incidents.filter(status=Incident.Status.PROPOSED).order_by("reported_at"))
    reports = OutageReport.objects.filter(incident__in=[i.pk for i in proposed]).select_related("case__account")
    grouped: dict[int, list[OutageReport]] = {}
    for report in reports.order_by("reported_at", "id"):
        assert report.incident_id is not None
        grouped.setdefault(report.incident_id, []).append(report)
    areas = (
        CustomerAccount.objects.exclude(service_area="")
        .values_list("service_area", flat=True)
        .distinct()
        .order_by("service_area")
    )
    context = {
        "proposed": [(i, grouped.get(i.pk, [])) for i in proposed],
        "open": list(incidents.filter(status=Incident.Status.CONFIRMED).order_by("-reported_at")),
        "resolved": list(incidents.filter(status=Incident.Status.RESOLVED).order_by("-resolved_at")[:20]),
        "areas": list(areas),
        "services": detection_settings().services,
        "is_supervisor": user.sees_everything,
        "form": {k: str(v) for k, v in request.GET.items()},
    }
    return render(request, "outages/incidents.html", context)


@require_GET
@staff_required
def incident_page(request: HttpRequest, incident_id: int) -> HttpResponse:
    user = user_of(request)
    incident = access.incident_for(user, incident_id)
    reports = (
        OutageReport.objects.filter(incident=incident)
        .select_related("case__account", "case__request_type", "linked_by")
        .order_by("reported_at", "id")
    )
    context = {
        "incident": incident,
        "reports": list(reports),
        "updates": list(IncidentUpdate.objects.filter(incident=incident).select_related("posted_by")),
        "affected": incident.affected.count(),
        "is_supervisor": user.sees_everything,
    }
    return render(request, "outages/incident.html", context)


@require_POST
@staff_required
def incident_report(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    post = request.POST
    try:
        incident = actions.do_report_incident(
            service=post.get("service", ""),
            area=post.get("area", ""),
            title=post.get("title", ""),
            summary=post.get("summary", ""),
            started_at=_when(request, "started_at"),
            next_update_at=_when(request, "next_update_at"),
            acting_user=user,
        )
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("web:incidents")
    messages.success(request, f"Outage #{incident.pk} reported; customers in {incident.area} see the banner.")
    return redirect("web:incident", incident_id=incident.pk)


def _message(exc: DomainError) -> str:
    details = [m for msgs in exc.fields.values() for m in msgs if m != exc.message]
    return " ".join([exc.message, *details])


@require_POST
@staff_required
def incident_action(request: HttpRequest, incident_id: int, name: str) -> HttpResponse:
    user = user_of(request)
    incident = access.incident_for(user, incident_id)
    post = request.POST
    try:
        if name == "confirm":
            actions.do_confirm_incident(
                incident,
                summary=post.get("summary", ""),
                next_update_at=_when(request, "next_update_at"),
                acting_user=user,
            )
            done = "Confirmed: linked customers are told, the banner is up."
        elif name == "dismiss":
            actions.do_dismiss_incident(incident, reason=post.get("reason", ""), acting_user=user)
            done = "Dismissed."
        elif name == "update":
            actions.do_post_update(
                incident, body=post.get("body", ""), next_update_at=_when(request, "next_update_at"), acting_user=user
            )
            done = "Update posted."
        elif name == "resolve":
            actions.do_resolve_incident(incident, resolution=post.get("resolution", ""), acting_user=user)
            done = "Resolved: every linked customer is told on their case."
        elif name == "link":
            case = case_access.case_for(user, post.get("case", ""))
            actions.do_link_case(incident, case, acting_user=user)
            done = f"{case.ref} linked."
        else:
            raise InvalidInput.field("action", f"Unknown action {name!r}.")
    except DomainError as exc:
        messages.error(request, _message(exc))
    else:
        messages.success(request, done)
    if post.get("back") == "list":
        return redirect("web:incidents")
    return redirect("web:incident", incident_id=incident.pk)
