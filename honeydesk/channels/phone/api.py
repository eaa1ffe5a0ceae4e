"""API endpoints of the phone channel (wired into /api/v1/ by honeydesk.api.urls)."""

from ninja import Router

router = Router(tags=["phone"])
