"""Reps say whether they take new work (honeydesk.rules: round-robin and least-loaded
assignment skip those away). A small fragment in the workspace header, loaded by htmx
after the page so no page pays a query for it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from honeydesk.rules.actions import do_set_availability, is_away
from honeydesk.web.views.common import staff_required, user_of


@require_http_methods(["GET", "POST"])
@staff_required
def availability(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if request.method == "POST":
        away = do_set_availability(user, away=request.POST.get("away") == "1")
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect("web:queue")
    else:
        away = is_away(user)
    return render(request, "desk/_availability.html", {"away": away})
