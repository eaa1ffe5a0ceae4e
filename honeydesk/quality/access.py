"""Who may see what of the quality loop, built on the one door (`cases.access`).

- Surveys: staff see the surveys of the cases they may see; a customer sees (and
  answers) the surveys of their own cases in the portal. A survey link opens only the
  survey it names (`links.open_link`).
- Recoveries: supervisors and admins only (the Recovery queue is theirs).
Missing and forbidden are the same NotFound (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from honeydesk.accounts.models import User
from honeydesk.cases import access as case_access
from honeydesk.lib.errors import NotFound
from honeydesk.quality.models import Recovery, Survey


def surveys_visible_to(user: User) -> QuerySet[Survey]:
    return Survey.objects.filter(case__in=case_access.cases_visible_to(user))


def staff_surveys_visible_to(user: User) -> QuerySet[Survey]:
    if not (user.is_authenticated and user.is_active and user.is_staff_member):
        return Survey.objects.none()
    return surveys_visible_to(user)


def survey_for(user: User, pk: int) -> Survey:
    survey = staff_surveys_visible_to(user).select_related("case", "owner", "contact").filter(pk=pk).first()
    if survey is None:
        raise NotFound("No such survey.")
    return survey


def recoveries_visible_to(user: User) -> QuerySet[Recovery]:
    if not (user.is_authenticated and user.is_active and user.sees_everything):
        return Recovery.objects.none()
    return Recovery.objects.all()


def recovery_for(user: User, pk: int) -> Recovery:
    recovery = (
        recoveries_visible_to(user)
        .select_related("survey", "case", "case__account", "case__contact", "case__owner", "department", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if recovery is None:
        raise NotFound("No such recovery.")
    return recovery
