"""The desk tools in the workspace (issue 17): priority, tags and custom fields on the
case page (posted through `desk.case_action`, which re-renders the case), queue filters
by tag and field, the CSV export of a queue, and the admins' tag page."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from honeydesk.accounts import audit
from honeydesk.accounts.models import User
from honeydesk.cases import properties, queries
from honeydesk.cases.models import Case, CaseField, Priority, Status, Tag
from honeydesk.lib.errors import DomainError, InvalidInput
from honeydesk.web.views.common import page, staff_required, user_of

# --- the case page's actions (called by desk.case_action with the version seen) -------


def _priority(post: QueryDict, user: User, case: Case, version: int) -> None:
    properties.do_set_priority(case, post.get("priority", ""), acting_user=user, expected_version=version)


def _tag(post: QueryDict, user: User, case: Case, version: int) -> None:
    names = [n for n in post.get("tags", "").split(",") if n.strip()]
    if not names:
        raise InvalidInput.field("tags", "Type the tags to add, separated by commas.")
    properties.do_change_tags(case, add=names, acting_user=user, expected_version=version)


def _untag(post: QueryDict, user: User, case: Case, version: int) -> None:
    properties.do_change_tags(case, remove=[post.get("tag", "")], acting_user=user, expected_version=version)


def _fields(post: QueryDict, user: User, case: Case, version: int) -> None:
    values: dict[str, Any] = {}
    for field in properties.fields_for(case):
        name = f"f_{field.key}"
        if field.kind == CaseField.Kind.CHECKBOX:
            values[field.key] = name in post  # an unticked box is not posted at all
        elif name in post:
            values[field.key] = post[name]
    properties.do_set_fields(case, values, acting_user=user, expected_version=version)


CASE_ACTIONS: dict[str, Callable[[QueryDict, User, Case, int], None]] = {
    "priority": _priority,
    "tag": _tag,
    "untag": _untag,
    "fields": _fields,
}


# --- queue filters and export -----------------------------------------------------------


def filtered_queue(request: HttpRequest, user: User) -> tuple[QuerySet[Case], str, dict[str, Any]]:
    """A queue (?queue=) with the filters of its form: status, priority, request type,
    department, tag and custom field. Returns the cases, the queue's key and the form's
    values (`problem`: a field value the field cannot hold, told rather than ignored)."""
    key = request.GET.get("queue", "mine")
    if key not in {q.key for q in queries.visible_queues(user)}:
        key = "mine"
    cases = queries.queue_cases(user, key)
    filters: dict[str, Any] = {
        "status": request.GET.get("status", ""),
        "priority": request.GET.get("priority", ""),
        "request_type": request.GET.get("request_type", ""),
        "department": request.GET.get("department", ""),
    }
    if filters["status"] in Status.values:
        cases = cases.filter(status=filters["status"])
    if filters["priority"] in Priority.values:
        cases = cases.filter(priority=filters["priority"])
    if filters["request_type"]:
        cases = cases.filter(request_type__slug=filters["request_type"])
    if filters["department"]:
        cases = cases.filter(department__slug=filters["department"])
    cases, more = desk_filters(request, cases)
    return cases, key, {**filters, **more}


def desk_filters(request: HttpRequest, cases: QuerySet[Case]) -> tuple[QuerySet[Case], dict[str, Any]]:
    """Narrow cases by ?tag= and ?field=<key>&value= (queues and search alike)."""
    tag = request.GET.get("tag", "").strip()[:50]
    key = request.GET.get("field", "").strip()[:40]
    value = request.GET.get("value", "")[:500]
    fields = list(CaseField.objects.filter(active=True))
    problem = ""
    if tag:
        cases = properties.with_tag(cases, tag)
    chosen = next((f for f in fields if f.key == key), None)
    if chosen is not None:
        try:
            cases = properties.with_field(cases, chosen, value, "value")
        except InvalidInput as exc:
            problem = exc.message
    return cases, {"tag": tag, "field": key, "value": value, "fields": fields, "problem": problem}


EXPORT_LIMIT = 10_000


@require_GET
@staff_required
def export_csv(request: HttpRequest) -> HttpResponse:
    """The cases this person can see, filtered like a queue, as CSV with their tags and
    custom fields (one column per field). At most EXPORT_LIMIT rows, newest first."""
    user = user_of(request)
    cases, _, _ = filtered_queue(request, user)
    fields = list(CaseField.objects.filter(active=True))
    rows = (
        cases.select_related("account", "department", "owner", "request_type")
        .prefetch_related("tags")
        .order_by("-id")[:EXPORT_LIMIT]
    )
    out = io.StringIO()
    writer = csv.writer(out)
    head = ["reference", "subject", "status", "priority", "request type", "department", "owner", "account"]
    writer.writerow([*head, "opened", "tags", *(f.key for f in fields)])
    count = 0
    for case in rows:
        count += 1
        custom = case.custom or {}
        writer.writerow(
            [
                case.ref,
                _safe(case.subject),
                case.status,
                case.priority,
                case.request_type.slug,
                case.department.slug,
                case.owner.username if case.owner else "",
                case.account.number,
                case.created_at.isoformat(),
                " ".join(t.name for t in case.tags.all()),
                *(_safe(str(custom[f.key])) if f.key in custom else "" for f in fields),
            ]
        )
    filters = {key: ",".join(request.GET.getlist(key)) for key in request.GET}
    audit.record_export(request, actor=user, what="cases", target="case list CSV", rows=count, filters=filters)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="cases.csv"'
    return response


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula is kept as text (CSV injection)."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# --- the admins' tag page ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def tags_page(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    properties.require_admin(user)
    if request.method == "POST":
        try:
            tag = properties.tag_for(user, request.POST.get("tag", ""))
            if request.POST.get("do") == "merge":
                into = Tag.objects.filter(name=properties.tag_name(request.POST.get("into", ""), "into")).first()
                if into is None:
                    raise InvalidInput.field("into", "Choose an existing tag to merge into.")
                moved = properties.do_merge_tags(tag, into, acting_user=user)
                messages.success(request, f"{tag.name} merged into {into.name} ({moved} cases).")
            else:
                before = tag.name
                properties.do_rename_tag(tag, request.POST.get("name", ""), acting_user=user)
                messages.success(request, f"{before} is now {tag.name}.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("web:tags")
    # Admins see every case: the count is every case's.
    tags = Tag.objects.annotate(n=Count("case_tags")).order_by("name")
    return page(request, "desk/tags.html", None, {"tags": tags})
