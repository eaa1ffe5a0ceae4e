"""Reps say whether they take new work; who may edit rules."""

from __future__ import annotations

from honeydesk.accounts.models import Role, User
from honeydesk.cases.access import require_staff
from honeydesk.lib import clock
from honeydesk.lib.errors import NotFound
from honeydesk.rules.models import Availability


def is_away(user: User) -> bool:
    return Availability.objects.filter(user=user, away=True).exists()


def do_set_availability(user: User, *, away: bool) -> bool:
    """Staff set themselves available or away (rules' assignments skip those away).
    Returns whether they are away now."""
    require_staff(user)
    Availability.objects.update_or_create(user=user, defaults={"away": away, "changed_at": clock.now()})
    return away


def may_edit_rules(user: User) -> bool:
    """Rules change how every case is handled: admins only."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def require_rule_editor(user: User) -> None:
    if not may_edit_rules(user):
        raise NotFound("Not found.")
