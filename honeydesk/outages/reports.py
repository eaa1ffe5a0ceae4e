"""Customer reports of outages: recorded as cases open, linked to the open incident of
their service and area, and grouped into a proposed incident when enough arrive.

`on_case_opened` receives the case layer's `case_opened` signal (connected in
`apps.py`), inside the transaction that opens the case. For the many cases that are not
outage reports it costs one look-up in a set held in memory; for a report, a few small
statements. Detection is serialised by a row lock on the detection settings (PostgreSQL;
SQLite serialises writers anyway), so two reports arriving together never propose two
incidents.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from honeydesk.accounts.models import User
from honeydesk.cases.models import Case, Channel, RequestType, TimelineEntry
from honeydesk.cases.timeline import add_event, lock, touch
from honeydesk.lib import clock
from honeydesk.lib.cache import Recent
from honeydesk.notifications.actions import notify, supervisors_of
from honeydesk.notifications.models import Kind
from honeydesk.outages.models import DetectionSettings, Incident, OutageReport
from honeydesk.outages.services import holds, service_reported

DEFAULT_SERVICES = ["Internet", "TV", "Home Phone"]


def detection_settings(*, for_update: bool = False) -> DetectionSettings:
    rows = DetectionSettings.objects.order_by("pk")
    if for_update:
        rows = rows.select_for_update()
    found = rows.first()
    return found or DetectionSettings.objects.create(services=DEFAULT_SERVICES)


def _outage_type_ids() -> frozenset[int]:
    through = DetectionSettings.request_types.through
    return frozenset(through.objects.values_list("requesttype_id", flat=True))


outage_type_ids: Recent[frozenset[int]] = Recent(_outage_type_ids)


def connect_cache() -> None:
    """Drop the cached request types when an admin changes them (see lib.cache); request
    types too: a type created or removed may reuse an id the set holds."""
    through = DetectionSettings.request_types.through
    m2m_changed.connect(outage_type_ids.forget, sender=through, dispatch_uid="outage-types-m2m")
    for model in (DetectionSettings, RequestType):
        uid = f"outage-types-{model.__name__}"
        post_save.connect(outage_type_ids.forget, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(outage_type_ids.forget, sender=model, dispatch_uid=f"{uid}-delete")


def on_case_opened(sender: Any, case: Case, message: TimelineEntry, **kwargs: Any) -> None:
    if case.request_type_id not in outage_type_ids.get():
        return
    record_report(case, message.body)


def record_report(case: Case, text: str) -> OutageReport:
    """Record a new case as an outage report; link it to its area's open incident for
    the service, or propose one when this report makes N within T minutes."""
    settings_row = detection_settings(for_update=True)
    account = case.account
    service = service_reported(
        fact=str(case.facts.get("service", "")) if isinstance(case.facts, dict) else "",
        text=f"{case.subject} {text}",
        plans=account.services or [],
        families=settings_row.services or DEFAULT_SERVICES,
    )
    report = OutageReport.objects.create(
        case=case, area=account.service_area, service=service, reported_at=case.created_at
    )
    if not account.service_area:
        return report
    incident = open_incident_for(account.service_area, service, account.services or [])
    if incident is not None:
        # The case was written in this very transaction: its row is ours already, and
        # its version stays what the opener was given.
        link(report, incident, acting_user=None, fresh_case=case)
    elif service:
        propose_if_due(settings_row, account.service_area, service, case.created_at)
    return report


def open_incident_for(area: str, service: str, plans: list[Any]) -> Incident | None:
    """The open incident a report about `service` in `area` belongs to. A report whose
    service could not be told belongs to one about a service the account holds."""
    candidates = Incident.objects.filter(area=area, status__in=Incident.OPEN_STATUSES).order_by("id")
    for incident in candidates:
        if incident.service == service or (not service and holds(plans, incident.service)):
            return incident
    return None


def propose_if_due(settings_row: DetectionSettings, area: str, service: str, now: datetime) -> Incident | None:
    """Propose an incident when N unlinked reports about `service` in `area` arrived
    within the last T minutes (the window ends at `now`, the newest report)."""
    since = now - timedelta(minutes=settings_row.window_minutes)
    reports = list(
        OutageReport.objects.filter(
            area=area, service=service, incident__isnull=True, reported_at__gte=since, reported_at__lte=now
        ).order_by("reported_at", "id")
    )
    if len(reports) < settings_row.reports_needed:
        return None
    incident = Incident.objects.create(
        title=f"{service} outage in {area}",
        service=service,
        area=area,
        status=Incident.Status.PROPOSED,
        summary=f"Customers in {area} report that {service} is down.",
        started_at=reports[0].reported_at,
        reported_at=now,
    )
    for report in reports:
        link(report, incident, acting_user=None)
    _tell_supervisors(incident, len(reports))
    return incident


def _tell_supervisors(incident: Incident, reports: int) -> None:
    """Only supervisors confirm or dismiss a proposal: they hear of it in the app (and by
    mail, unless they turned it off) instead of finding it when they open Incidents.
    Every staff member may see an incident, so there is no case to check access on."""
    notify(
        supervisors_of(None),
        Kind.INCIDENT_PROPOSED,
        key=f"incident-proposed:{incident.pk}",
        title=f"Possible outage: {incident.service} in {incident.area}",
        body=(
            f"{reports} customer reports about {incident.service} in {incident.area} since "
            f"{clock_text(incident.started_at)}. Confirm the incident or dismiss it."
        ),
        url=reverse("web:incident", args=[incident.pk]),
    )


def link(report: OutageReport, incident: Incident, *, acting_user: User | None, fresh_case: Case | None = None) -> None:
    """Put a report on an incident. On a confirmed incident the customer is told on
    their case that the outage is known (a public entry)."""
    report.incident = incident
    report.linked_at = clock.now()
    report.linked_by = acting_user
    report.save(update_fields=["incident", "linked_at", "linked_by"])
    if incident.status == Incident.Status.CONFIRMED:
        tell_known(report.case_id, incident, acting_user=acting_user, fresh_case=fresh_case)


def known_outage_text(incident: Incident) -> str:
    text = (
        f"This is a known outage: {incident.service} in {incident.area}, "
        f"reported at {clock_text(incident.reported_at)}. {incident.summary}".strip()
    )
    if incident.next_update_at:
        text += f" Next update by {clock_text(incident.next_update_at)}."
    return text + " We will tell you here when it is fixed."


def clock_text(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local:%H:%M}"


def tell_known(case_id: int, incident: Incident, *, acting_user: User | None, fresh_case: Case | None) -> None:
    data = {"label": "Known outage", "incident": incident.pk}
    if fresh_case is not None:
        add_event(
            fresh_case,
            "",
            acting_user=acting_user,
            author_name="" if acting_user else "honeydesk",
            channel=Channel.SYSTEM,
            public=True,
            body=known_outage_text(incident),
            data=data,
        )
        return
    case = lock(Case(pk=case_id))
    add_event(
        case,
        "",
        acting_user=acting_user,
        author_name="" if acting_user else "honeydesk",
        channel=Channel.SYSTEM,
        public=True,
        body=known_outage_text(incident),
        data=data,
    )
    touch(case, [])
