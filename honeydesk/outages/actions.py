"""Every change to an incident is an action here (one transaction each, `acting_user`
keyword, the record written with it).

Staff report incidents and post updates; supervisors (and admins) confirm or dismiss
what the system proposed; staff resolve. Confirming (or reporting) links the area's
unlinked reports of the service since the outage began, tells those customers on their
cases that the outage is known, and records the accounts in the area holding the
service as affected. Resolving records them again (accounts that joined meanwhile) and
queues the job that tells every linked customer, once (`notices.tell_resolution`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from honeydesk.accounts.models import CustomerAccount, Role, User
from honeydesk.cases.models import Case
from honeydesk.cases.timeline import check_staff, require_text
from honeydesk.channels import registry
from honeydesk.jobs.runner import enqueue
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition
from honeydesk.outages import notices
from honeydesk.outages.models import AffectedAccount, Incident, IncidentUpdate, OutageReport
from honeydesk.outages.reports import detection_settings, link, tell_known
from honeydesk.outages.services import holds

Status = Incident.Status


def _check_supervisor(user: User, what: str) -> None:
    if user.role not in (Role.SUPERVISOR, Role.ADMIN) or not user.is_active:
        raise InvalidInput.field("user", f"Only supervisors {what}.")


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


def _check_times(started_at: datetime | None, next_update_at: datetime | None, now: datetime) -> None:
    if started_at is not None and started_at > now:
        raise InvalidInput.field("started_at", "The outage cannot start in the future.")
    if next_update_at is not None and next_update_at <= now:
        raise InvalidInput.field("next_update_at", "The next update must be in the future.")


def do_report_incident(
    *,
    service: str,
    area: str,
    acting_user: User,
    title: str = "",
    summary: str = "",
    started_at: datetime | None = None,
    next_update_at: datetime | None = None,
) -> Incident:
    """Staff know of an outage: it is confirmed from the start."""
    check_staff(acting_user, "user")
    service = require_text("service", service, max_chars=80)
    area = require_text("area", area, max_chars=80)
    title = (title or "").strip()[:200] or f"{service} outage in {area}"
    summary = (summary or "").strip()
    if len(summary) > 2000:
        raise InvalidInput.field("summary", "The summary is too long (2000 characters at most).")
    now = clock.now()
    _check_times(started_at, next_update_at, now)
    with transaction.atomic():
        # The lock detection takes: a report proposing this very incident meanwhile waits.
        detection_settings(for_update=True)
        open_one = Incident.objects.filter(area=area, service=service, status__in=Incident.OPEN_STATUSES).first()
        if open_one is not None:
            raise InvalidTransition(
                f"Incident #{open_one.pk} is already {open_one.get_status_display().lower()} for {service} in {area}; "
                + ("confirm it instead." if open_one.status == Status.PROPOSED else "post an update on it instead.")
            )
        incident = Incident.objects.create(
            title=title,
            service=service,
            area=area,
            status=Status.CONFIRMED,
            summary=summary or f"{service} is down in {area}. Our engineers are working on it.",
            started_at=started_at or now,
            reported_at=now,
            next_update_at=next_update_at,
            reported_by=acting_user,
            confirmed_at=now,
            confirmed_by=acting_user,
        )
        _gather(incident, acting_user=acting_user)
    return incident


def do_confirm_incident(
    incident: Incident, *, acting_user: User, summary: str = "", next_update_at: datetime | None = None
) -> Incident:
    _check_supervisor(acting_user, "confirm a proposed outage")
    now = clock.now()
    _check_times(None, next_update_at, now)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.PROPOSED:
            raise InvalidTransition(
                f"Incident #{incident.pk} is {incident.get_status_display().lower()}, not proposed."
            )
        incident.status = Status.CONFIRMED
        incident.confirmed_at, incident.confirmed_by = now, acting_user
        if summary.strip():
            incident.summary = summary.strip()[:2000]
        if next_update_at is not None:
            incident.next_update_at = next_update_at
        incident.save()
        _gather(incident, acting_user=acting_user)
    return incident


def do_dismiss_incident(incident: Incident, *, reason: str, acting_user: User) -> Incident:
    """Not an outage after all (a coincidence of reports). Its reports stay with it, so
    they do not propose it again; the reason is internal."""
    _check_supervisor(acting_user, "dismiss a proposed outage")
    reason = require_text("reason", reason, max_chars=2000)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.PROPOSED:
            raise InvalidTransition(
                f"Incident #{incident.pk} is {incident.get_status_display().lower()}, not proposed."
            )
        incident.status = Status.DISMISSED
        incident.dismissed_at, incident.dismissed_by, incident.dismiss_reason = clock.now(), acting_user, reason
        incident.save()
    return incident


def do_post_update(
    incident: Incident, *, body: str, acting_user: User, next_update_at: datetime | None = None
) -> IncidentUpdate:
    check_staff(acting_user, "user")
    body = require_text("body", body, max_chars=2000, label="Update")
    now = clock.now()
    _check_times(None, next_update_at, now)
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.CONFIRMED:
            raise InvalidTransition(
                f"Incident #{incident.pk} is {incident.get_status_display().lower()}; "
                "updates go on confirmed incidents."
            )
        update = IncidentUpdate.objects.create(
            incident=incident, body=body, next_update_at=next_update_at, posted_by=acting_user, posted_at=now
        )
        incident.next_update_at = next_update_at
        incident.save(update_fields=["next_update_at"])
    return update


def do_resolve_incident(
    incident: Incident, *, resolution: str, acting_user: User, resolved_at: datetime | None = None
) -> Incident:
    check_staff(acting_user, "user")
    resolution = require_text("resolution", resolution, max_chars=2000)
    now = clock.now()
    with transaction.atomic():
        incident = _locked(incident)
        if incident.status != Status.CONFIRMED:
            raise InvalidTransition(
                f"Incident #{incident.pk} is {incident.get_status_display().lower()}; "
                "only confirmed incidents are resolved."
            )
        moment = resolved_at or now
        if moment > now or moment < incident.started_at:
            raise InvalidInput.field("resolved_at", "The service came back between the start of the outage and now.")
        incident.status = Status.RESOLVED
        incident.resolved_at, incident.resolved_by, incident.resolution = moment, acting_user, resolution
        incident.next_update_at = None
        incident.save()
        record_affected(incident)
        if registry.is_quiet():
            # Replayed history (the demo): the record is written now; nobody is told.
            notices.tell_resolution(incident.pk)
        else:
            # Tried in this process right after the commit (the record should not wait
            # for a worker); the worker runs it again if that fails or is cut short.
            enqueue(notices.tell_resolution, {"incident_id": incident.pk}, run_after_commit=True)
    return incident


def do_link_case(incident: Incident, case: Case, *, acting_user: User) -> OutageReport:
    """Staff put a case on an incident by hand (a report filed under another type)."""
    check_staff(acting_user, "user")
    with transaction.atomic():
        incident = _locked(incident)
        if not incident.is_open:
            raise InvalidTransition(f"Incident #{incident.pk} is {incident.get_status_display().lower()}.")
        account = CustomerAccount.objects.get(pk=case.account_id)
        if account.service_area != incident.area:
            raise InvalidInput.field(
                "case", f"{case.ref} is on an account in {account.service_area or 'no area'}, not {incident.area}."
            )
        report = OutageReport.objects.select_for_update().filter(case_id=case.pk).first()
        if report is not None and report.incident_id is not None:
            raise InvalidTransition(f"{case.ref} is already linked to incident #{report.incident_id}.")
        if report is None:
            report = OutageReport.objects.create(
                case_id=case.pk, area=incident.area, service=incident.service, reported_at=case.created_at
            )
        link(report, incident, acting_user=acting_user)
        if incident.status == Status.CONFIRMED:
            AffectedAccount.objects.bulk_create(
                [AffectedAccount(incident=incident, account_id=account.pk, recorded_at=clock.now())],
                ignore_conflicts=True,
            )
    return report


def _gather(incident: Incident, *, acting_user: User) -> None:
    """On a newly confirmed incident: link the unlinked reports of its service and area
    since it began, tell every linked customer it is known, record affected accounts."""
    linked = list(OutageReport.objects.filter(incident=incident).values_list("case_id", flat=True))
    loose = OutageReport.objects.filter(
        area=incident.area,
        service=incident.service,
        incident__isnull=True,
        reported_at__gte=incident.started_at,
    ).order_by("reported_at", "id")
    for case_id in linked:
        tell_known(case_id, incident, acting_user=acting_user, fresh_case=None)
    for report in loose:
        link(report, incident, acting_user=None)
    record_affected(incident)


def record_affected(incident: Incident) -> int:
    """Accounts in the incident's area holding its service, and the accounts of its
    reports, on record as affected (again: accounts that joined meanwhile count)."""
    now = clock.now()
    in_area = CustomerAccount.objects.filter(service_area=incident.area).values_list("id", "services")
    ids = {pk for pk, plans in in_area if holds(plans or [], incident.service)}
    ids |= set(OutageReport.objects.filter(incident=incident).values_list("case__account_id", flat=True))
    rows = [AffectedAccount(incident=incident, account_id=pk, recorded_at=now) for pk in sorted(ids)]
    AffectedAccount.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return len(rows)
