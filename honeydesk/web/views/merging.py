"""Merge and split in the workspace (issue 17, part 3), and where a merged case's pages lead.

"Merge into…" on the case page asks for the other case's reference, then shows both cases
side by side before anything happens (and asks again, explicitly, when they belong to
different accounts). "Undo merge…" (on the survivor's page, for each case merged into it,
and on the merged case's own page) asks why, then handles the two separately again.
"Split into a new case" on a customer's message, a call log or a note asks for the new
case's request type and subject. Thin: access -> action -> redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from honeydesk.accounts.models import User
from honeydesk.cases import access, merging, queries
from honeydesk.cases.models import Case, parse_ref
from honeydesk.lib.errors import DomainError, InvalidInput, NotFound
from honeydesk.web.views.common import (
    MAX_INT,
    page,
    parse_int,
    parse_version,
    required_version,
    staff_required,
    user_of,
)


def followed(user: User, case: Case, url_name: str) -> HttpResponse | None:
    """A merged case's page leads to the case it was merged into, when this person may
    see that one (a customer of another account keeps the closed case's own page)."""
    if case.merged_into_id is None:
        return None
    if not access.cases_visible_to(user).filter(pk=case.merged_into_id).exists():
        return None
    return redirect(url_name, ref=f"HD-{case.merged_into_id:06d}")


def _summary(case: Case) -> dict[str, Any]:
    return {"case": case, "entries": case.entries.count()}


@require_http_methods(["GET", "POST"])
@staff_required
def merge_case(request: HttpRequest, ref: str) -> HttpResponse:
    """GET ?into=<ref>: the confirmation step; POST: the merge."""
    user = user_of(request)
    source = access.case_for(user, ref)
    data = request.POST if request.method == "POST" else request.GET
    typed = data.get("into", "").strip()[:30]
    context: dict[str, Any] = {"source": _summary(source), "typed": typed, "version": parse_version(request)}
    if request.method == "GET":
        context["version"] = parse_int(request.GET.get("version")) or source.version
    error: DomainError | None = None
    survivor = None
    if typed:
        try:
            survivor = _case_typed(user, typed)
        except DomainError as exc:
            error = exc
    if survivor is not None:
        context["survivor"] = _summary(survivor)
        context["different_accounts"] = survivor.account_id != source.account_id
    if request.method == "POST" and error is None:
        try:
            if survivor is None:
                raise InvalidInput.field("into", "Type the reference of the case to merge into.")
            merging.do_merge_cases(
                source,
                survivor,
                acting_user=user,
                confirm_different_accounts=data.get("confirm_different_accounts") == "1",
                expected_version=required_version(request),
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, f"{source.ref} was merged into {survivor.ref}; the customer was told.")
            return redirect("web:case", ref=survivor.ref)
    context["error"] = error
    status = error.status if error is not None and request.method == "POST" else 200
    return page(request, "desk/merge.html", None, context, status=status)


def _case_typed(user: User, typed: str) -> Case:
    """The case a person typed, through the door: one they cannot see is "no such case"."""
    if parse_ref(typed) is None:
        raise InvalidInput.field("into", f"{typed!r} is not a case reference (e.g. HD-000123).")
    try:
        return access.case_for(user, typed)
    except NotFound:
        raise InvalidInput.field("into", f"There is no case {typed} that you can see.") from None


@require_http_methods(["GET", "POST"])
@staff_required
def unmerge_case(request: HttpRequest, ref: str) -> HttpResponse:
    """GET: why undo it (the form); POST: undo the merge of `ref`, the case that was merged.
    Both cases come through the door, as for a merge: a case this person cannot see is 404."""
    user = user_of(request)
    source = access.case_for(user, ref)
    if source.merged_into_id is None:
        raise NotFound("This case is not merged into another.")
    survivor = access.case_for(user, source.merged_into_id)
    context: dict[str, Any] = {
        "source": source,
        "survivor": survivor,
        "reason": request.POST.get("reason", ""),
        "version": parse_version(request) or source.version,
        "error": None,
    }
    if request.method == "POST":
        try:
            merging.do_unmerge_case(
                source, acting_user=user, reason=context["reason"], expected_version=required_version(request)
            )
        except DomainError as exc:
            context["error"] = exc
            return page(request, "desk/unmerge.html", None, context, status=exc.status)
        messages.success(request, f"{source.ref} is handled on its own again, separately from {survivor.ref}.")
        return redirect("web:case", ref=source.ref)
    return page(request, "desk/unmerge.html", None, context)


@require_http_methods(["GET", "POST"])
@staff_required
def split_entry(request: HttpRequest, ref: str, entry_id: int) -> HttpResponse:
    user = user_of(request)
    case = access.case_for(user, ref)
    entry = access.entries_visible_to(user, case).filter(pk=entry_id).first() if entry_id <= MAX_INT else None
    if entry is None:
        raise NotFound("No such entry on this case.")
    types = queries.active_request_types()
    context: dict[str, Any] = {
        "case": case,
        "entry": entry,
        "types": types,
        "chosen": parse_int(request.POST.get("request_type")) or case.request_type_id,
        "subject": request.POST.get("subject", case.subject),
        "version": parse_version(request) or case.version,
        "error": None,
    }
    if request.method == "POST":
        try:
            request_type = next((t for t in types if t.pk == context["chosen"]), None)
            if request_type is None:
                raise InvalidInput.field("request_type", "Choose the new case's request type.")
            new_case = merging.do_split_entry(
                case,
                entry,
                acting_user=user,
                request_type=request_type,
                subject=request.POST.get("subject", ""),
                expected_version=required_version(request),
            )
        except DomainError as exc:
            context["error"] = exc
            return page(request, "desk/split.html", None, context, status=exc.status)
        messages.success(request, f"The message is now case {new_case.ref}, linked to {case.ref}.")
        if access.cases_visible_to(user).filter(pk=new_case.pk).exists():
            return redirect("web:case", ref=new_case.ref)
        return redirect("web:case", ref=case.ref)
    return page(request, "desk/split.html", None, context)
