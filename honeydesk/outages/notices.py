"""Telling customers that the outage on their case is fixed: once per case and incident.

`tell_resolution` is the job `actions.do_resolve_incident` queues, and the periodic
sweep runs it again for any resolved incident with a customer not yet told (a job that
failed for good, a worker that died). Each case is its own transaction: under the case's
row lock the `ResolutionNotice` is looked for, and the entry, the notice row and the
mail are written together, so however often the job runs — or however many workers run
it at once — every customer is told exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction

from honeydesk.cases import notify
from honeydesk.cases.models import Case, Channel
from honeydesk.cases.timeline import add_event, lock, touch
from honeydesk.lib import clock
from honeydesk.outages.models import Incident, OutageReport, ResolutionNotice
from honeydesk.outages.reports import clock_text

log = logging.getLogger(__name__)

SWEEP_DAYS = 30


def resolved_text(incident: Incident) -> str:
    assert incident.resolved_at is not None
    return (
        f"The {incident.service} outage in {incident.area} is fixed: service was back at "
        f"{clock_text(incident.resolved_at)}. {incident.resolution}".strip()
        + " If anything still does not work for you, reply here and we will look at your line."
    )


def untold_case_ids(incident: Incident) -> list[int]:
    told = ResolutionNotice.objects.filter(incident=incident).values("case_id")
    return list(
        OutageReport.objects.filter(incident=incident)
        .exclude(case_id__in=told)
        .order_by("case_id")
        .values_list("case_id", flat=True)
    )


def tell_resolution(incident_id: int) -> int:
    """Tell every customer linked to a resolved incident who has not been told. Returns
    how many were told now; raises after trying them all when any failed (the job runs
    again later and skips those already told)."""
    incident = Incident.objects.filter(pk=incident_id, status=Incident.Status.RESOLVED).first()
    if incident is None:
        return 0
    told, failed = 0, 0
    for case_id in untold_case_ids(incident):
        try:
            told += tell_one(incident, case_id)
        except Exception:
            failed += 1
            log.exception("telling case %s that incident %s is fixed failed", case_id, incident_id)
    if failed:
        raise RuntimeError(f"{failed} customer(s) of incident {incident_id} not told yet; the job will retry.")
    return told


def tell_one(incident: Incident, case_id: int) -> int:
    with transaction.atomic():
        case = lock(Case(pk=case_id))
        if ResolutionNotice.objects.filter(incident=incident, case_id=case_id).exists():
            return 0
        entry = add_event(
            case,
            "",
            acting_user=None,
            author_name="honeydesk",
            channel=Channel.SYSTEM,
            public=True,
            body=resolved_text(incident),
            data={"label": "Outage fixed", "incident": incident.pk},
        )
        ResolutionNotice.objects.create(incident=incident, case_id=case_id, entry=entry, told_at=clock.now())
        touch(case, [])
        notify.outage_resolved(
            case,
            entry,
            {"service": incident.service, "area": incident.area, "incident": incident.pk, "text": entry.body},
        )
    return 1


def periodic_sweep(stop: Callable[[], bool]) -> bool:
    """The worker's safety net: resolved incidents of the last 30 days with a linked
    customer not yet told."""
    since = clock.now() - timedelta(days=SWEEP_DAYS)
    for incident_id in Incident.objects.filter(status=Incident.Status.RESOLVED, resolved_at__gte=since).values_list(
        "id", flat=True
    ):
        if stop():
            return False
        try:
            tell_resolution(incident_id)
        except RuntimeError:
            log.warning("incident %s: some customers not told yet", incident_id)
    return True
