"""Bearer-token authentication: `Authorization: Bearer hd_...`."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from honeydesk.accounts.models import ApiToken, User
from honeydesk.lib.rows import columns, fetch

# Last use is a hint for admins ("is this token still used?"), not an audit trail:
# written at most once a minute per token so a busy integration does not write per call.
LAST_USED_RESOLUTION = timedelta(seconds=60)


@cache
def _token_sql() -> str:
    # Every API call runs this, so it is one hand-written query instead of an ORM chain:
    # building the ORM query cost more than running it (bench/run.py, API create).
    # The user's columns come back as a User; the token's id and whether its last-use
    # stamp is stale ride along as extra columns.
    token, user = ApiToken._meta.db_table, User._meta.db_table
    selected = f"{columns(User, 'u')}, t.id, (t.last_used_at IS NULL OR t.last_used_at < %s)"
    where = "t.digest = %s AND t.revoked = %s AND u.is_active = %s"
    # Table names come from the models; every value is a parameter.
    return f"SELECT {selected} FROM {token} t JOIN {user} u ON u.id = t.user_id WHERE {where}"  # noqa: S608


def user_for_token(raw: str) -> User | None:
    """The active user behind an unrevoked token, or None; stamps the token's last use."""
    now = timezone.now()
    found = fetch(User, _token_sql(), [now - LAST_USED_RESOLUTION, ApiToken.hash(raw), False, True], extra=2)
    if not found:
        return None
    user, (token_id, stale) = found[0]
    if stale:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user
