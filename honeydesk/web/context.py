"""Template context every page gets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from honeydesk.branding.models import current
from honeydesk.channels.email import outbox


def desk(request: HttpRequest) -> dict[str, Any]:
    # The demo's outbox link, shown only while the outbox is the mail backend.
    return {"demo_outbox": outbox.enabled()}


def brand(request: HttpRequest) -> dict[str, Any]:
    """The portal's brand (name, logo, colour), read from a per-process cache."""
    return {"brand": current.get()}
