"""The demo's outbox (honeydesk.channels.email.outbox): what customers and staff were
sent, for staff, only while the outbox is the mail backend (404 otherwise)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from honeydesk.channels.email import outbox
from honeydesk.web.views.common import staff_required


@require_GET
@staff_required
def outbox_list(request: HttpRequest) -> HttpResponse:
    if not outbox.enabled():
        raise Http404("Not found")
    return render(request, "desk/outbox.html", {"mails": outbox.recent()})


@require_GET
@staff_required
def outbox_mail(request: HttpRequest, name: str) -> HttpResponse:
    mail = outbox.one(name) if outbox.enabled() else None
    if mail is None:
        raise Http404("Not found")
    return render(request, "desk/outbox_mail.html", {"mail": mail})
