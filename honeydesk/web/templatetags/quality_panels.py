"""Survey panels inside pages other parts own (the portal's and the workspace's case
pages): each reads through the quality doors for the signed-in person, so the shared
views need no change. Two queries at most each."""

from __future__ import annotations

from typing import Any

from django import template

from honeydesk.accounts.models import User
from honeydesk.cases.models import Case
from honeydesk.quality import access, surveys
from honeydesk.quality.models import SurveyOptOut

register = template.Library()


def _user(context: template.Context) -> User:
    return context["request"].user  # type: ignore[no-any-return]


@register.inclusion_tag("quality/_portal_survey.html", takes_context=True)
def portal_survey(context: template.Context, case: Case) -> dict[str, Any]:
    """The survey on the customer's resolved case: the form while it may be answered,
    their answer once given (the reopen offer after "not solved")."""
    latest = surveys.latest_of(case)
    opted_out = case.contact_id is not None and SurveyOptOut.objects.filter(contact_id=case.contact_id).exists()
    return {
        "case": case,
        "open": surveys.open_survey_of(case),
        "latest": latest,
        "opted_out": opted_out,
        "may_reopen": latest is not None
        and latest.solved is False
        and latest.reopen_requested_at is None
        and case.status == "resolved",
        "error": context.get("survey_error"),
        "form": context.get("survey_form") or {},
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("quality/_desk_survey.html", takes_context=True)
def desk_survey(context: template.Context, case: Case) -> dict[str, Any]:
    """The survey results on the workspace's case page, with the recovery for supervisors."""
    user = _user(context)
    rows = list(access.staff_surveys_visible_to(user).filter(case=case).order_by("-created_at", "-id")[:5])
    recoveries = (
        {r.survey_id: r for r in access.recoveries_visible_to(user).filter(survey_id__in=[s.pk for s in rows])}
        if rows and user.sees_everything
        else {}
    )
    return {"case": case, "rows": [(s, recoveries.get(s.pk)) for s in rows]}
