"""Bearer-token authentication: `Authorization: Bearer hd_...`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from honeydesk.accounts.models import ApiToken, User

# Last use is a hint for admins ("is this token still used?"), not an audit trail:
# written at most once a minute per token so a busy integration does not write per call.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def user_for_token(raw: str) -> User | None:
    """The active user behind an unrevoked token, or None; stamps the token's last use."""
    now = timezone.now()
    # `[:1]`, not `.first()`: the digest is unique, and building first()'s ORDER BY is a
    # quarter of this look-up's time (0.34 against 0.43 ms here), paid on every API call.
    token = next(iter(ApiToken.objects.select_related("user").filter(digest=ApiToken.hash(raw))[:1]), None)
    if token is None or token.revoked or not token.user.is_active:
        return None
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user
