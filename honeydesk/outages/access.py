"""The outages' door, built on honeydesk.cases.access.

Staff see every incident. A customer sees the incidents that happened (confirmed or
resolved, never a proposal or a dismissed one) in the service areas of their accounts,
and nothing of who reported or linked what. Everyone else sees none. Missing and
forbidden are the same NotFound.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from honeydesk.accounts.models import CustomerAccount, User
from honeydesk.cases import access
from honeydesk.lib.errors import NotFound
from honeydesk.outages.models import Incident, IncidentUpdate
from honeydesk.outages.services import holds


def incidents_visible_to(user: User) -> QuerySet[Incident]:
    incidents = Incident.objects.all()
    if not user.is_authenticated or not user.is_active:
        return incidents.none()
    if user.is_staff_member:
        return incidents
    areas = _areas_of(user)
    return incidents.filter(status__in=Incident.REAL_STATUSES, area__in=areas)


def _areas_of(user: User) -> list[str]:
    ids = access.customer_account_ids(user)
    return sorted({a for a in CustomerAccount.objects.filter(pk__in=ids).values_list("service_area", flat=True) if a})


def incident_for(user: User, incident_id: int) -> Incident:
    incident = incidents_visible_to(user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("No such incident.")
    return incident


@dataclass(frozen=True)
class Banner:
    incident: Incident
    latest: IncidentUpdate | None


def banners_for(user: User) -> list[Banner]:
    """The confirmed, unresolved outages of a customer's area and services: what the
    portal's banner shows. Staff and strangers get none."""
    if not user.is_authenticated or not user.is_active or user.is_staff_member:
        return []
    accounts = list(
        CustomerAccount.objects.filter(pk__in=access.customer_account_ids(user)).values_list("service_area", "services")
    )
    areas = {area for area, _ in accounts if area}
    if not areas:
        return []
    open_ones = Incident.objects.filter(status=Incident.Status.CONFIRMED, area__in=areas).order_by("reported_at")
    shown = [i for i in open_ones if any(area == i.area and holds(plans or [], i.service) for area, plans in accounts)]
    latest: dict[int, IncidentUpdate] = {}
    for update in IncidentUpdate.objects.filter(incident__in=[i.pk for i in shown]).order_by("posted_at", "id"):
        latest[update.incident_id] = update
    return [Banner(i, latest.get(i.pk)) for i in shown]
