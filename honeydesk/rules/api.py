"""Available or away, for the rules' assignments (wired into /api/v1/ by
honeydesk.api.urls):

- `GET /me/availability`: whether you take new work;
- `POST /me/availability` `{"away": true}`: set yourself away (or back, with false).

Staff only; anyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from honeydesk.accounts.models import User
from honeydesk.cases.access import require_staff
from honeydesk.lib.apischema import READ_ERRORS, WRITE_ERRORS, In, StrictBool
from honeydesk.rules.actions import do_set_availability, is_away

router = Router(tags=["rules"])


class AvailabilityOut(Schema):
    away: bool


class AvailabilityIn(In):
    away: StrictBool


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


@router.get("/me/availability", response={200: AvailabilityOut, **READ_ERRORS}, summary="Whether you take new work")
def get_availability(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    require_staff(user)
    return {"away": is_away(user)}


@router.post(
    "/me/availability",
    response={200: AvailabilityOut, **WRITE_ERRORS},
    summary="Set yourself available or away (rules assign new cases only to available reps)",
)
def put_availability(request: HttpRequest, body: AvailabilityIn) -> dict[str, Any]:
    return {"away": do_set_availability(_user(request), away=body.away)}
