"""Quality pages: the survey behind a mailed link (no sign-in), the survey on the
portal's case page, and the supervisors' Recovery queue.

Thin: parse -> access (the quality doors, or the signed link) -> action -> render. A
bad link gets a page that says what happened (status 404/409/410), never a survey the
link does not name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from honeydesk.cases import access as case_access
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.cases.timeline import past_reopen_window
from honeydesk.lib import clock
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.quality import access, actions, config, links, scoring, surveys
from honeydesk.quality.models import Recovery, RecoveryOutcome, Survey, SurveyOptOut
from honeydesk.web.views import portal
from honeydesk.web.views.common import customer_required, parse_int, staff_required, user_of

PROBLEMS = {
    "invalid": (
        "This survey link does not work",
        "The link is incomplete or was changed. Please use the link exactly as it came in our e-mail, "
        "or answer on your case in the portal.",
    ),
    "expired": (
        "This survey has closed",
        "The link has expired. Thank you all the same — if something is still wrong, write to us and we will help.",
    ),
    "withdrawn": (
        "This survey no longer applies",
        "The case was reopened after we sent it, so we will ask again once it is resolved.",
    ),
    "answered": ("Thank you — you have answered this survey", "Each survey link can be used once."),
}


def _answer_from(request: HttpRequest) -> actions.Answer:
    rating = parse_int(request.POST.get("rating"))
    solved_raw = request.POST.get("solved", "")
    solved: Any = {"yes": True, "no": False}.get(solved_raw)
    return actions.Answer(
        rating=rating if rating is not None else 0, solved=solved, comment=request.POST.get("comment", "")
    )


def _may_reopen(survey: Survey) -> bool:
    return (
        survey.solved is False
        and survey.reopen_requested_at is None
        and survey.case.status == Status.RESOLVED
        and not past_reopen_window(survey.case)
    )


def _problem_page(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    title, text = PROBLEMS[problem]
    return render(request, "quality/survey_problem.html", {"title": title, "text": text}, status=status)


@require_http_methods(["GET", "POST"])
def survey_link(request: HttpRequest, token: str) -> HttpResponse:
    """The survey a mailed link names. GET shows it; POST answers it (`action` answer),
    asks to reopen the case after a "not solved" answer (`reopen`), or opts out (`opt_out`)."""
    opened = links.open_link(token, lifetime=config.survey_lifetime())
    survey = opened.survey
    action = request.POST.get("action", "answer") if request.method == "POST" else ""
    if survey is not None and opened.problem == "answered" and action in ("reopen", "opt_out"):
        return _after_answer_action(request, survey, action, token)
    if survey is None or opened.problem:
        return _problem_page(request, opened.problem or "invalid", opened.status)
    context: dict[str, Any] = {"survey": survey, "case": survey.case, "token": token, "form": {}}
    if action == "opt_out":
        return _after_answer_action(request, survey, action, token)
    if action == "answer":
        try:
            survey = actions.do_answer_survey(survey, _answer_from(request), via=Survey.Via.LINK)
        except DomainError as exc:
            context.update(error=exc, form=request.POST)
            return render(request, "quality/survey.html", context, status=exc.status)
        return render(
            request, "quality/survey_thanks.html", {**context, "survey": survey, "may_reopen": _may_reopen(survey)}
        )
    return render(request, "quality/survey.html", context)


def _after_answer_action(request: HttpRequest, survey: Survey, action: str, token: str) -> HttpResponse:
    context: dict[str, Any] = {"survey": survey, "case": survey.case, "token": token}
    if action == "opt_out":
        if survey.contact is not None:
            actions.do_opt_out(survey.contact, via=SurveyOptOut.Via.SURVEY)
        return render(request, "quality/survey_thanks.html", {**context, "opted_out": True})
    try:
        survey = actions.do_reopen_from_survey(survey)
    except DomainError as exc:
        return render(request, "quality/survey_thanks.html", {**context, "error": exc}, status=exc.status)
    return render(request, "quality/survey_thanks.html", {**context, "reopened": True})


@require_POST
@customer_required
def portal_survey(request: HttpRequest, ref: str) -> HttpResponse:
    """The survey on the customer's own resolved case in the portal."""
    user = user_of(request)
    # The customer's own say: staff who may see the case must not answer for the
    # customer (a rep rating their own work) nor opt them out, so they get the 404
    # of a missing page, as anyone else does.
    if user.is_staff_member:
        raise Http404("Not found")
    case = case_access.case_for(user, ref)
    action = request.POST.get("action", "answer")
    back = reverse("web:portal_case", args=[case.ref]) + "#survey"
    if action == "opt_out":
        if case.contact is not None:
            actions.do_opt_out(case.contact, via=SurveyOptOut.Via.PORTAL)
        return redirect(back)
    if action == "reopen":
        latest = surveys.latest_of(case)
        if latest is None:
            raise Http404("Not found")
        try:
            actions.do_reopen_from_survey(latest, acting_user=user)
        except DomainError as exc:
            return _portal_refused(request, case, exc)
        return redirect(back)
    survey = surveys.open_survey_of(case)
    if survey is None:
        return _portal_refused(request, case, InvalidInput("There is no survey to answer on this case."))
    try:
        actions.do_answer_survey(survey, _answer_from(request), via=Survey.Via.PORTAL, acting_user=user)
    except DomainError as exc:
        return _portal_refused(request, case, exc)
    return redirect(back)


def _portal_refused(request: HttpRequest, case: Case, exc: DomainError) -> HttpResponse:
    context = portal._portal_case_context(request, case, survey_error=exc, survey_form=request.POST)
    return render(request, "portal/case.html", context, status=exc.status)


# --- the Recovery queue ---------------------------------------------------------------


def _supervisor(request: HttpRequest) -> None:
    if not user_of(request).sees_everything:
        raise Http404("Not found")


@require_GET
@staff_required
def recovery_queue(request: HttpRequest) -> HttpResponse:
    _supervisor(request)
    user = user_of(request)
    now = clock.now()
    visible = access.recoveries_visible_to(user).select_related("survey", "case", "case__account", "department")
    waiting = list(visible.filter(closed_at__isnull=True).order_by("due_at", "id"))
    closed = list(
        visible.filter(closed_at__isnull=False).select_related("closed_by").order_by("-closed_at", "-id")[:20]
    )
    return render(request, "quality/recovery_queue.html", {"waiting": waiting, "closed": closed, "now": now})


def _recovery_context(request: HttpRequest, recovery: Recovery, **extra: Any) -> dict[str, Any]:
    user = user_of(request)
    case = recovery.case
    entries = (
        case_access.entries_visible_to(user, case)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    linkable = (
        TimelineEntry.objects.filter(
            case=case,
            kind__in=actions.CONTACT_KINDS,
            author__isnull=False,
            created_at__gte=recovery.opened_at,
        )
        .select_related("author")
        .order_by("-created_at", "-id")
    )
    return {
        "recovery": recovery,
        "survey": recovery.survey,
        "case": case,
        "entries": list(entries),
        "contacts": list(recovery.contacts.select_related("entry", "by")),
        "linkable": list(linkable),
        "outcomes": RecoveryOutcome.choices,
        "now": clock.now(),
        "may_reopen": case.status == Status.RESOLVED and recovery.survey.solved is False,
        "form": {},
        **extra,
    }


@require_GET
@staff_required
def recovery_page(request: HttpRequest, recovery_id: int) -> HttpResponse:
    recovery = access.recovery_for(user_of(request), recovery_id)
    return render(request, "quality/recovery.html", _recovery_context(request, recovery))


@require_POST
@staff_required
def recovery_record(request: HttpRequest, recovery_id: int) -> HttpResponse:
    user = user_of(request)
    recovery = access.recovery_for(user, recovery_id)
    post = request.POST
    how = post.get("contact", "")
    contacted = actions.Contacted(
        outcome=post.get("outcome", ""),
        entry_id=parse_int(how.removeprefix("entry-")) if how.startswith("entry-") else None,
        write=how if how in ("call", "reply") else "",
        text=post.get("text", ""),
        note=post.get("note", ""),
    )
    if how.startswith("entry-") and contacted.entry_id is None:
        contacted = actions.Contacted(outcome=contacted.outcome, entry_id=0, note=contacted.note)
    try:
        actions.do_record_contact(
            recovery, contacted, acting_user=user, expected_version=parse_int(post.get("version"))
        )
    except DomainError as exc:
        context = _recovery_context(request, recovery, error=exc, form=post)
        return render(request, "quality/recovery.html", context, status=exc.status)
    return redirect(reverse("web:recovery", args=[recovery.pk]))


# --- automatic reply scores -----------------------------------------------------------


@require_GET
@staff_required
def reply_scores(request: HttpRequest) -> HttpResponse:
    """Each rep's share of sent replies that listen, scored automatically by the coach:
    a rep sees their own row, supervisors everyone's."""
    user = user_of(request)
    days = 30
    rows = scoring.shares(clock.now() - timedelta(days=days), None if user.sees_everything else [user.pk])
    return render(request, "quality/reply_scores.html", {"rows": rows, "days": days})
