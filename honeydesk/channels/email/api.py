"""API endpoints of the email channel (wired into /api/v1/ by honeydesk.api.urls)."""

from ninja import Router

router = Router(tags=["email"])
