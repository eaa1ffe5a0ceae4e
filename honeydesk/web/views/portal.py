"""The customer portal: own cases, replies, asking for a supervisor, new requests with
the facts each request type needs, and a downloadable record of communication."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from statistics import median
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from honeydesk.accounts import audit
from honeydesk.accounts.models import Department
from honeydesk.cases import access, actions, queries
from honeydesk.cases.models import Case, RequestType, Status
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.web.views import promises
from honeydesk.web.views.common import customer_required, required_version, user_of


def typical_first_response(department: Department) -> timedelta | None:
    """Median time to first response over the department's last 100 answered cases."""
    rows = (
        Case.objects.filter(department=department, first_response_at__isnull=False)
        .order_by("-id")
        .values_list("created_at", "first_response_at")[:100]
    )
    waits = [(answered - created).total_seconds() for created, answered in rows if answered and answered >= created]
    return timedelta(seconds=median(waits)) if waits else None


def humanize(delta: timedelta | None) -> str:
    if delta is None:
        return "within one business day"
    hours = delta.total_seconds() / 3600
    if hours < 1:
        return f"within about {max(1, round(hours * 60))} minutes"
    if hours < 36:
        return f"within about {round(hours)} hour{'s' if round(hours) != 1 else ''}"
    return f"within about {round(hours / 24)} days"


def next_step(case: Case, typical: dict[int, timedelta | None] | None = None) -> str:
    """What happens next, in the customer's words. `typical` carries each department's
    typical first response across a list of cases: one query per department, not one
    per new case (the portal home lists up to 100)."""
    if case.status == Status.NEW:
        typical = {} if typical is None else typical
        if case.department_id not in typical:
            typical[case.department_id] = typical_first_response(case.department)
        return (
            f"Your request is with our {case.department.name} team. They usually answer "
            f"{humanize(typical[case.department_id])}."
        )
    if case.status == Status.OPEN:
        who = case.owner.first_name if case.owner and case.owner.first_name else "A specialist"
        return f"{who} from {case.department.name} owns your case and is working on it."
    if case.status == Status.PENDING:
        return "We are waiting for your answer. Reply below and your case moves straight back to us."
    if case.status == Status.RESOLVED:
        return (
            f"We believe this is solved. If it is not, reply within {settings.REOPEN_WINDOW_DAYS} days "
            "and we reopen it."
        )
    return "This case is closed. If the problem is back, write a new request and we link it to this one."


@require_GET
@customer_required
def portal_home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    cases = (
        access.cases_visible_to(user)
        .select_related("department", "owner", "request_type")
        .order_by("-updated_at")[:100]
    )
    typical: dict[int, timedelta | None] = {}
    rows = [{"case": c, "next": next_step(c, typical)} for c in cases]
    return render(request, "portal/home.html", {"rows": rows})


@require_GET
@customer_required
def portal_search(request: HttpRequest) -> HttpResponse:
    """A customer's search over their own cases: the workspace's search, reading only
    what they may read (subjects, their messages and our replies; never internal notes)."""
    user = user_of(request)
    query = request.GET.get("q", "")[:200]
    try:
        found = queries.search_cases(user, query, after=request.GET.get("after") or None, size=20)
    except InvalidInput:  # a cursor from another search: start again
        found = queries.search_cases(user, query, size=20)
    context = {"q": query, "hits": found.hits, "next_cursor": found.next_cursor}
    return render(request, "portal/search.html", context)


def _portal_case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    user = user_of(request)
    entries = access.entries_visible_to(user, case).select_related("author").prefetch_related("attachments")
    return {"case": case, "entries": list(entries), "next": next_step(case), **promises.portal_extras(case), **extra}


@require_GET
@customer_required
def portal_case(request: HttpRequest, ref: str) -> HttpResponse:
    case = access.case_for(user_of(request), ref)
    return render(request, "portal/case.html", _portal_case_context(request, case, new=request.GET.get("new") == "1"))


@require_POST
@customer_required
def portal_reply(request: HttpRequest, ref: str) -> HttpResponse:
    user = user_of(request)
    case = access.case_for(user, ref)
    uploads = [actions.Upload.from_file(f) for f in request.FILES.getlist("attachments")]
    try:
        entry = actions.check_customer_writes(
            case,
            body=request.POST.get("body", ""),
            acting_user=user,
            channel="portal",
            uploads=uploads,
            expected_version=required_version(request),
        )
    except DomainError as exc:
        context = _portal_case_context(request, case, error=exc, body=request.POST.get("body", ""))
        return render(request, "portal/case.html", context, status=exc.status)
    return redirect("web:portal_case", ref=entry.case.ref)


@require_POST
@customer_required
def portal_escalate(request: HttpRequest, ref: str) -> HttpResponse:
    user = user_of(request)
    case = access.case_for(user, ref)
    try:
        actions.do_escalate(
            case,
            reason=request.POST.get("reason", ""),
            acting_user=user,
            channel="portal",
            expected_version=required_version(request),
        )
    except DomainError as exc:
        context = _portal_case_context(request, case, escalate_error=exc, reason=request.POST.get("reason", ""))
        return render(request, "portal/case.html", context, status=exc.status)
    return redirect("web:portal_case", ref=case.ref)


@require_GET
@customer_required
def portal_record(request: HttpRequest, ref: str) -> HttpResponse:
    """The full record of communication, printable; ?download=1 saves it as a file."""
    user = user_of(request)
    case = access.case_for(user, ref)
    download = request.GET.get("download") == "1"
    # The saved file carries its style (opened from disk, it has no server to ask); the
    # page shown here links it, as the Content-Security-Policy allows no inline style.
    extra = {"inline_css": _record_css()} if download else {}
    response = render(request, "portal/record.html", _portal_case_context(request, case, **extra))
    if download:
        response["Content-Disposition"] = f'attachment; filename="{case.ref}-{slugify(case.subject)[:40]}.html"'
        audit.record(audit.Action.EXPORTED, actor=user, target=f"record of {case.ref}", request=request)
    return response


def _record_css() -> str:
    found = finders.find("honeydesk/record.css")
    return Path(str(found)).read_text() if found else ""


class NewRequestForm(forms.Form):
    subject = forms.CharField(max_length=200, label="In a few words, what is it about?")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Tell us what happened", max_length=50_000)
    goal = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        label="What outcome would resolve this for you?",
        help_text="For example: a corrected bill, a technician visit, a refund of $20.",
    )

    def __init__(self, *args: Any, request_type: RequestType, accounts: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.request_type = request_type
        if len(accounts) > 1:
            self.fields["account"] = forms.ChoiceField(
                choices=[(a.number, f"{a.number} — {a.name}") for a in accounts], label="Which account?"
            )
        for need in request_type.needs:
            key = f"fact_{need['key']}"
            self.fields[key] = forms.CharField(
                label=need.get("label", need["key"]),
                required=bool(need.get("required")),
                help_text=need.get("help", ""),
                max_length=200,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for need in self.request_type.needs:
            key = f"fact_{need['key']}"
            value = (data.get(key) or "").strip()
            pattern = need.get("pattern")
            if value and pattern and not re.fullmatch(pattern, value):
                self.add_error(
                    key,
                    need.get("format_message")
                    or f"This does not look like a valid {need.get('label', need['key']).lower()}.",
                )
        return data


@require_http_methods(["GET", "POST"])
@customer_required
def portal_new(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    types = list(RequestType.objects.filter(active=True).select_related("department"))
    chosen = next((t for t in types if t.slug == (request.POST.get("type") or request.GET.get("type"))), None)
    described = request.GET.get("describe", "").strip()[:5000]
    intake: dict[str, Any] = {}
    if described:
        intake = intake_from_text(described)
        chosen = chosen or next((t for t in types if t.intake_category == intake["category"]), None)
    if chosen is None:
        return render(request, "portal/new_choose.html", {"types": types, "described": described})
    accounts = list(access.accounts_visible_to(user))
    if not accounts:
        return render(
            request,
            "portal/new_choose.html",
            {"types": types, "error": "We could not find an account for you; please call us."},
            status=400,
        )
    initial = prefill(chosen, described, intake) if described else {}
    form = NewRequestForm(request.POST or None, request_type=chosen, accounts=accounts, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data.get("account") or accounts[0].number
        account = next(a for a in accounts if a.number == number)
        facts = {n["key"]: form.cleaned_data.get(f"fact_{n['key']}", "").strip() for n in chosen.needs}
        contact = account.contacts.filter(user=user).first()
        try:
            opening = actions.Opening(
                account=account,
                contact=contact,
                request_type=chosen,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                goal=form.cleaned_data["goal"],
                facts={k: v for k, v in facts.items() if v},
                channel="portal",
                uploads=[actions.Upload.from_file(f) for f in request.FILES.getlist("attachments")],
            )
            case = actions.do_open_case(opening, acting_user=user)
        except DomainError as exc:
            error = exc
        else:
            return redirect(f"/portal/cases/{case.ref}/?new=1")
    status = 422 if request.method == "POST" else 200
    context = {
        "form": form,
        "type": chosen,
        "error": error,
        "intake": intake,
        "missing": [n["label"] for n in chosen.needs if n.get("required") and not initial.get(f"fact_{n['key']}")]
        if described
        else [],
    }
    return render(request, "portal/new_form.html", context, status=status)


def intake_from_text(text: str) -> dict[str, Any]:
    from honeydesk.intelligence.analyze import analyze_message

    return analyze_message(text)


def prefill(request_type: RequestType, text: str, intake: dict[str, Any]) -> dict[str, str]:
    """Initial form values from the customer's own words: the facts we could read, the
    text as the description, its first sentence as the subject."""
    first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0]
    initial = {"body": text, "subject": first[:80].rstrip(" .!?")}
    for need in request_type.needs:
        value = intake.get("facts", {}).get(need["key"])
        if isinstance(value, list):
            value = value[0] if value else None
        if value:
            initial[f"fact_{need['key']}"] = value
    return initial
