"""Helpers every page view uses: the page-or-fragment render and domain-error handling."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from honeydesk.accounts.models import User
from honeydesk.lib.errors import NotFound, VersionRequired

View = Callable[..., HttpResponse]


def user_of(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def staff_required(view: View) -> View:
    """Workspace pages: staff only. Anyone else gets the same 404 as a missing page."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_of(request).is_staff_member:
            raise Http404("Not found")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found") from None

    return wrapped


def customer_required(view: View) -> View:
    @login_required(login_url="web:portal_login")
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404("Not found") from None

    return wrapped


def page(
    request: HttpRequest, template: str, fragment: str | None, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """htmx asks for the fragment; a normal request gets the whole page."""
    if fragment and getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, fragment, context, status=status)
    return render(request, template, context, status=status)


# The largest id or version a database integer holds: anything bigger is no object's.
MAX_INT = 2**63 - 1


def parse_int(raw: str | None) -> int | None:
    """A positive whole number from a form or query, or None (not digits, or too big
    for the database: such a number names nothing, it is not a server error)."""
    raw = (raw or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return None
    value = int(raw)
    return value if 0 < value <= MAX_INT else None


def parse_version(request: HttpRequest) -> int | None:
    return parse_int(request.POST.get("version"))


def required_version(request: HttpRequest) -> int:
    """The case version the form showed; a write that changes a case is refused (409)
    without it, as in the API."""
    version = parse_version(request)
    if version is None:
        raise VersionRequired()
    return version
