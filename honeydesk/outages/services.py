"""Which service a report is about, and whether an account holds a service.

Accounts list the plans they hold ("Internet 300", "TV Plus"); incidents are about a
service family ("Internet", "TV"), the names listed in the detection settings. A plan
belongs to a family when its name is the family's name or starts with it and a space,
compared without regard to case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any


def _belongs(plan: str, service: str) -> bool:
    plan, service = plan.strip().lower(), service.strip().lower()
    return bool(service) and (plan == service or plan.startswith(service + " "))


def holds(plans: Iterable[Any], service: str) -> bool:
    """Whether an account's list of plans includes `service` (a family or a plan)."""
    return any(isinstance(p, str) and _belongs(p, service) for p in plans)


def family_of(plan: str, families: Sequence[str]) -> str:
    """The family a plan belongs to (the longest matching name), or the plan itself."""
    for family in sorted(families, key=len, reverse=True):
        if _belongs(plan, family):
            return family
    return plan.strip()


def service_reported(*, fact: str, text: str, plans: Sequence[Any], families: Sequence[str]) -> str:
    """The service a customer's outage report is about: the service they named in the
    form, else the first family their words mention (among those the account holds,
    when it holds any), else the family of the account's first plan; "" when nothing
    tells."""
    if fact.strip():
        return family_of(fact, families)
    held = [f for f in families if holds(plans, f)] or list(families)
    lowered = text.lower()
    mentioned = []
    for family in held:
        found = re.search(rf"\b{re.escape(family.lower())}\b", lowered)
        if found:
            mentioned.append((found.start(), family))
    if mentioned:
        return min(mentioned)[1]
    first = next((p for p in plans if isinstance(p, str) and p.strip()), "")
    return family_of(first, families) if first else ""
