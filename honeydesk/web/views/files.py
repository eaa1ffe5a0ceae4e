"""Attachments and the original formatting of e-mail, through the same door as pages.

E-mail HTML is sanitised with nh3 when it arrives; here it is also shown only inside a
sandboxed iframe under a Content-Security-Policy that allows no scripts and, until the
rep asks for them, no remote images (which would tell the sender the mail was read).
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from honeydesk.cases import access
from honeydesk.cases.models import Attachment, TimelineEntry
from honeydesk.lib.errors import NotFound
from honeydesk.web.views.common import staff_required, user_of

# Shown in the browser rather than downloaded: images and PDFs. Everything else downloads.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def _entry(request: HttpRequest, ref: str, entry_id: int) -> TimelineEntry:
    user = user_of(request)
    case = access.case_for(user, ref)
    entry = access.entries_visible_to(user, case).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("No such entry.")
    return entry


@require_GET
@login_required
def attachment(request: HttpRequest, ref: str, attachment_id: int) -> FileResponse:
    try:
        user = user_of(request)
        case = access.case_for(user, ref)
        found = Attachment.objects.filter(pk=attachment_id, entry__in=access.entries_visible_to(user, case)).first()
        if found is None:
            raise NotFound("No such attachment.")
    except NotFound:
        raise Http404("Not found") from None
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type,
        filename=found.filename,
        as_attachment=found.content_type not in INLINE_TYPES,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
    return response


_CID = re.compile(r'src="cid:([^"]+)"')


@require_GET
@staff_required
@xframe_options_sameorigin
def entry_html(request: HttpRequest, ref: str, entry_id: int) -> HttpResponse:
    """The message as it was formatted; ?remote=1 also loads its remote images."""
    entry = _entry(request, ref, entry_id)
    html = entry.data.get("html", "") if isinstance(entry.data, dict) else ""
    remote = request.GET.get("remote") == "1"
    if remote:
        from honeydesk.channels.email.content import sanitize_html
        from honeydesk.channels.email.models import Message
        from honeydesk.channels.email.parse import parse

        message = Message.objects.filter(entry=entry).only("raw").first()
        if message is not None and message.raw:
            html, _ = sanitize_html(parse(bytes(message.raw)).html, allow_remote=True)
    if not html:
        raise Http404("No formatted version")
    by_sha = {a.sha256: a.pk for a in entry.attachments.all()}
    inline = entry.data.get("inline", {})

    def to_url(match: re.Match[str]) -> str:
        pk = by_sha.get(inline.get(match.group(1), ""))
        return f'src="{reverse("web:attachment", args=[entry.case.ref, pk])}"' if pk else 'src=""'

    html = _CID.sub(to_url, html)
    response = HttpResponse(f'<!doctype html><meta charset="utf-8"><base target="_blank">{html}')
    images = "'self' data: https: http:" if remote else "'self' data:"
    response["Content-Security-Policy"] = (
        f"default-src 'none'; img-src {images}; style-src 'unsafe-inline'; sandbox allow-popups"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
