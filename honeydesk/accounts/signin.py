"""Portal sign-in links and the throttles on asking for them (issue 19).

A link is a random token mailed to the customer; only its SHA-256 is stored
(`SignInLink`). Opening the link shows a page with a "Sign in as ...?" button; only the
POST from that page uses the link (a mail scanner that opens links does not burn it,
and nobody is signed in to an account they did not choose). Using it is one UPDATE that
succeeds for exactly one request, however many race.

Asking for links is limited per account (mails sent) and per network address
(requests), counted in the database so that every app server sees the same count.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from honeydesk.accounts.models import Role, SignInLink, User
from honeydesk.lib import clock

TOKEN_BYTES = 32


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: the peer, or with HONEYDESK_TRUSTED_PROXIES=n the address
    the n-th proxy from us saw (X-Forwarded-For read from the right, so a client cannot
    choose its own address by sending the header)."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "") or ""
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LinkRequest:
    """What `request_link` decided: a token to mail (None: nothing to send) and, when
    refused for too many requests, the reason to tell the person."""

    user: User | None
    token: str | None
    throttled: str = ""
    # The account had its hourly share of links: nothing is sent, and the page says the
    # same as for any address (saying more would tell who has an account).
    account_limit: bool = False


def request_link(user: User | None, ip: str | None) -> LinkRequest:
    """Record one request for a sign-in link from `ip` for `user` (None: the address is
    not on file, or not a customer's). Refused when the address or network asked too
    often in the last hour; otherwise a new token for an active customer."""
    now = clock.now()
    hour_ago = now - timedelta(hours=1)
    if ip and SignInLink.objects.filter(ip=ip, created_at__gte=hour_ago).count() >= (
        settings.SIGNIN_LINK_REQUESTS_PER_IP_HOUR
    ):
        return LinkRequest(user, None, "Too many sign-in links were asked for from your network. Try again in an hour.")
    eligible = user is not None and user.is_active and user.role == Role.CUSTOMER
    if (
        eligible
        and SignInLink.objects.filter(user=user, created_at__gte=hour_ago, digest__isnull=False).count()
        >= settings.SIGNIN_LINKS_PER_ACCOUNT_HOUR
    ):
        SignInLink.objects.create(user=user, ip=ip, created_at=now)
        return LinkRequest(user, None, account_limit=True)
    if not eligible:
        SignInLink.objects.create(user=None, ip=ip, created_at=now)
        return LinkRequest(None, None)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    SignInLink.objects.create(
        user=user,
        digest=_digest(token),
        ip=ip,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.SIGNIN_LINK_MINUTES),
    )
    return LinkRequest(user, token)


def link_user(token: str) -> User | None:
    """The active customer a still-usable link is for (nothing is used up)."""
    link = (
        SignInLink.objects.select_related("user")
        .filter(digest=_digest(token), used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if link is None or link.user is None or not link.user.is_active or link.user.role != Role.CUSTOMER:
        return None
    return link.user


def use_link(token: str) -> User | None:
    """Use the link up and return its customer; None when it is unknown, expired,
    already used, or lost a race with another request for the same link."""
    now = clock.now()
    user = link_user(token)
    if user is None:
        return None
    won = SignInLink.objects.filter(digest=_digest(token), used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    return user if won == 1 else None


def forget_old_requests(stop: Callable[[], bool] | None = None) -> bool:
    """Periodic: request rows older than a day count for nothing any more."""
    SignInLink.objects.filter(created_at__lt=clock.now() - timedelta(days=1)).delete()
    return True
