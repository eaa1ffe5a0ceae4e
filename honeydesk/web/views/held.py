"""Held mail: messages whose sender could not be verified (SPF/DKIM/DMARC failed, see
honeydesk.channels.email.authenticity) wait here for a supervisor or admin to confirm
them (they then join their case as usual) or reject them. Nothing reaches a customer's
case from a forged From: without a person deciding it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from honeydesk.channels.email.inbound import reject_held, release_held
from honeydesk.channels.email.models import Quarantine
from honeydesk.channels.email.parse import parse
from honeydesk.web.views.common import staff_required, user_of

PREVIEW_CHARS = 3000


def _require_supervisor(request: HttpRequest) -> None:
    if not user_of(request).sees_everything:
        raise Http404("Not found")


def _preview(row: Quarantine) -> str:
    try:
        return parse(bytes(row.raw)).text[:PREVIEW_CHARS]
    except Exception:  # a held message parsed once already; this is only a preview
        return ""


@require_GET
@staff_required
def held_list(request: HttpRequest) -> HttpResponse:
    _require_supervisor(request)
    rows = list(Quarantine.objects.filter(kind=Quarantine.Kind.HELD, resolved=False).order_by("-id")[:50])
    items = [{"row": r, "preview": _preview(r)} for r in rows]
    return render(request, "desk/held_mail.html", {"items": items})


@require_POST
@staff_required
def held_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    _require_supervisor(request)
    row = Quarantine.objects.filter(pk=pk, kind=Quarantine.Kind.HELD, resolved=False).first()
    if row is None or decision not in ("release", "reject"):
        raise Http404("Not found")
    user = user_of(request)
    if decision == "release":
        result = release_held(row, acting_user=user)
        if result.status in ("stored", "duplicate"):
            messages.success(request, f"The message from {row.sender} is on {result.case or 'its case'}.")
        else:
            messages.error(request, f"The message could not be stored: {result.reason}")
    else:
        reject_held(row, acting_user=user)
        messages.success(request, f"The message from {row.sender} was rejected; it is on no case.")
    return redirect("web:held_mail")
