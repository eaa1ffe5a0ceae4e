"""Middleware for the rules every page and API answer follows (issue 19).

- `NoStoreMiddleware`: answers for a signed-in person, and every API answer, are never
  kept by browsers or proxies (`Cache-Control: no-store`): a shared computer's back
  button or a proxy's cache must not show a case to the next person.
- `SessionLifetimeMiddleware`: a session ends after SESSION_IDLE_MINUTES without a
  request and after SESSION_MAX_HOURS in all, whatever the cookie says.
- `SecondFactorMiddleware`: staff who have an authenticator app, or whom the security
  policy requires to have one, reach nothing but the second-factor pages (and sign-out)
  until they have entered a code in this session.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django_otp import user_has_device

from honeydesk.accounts.models import SecurityPolicy, User, current_policy

Handler = Callable[[HttpRequest], HttpResponse]

STARTED = "hd_started"
SEEN = "hd_seen"
# The last-seen time is written at most this often: a write per request would cost a
# session save on every page and htmx fragment.
SEEN_RESOLUTION = 60


class NoStoreMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.get(STARTED)
            seen = request.session.get(SEEN)
            if started is None or seen is None:
                request.session[STARTED] = started = now
                request.session[SEEN] = seen = now
            idle = now - int(seen) > settings.SESSION_IDLE_MINUTES * 60
            expired = now - int(started) > settings.SESSION_MAX_HOURS * 3600
            if idle or expired:
                staff = user.is_staff_member
                logout(request)
                why = "after a while without activity" if idle else f"after {settings.SESSION_MAX_HOURS} hours"
                messages.info(request, f"You were signed out {why}. Please sign in again.")
                target = reverse("web:login" if staff else "web:portal_login")
                if request.headers.get("HX-Request"):
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{target}?next={request.path}")
            if now - int(seen) >= SEEN_RESOLUTION:
                request.session[SEEN] = now
        response = self.get_response(request)
        # Signed in by this very request: the lifetime starts now. Only a session sign-in
        # counts: an API call's bearer token also sets request.user, and writing here
        # would store a new session (and send its cookie) on every token call.
        if hasattr(request, "session") and STARTED not in request.session and SESSION_KEY in request.session:
            request.session[STARTED] = request.session[SEEN] = int(time.time())
        return response


# Pages a staff member may open before the second factor: entering or setting it up,
# signing out, and static files.
OPEN_BEFORE_SECOND_FACTOR = ("/login/", "/logout/", "/static/", "/account/second-factor/")


NO_DEVICE = "hd_no_second_factor"


def needs_second_factor(request: HttpRequest, user: User) -> bool:
    """True when this signed-in staff member must enter (or set up) a code first.

    Costs no query on the usual path: whether the person has an authenticator is
    remembered in the session once known (adding one signs the session in with it),
    and the policy is read at most every few seconds (`policy()`)."""
    if not user.is_authenticated or not user.is_staff_member:
        return False
    if user.is_verified():  # type: ignore[attr-defined]
        return False
    if policy().requires_second_factor(user):
        return True
    if request.session.get(NO_DEVICE) == user.pk:
        return False
    if user_has_device(user):
        return True
    request.session[NO_DEVICE] = user.pk
    return False


def policy() -> SecurityPolicy:
    return current_policy.get()


class SecondFactorMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # The API authenticates by token on each call: the session's second factor does
        # not apply there (tokens are issued by an admin and revocable).
        if (
            user is not None
            and not request.path.startswith(OPEN_BEFORE_SECOND_FACTOR)
            and not request.path.startswith("/api/")
            and needs_second_factor(request, user)
        ):
            target = reverse("web:second_factor")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(f"{target}?next={request.path}")
        return self.get_response(request)
