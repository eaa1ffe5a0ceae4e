"""Macros in the workspace (issue 17): the picker's search (macros and answer-library
articles, opened from the composer with a keyboard shortcut, honeydesk/web/static/
honeydesk/macros.js), applying a macro to a case, and the page where staff keep their
macros (supervisors see how often each is used)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from honeydesk.accounts.models import Department, User
from honeydesk.cases import access
from honeydesk.cases.models import Priority
from honeydesk.intelligence.models import Article
from honeydesk.lib.errors import DomainError
from honeydesk.macros import actions
from honeydesk.macros.models import Macro
from honeydesk.web.views.common import page, parse_int, required_version, staff_required, user_of
from honeydesk.web.views.desk import _after_action

RESULTS = 8


@require_GET
@staff_required
def macro_search(request: HttpRequest, ref: str) -> JsonResponse:
    user = user_of(request)
    case = access.case_for(user, ref)
    q = request.GET.get("q", "").strip()[:100]
    macros = actions.macros_visible_to(user)
    articles = Article.objects.all()
    if q:
        macros = macros.filter(Q(name__icontains=q) | Q(reply__icontains=q))
        articles = articles.filter(Q(title__icontains=q) | Q(body__icontains=q))
    # The case's own request type's articles first.
    articles = articles.filter(Q(request_types=case.request_type_id) | Q(request_types__isnull=True)).distinct()
    return JsonResponse(
        {
            "macros": [
                {
                    "name": m.name,
                    "scope": m.get_scope_display(),
                    "preview": m.reply[:140],
                    "apply": reverse("web:macro_apply", args=[case.ref, m.pk]),
                }
                for m in macros.order_by("name")[:RESULTS]
            ],
            "articles": [{"name": a.title, "body": a.body} for a in articles.order_by("title")[:RESULTS]],
        }
    )


@require_POST
@staff_required
def macro_apply(request: HttpRequest, ref: str, pk: int) -> HttpResponse:
    """Apply a macro; the case is shown again with the reply text in the composer."""
    user = user_of(request)
    case = access.case_for(user, ref)
    macro = actions.macro_for(user, pk)
    try:
        case, text = actions.do_apply_macro(case, macro, acting_user=user, expected_version=required_version(request))
    except DomainError as exc:
        return _after_action(request, ref, exc)
    if not request.htmx:  # type: ignore[attr-defined]
        messages.success(request, f"Macro “{macro.name}” applied.")
    if text and not access.can_see(user, case):
        where = f"on {case.ref} as an internal note for {case.department.name}"
        messages.info(request, f"Its reply was not sent: it is {where}.")
    if not text:
        return _after_action(request, case.ref)
    return _after_action(request, case.ref, None, {"body": text, "mode": "reply"}, draft=True)


def _draft(request: HttpRequest) -> actions.Draft:
    post = request.POST

    def staff(key: str) -> User | None:
        return User.objects.filter(pk=parse_int(post.get(key)) or 0, is_active=True).first()

    def department(key: str) -> Department | None:
        return Department.objects.filter(pk=parse_int(post.get(key)) or 0).first()

    return actions.Draft(
        name=post.get("name", ""),
        scope=post.get("scope", Macro.Scope.PERSONAL),
        department=department("department"),
        reply=post.get("reply", ""),
        set_status=post.get("set_status", ""),
        resolution_note=post.get("resolution_note", ""),
        set_priority=post.get("set_priority", ""),
        add_tags=tuple(t for t in post.get("add_tags", "").split(",") if t.strip()),
        remove_tags=tuple(t for t in post.get("remove_tags", "").split(",") if t.strip()),
        assign_to=staff("assign_to"),
        assign_to_self=post.get("assign_to_self") == "1",
        transfer_to=department("transfer_to"),
        handoff=post.get("handoff", ""),
        note=post.get("note", ""),
    )


@require_http_methods(["GET", "POST"])
@staff_required
def macro_list(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Every macro the person may use; the form creates one, or edits `pk`."""
    user = user_of(request)
    editing = actions.macro_for(user, pk) if pk else None
    if editing is not None and not actions.may_edit(user, editing):
        editing = None
    error: DomainError | None = None
    if request.method == "POST":
        try:
            if request.POST.get("retire") and editing is not None:
                actions.do_retire_macro(editing, acting_user=user)
                messages.success(request, f"Macro “{editing.name}” retired.")
            else:
                saved = actions.do_save_macro(_draft(request), acting_user=user, macro=editing)
                messages.success(request, f"Macro “{saved.name}” saved.")
            return redirect("web:macros")
        except DomainError as exc:
            error = exc
    macros = actions.macros_visible_to(user).select_related("department", "owner")
    counts = actions.usage_counts(macros) if user.sees_everything else {}
    context: dict[str, Any] = {
        "macros": [(m, counts.get(m.pk), actions.may_edit(user, m)) for m in macros],
        "editing": editing,
        "form": request.POST if error else None,
        "error": error,
        "scopes": Macro.Scope.choices if user.sees_everything else [(Macro.Scope.PERSONAL, "Personal")],
        "statuses": Macro.SetStatus.choices,
        "priorities": Priority.choices,
        "departments": Department.objects.all(),
        "staff": User.objects.filter(is_active=True, role__in=["agent", "supervisor", "admin"]).order_by("first_name"),
        "placeholders": actions.PLACEHOLDERS,
        "show_counts": user.sees_everything,
    }
    return page(request, "desk/macros.html", None, context)
