"""The customer portal: own cases, replies, asking for a supervisor, new requests with
the facts each request type needs, and a downloadable record of communication."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from django import forms
from django.contrib.staticfiles import finders
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from honeydesk.accounts import audit
from honeydesk.cases import access, actions, queries
from honeydesk.cases.models import Case, RequestType, Status, TimelineEntry
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.policy.calendars import hours_for
from honeydesk.web.views import merging, promises
from honeydesk.web.views.common import customer_required, required_version, user_of
from honeydesk.web.views.portal_next import Situation, next_step


@require_GET
@customer_required
def portal_home(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    cases = list(
        access.cases_visible_to(user)
        .select_related("department", "owner", "request_type")
        .order_by("-updated_at")[:100]
    )
    situation = Situation.for_cases(cases)
    rows = [(c, {"case": c, "next": next_step(c, situation)}) for c in cases]
    # Active cases first, as their own group: what the customer is waiting for.
    active = [row for c, row in rows if c.is_active]
    finished = [row for c, row in rows if not c.is_active]
    return render(request, "portal/home.html", {"active": active, "finished": finished, "any": bool(rows)})


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


# Moves between the working states (new, open, waiting) are staff bookkeeping: the status
# badge says where the case is. Changes to or from resolved or closed stay: they tell the
# customer their case was settled or taken up again.
WORKING = [Status.NEW, Status.OPEN, Status.PENDING]
BOOKKEEPING = Q(kind=TimelineEntry.Kind.EVENT, event=TimelineEntry.Event.STATUS_CHANGED) & (
    Q(data__from__in=WORKING) & Q(data__to__in=WORKING)
)


# After a POST the page is shown again at its confirmation (#confirmation, focused by
# portal.js): what was done, in the customer's words.
CONFIRMATIONS = {
    "reply": "Your message is on your case. We will answer here and by e-mail.",
    "supervisor": "We asked a supervisor to look at your case. They will contact you.",
}


def customer_entries(request: HttpRequest, case: Case) -> list[TimelineEntry]:
    """The customer's timeline: what they may read (access.py), less the staff bookkeeping."""
    entries = access.entries_visible_to(user_of(request), case).exclude(BOOKKEEPING)
    return list(entries.select_related("author").prefetch_related("attachments"))


def _portal_case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        "entries": customer_entries(request, case),
        "next": next_step(case),
        "tz": hours_for(case.department_id).tz,
        "confirmation": CONFIRMATIONS.get(request.GET.get("done", "")),
        **promises.portal_extras(case),
        **extra,
    }


def confirmed(ref: str, done: str) -> HttpResponse:
    return redirect(f"{reverse('web:portal_case', args=[ref])}?done={done}#confirmation")


@require_GET
@customer_required
def portal_case(request: HttpRequest, ref: str) -> HttpResponse:
    case = access.case_for(user_of(request), ref)
    if moved := merging.followed(user_of(request), case, "web:portal_case"):
        return moved
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
    return confirmed(entry.case.ref, "reply")


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
    return confirmed(case.ref, "supervisor")


@require_GET
@customer_required
def portal_record(request: HttpRequest, ref: str) -> HttpResponse:
    """The full record of communication, printable, in the case's local time; ?download=1
    saves it as one file that carries its attachments."""
    user = user_of(request)
    case = access.case_for(user, ref)
    download = request.GET.get("download") == "1"
    context = _portal_case_context(request, case)
    if download:
        # The saved file carries its style (opened from disk, it has no server to ask); the
        # page shown here links it, as the Content-Security-Policy allows no inline style.
        context["inline_css"] = _record_css()
        embed_attachments(context["entries"])
    response = render(request, "portal/record.html", context)
    if download:
        response["Content-Disposition"] = f'attachment; filename="{case.ref}-{slugify(case.subject)[:40]}.html"'
        audit.record(audit.Action.EXPORTED, actor=user, target=f"record of {case.ref}", request=request)
    return response


# A saved record holds its attachments up to this size in all; the rest are listed by name.
EMBED_LIMIT_BYTES = 25 * 1024 * 1024


def embed_attachments(entries: list[TimelineEntry]) -> None:
    """Give each attachment (as prefetched on the entries) `data_url`, a data: URL of its
    bytes, so the saved file keeps them. Always application/octet-stream: opened from the
    record, a file downloads and never runs."""
    budget = EMBED_LIMIT_BYTES
    for entry in entries:
        for attachment in entry.attachments.all():
            if attachment.size > budget:
                continue
            with attachment.file.open("rb") as f:
                data = f.read()
            budget -= len(data)
            url = "data:application/octet-stream;base64," + base64.b64encode(data).decode()
            attachment.data_url = url  # type: ignore[attr-defined]


def _record_css() -> str:
    found = finders.find("honeydesk/record.css")
    return Path(str(found)).read_text() if found else ""


# The need every request type about an account has; answered by choosing the account.
ACCOUNT_NEED = "account_number"


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
        # The customer picks among their own accounts (never types a number): a choice
        # outside the list is refused by the field, so no case opens on another's account.
        account = forms.ChoiceField(choices=[(a.number, f"{a.number} — {a.name}") for a in accounts])
        account.label = "Which account is it about?"
        self.fields = {"account": account, **self.fields}
        for need in self.needs():
            key = f"fact_{need['key']}"
            self.fields[key] = forms.CharField(
                label=need.get("label", need["key"]),
                required=bool(need.get("required")),
                help_text=need.get("help", ""),
                max_length=200,
            )

    def needs(self) -> list[dict[str, Any]]:
        """The facts the customer types: all the type needs but the account (chosen above)."""
        return [n for n in self.request_type.needs if n["key"] != ACCOUNT_NEED]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for need in self.needs():
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
    if initial.get(f"fact_{ACCOUNT_NEED}") in {a.number for a in accounts}:
        initial["account"] = initial[f"fact_{ACCOUNT_NEED}"]
    form = NewRequestForm(request.POST or None, request_type=chosen, accounts=accounts, initial=initial)
    error = None
    if request.method == "POST" and form.is_valid():
        account = next(a for a in accounts if a.number == form.cleaned_data["account"])
        facts = {n["key"]: form.cleaned_data.get(f"fact_{n['key']}", "").strip() for n in form.needs()}
        if any(n["key"] == ACCOUNT_NEED for n in chosen.needs):
            facts[ACCOUNT_NEED] = account.number
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
        "missing": [n["label"] for n in form.needs() if n.get("required") and not initial.get(f"fact_{n['key']}")]
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
