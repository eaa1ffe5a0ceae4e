"""The default written credit policy, and how a policy becomes a version.

Plain data and pure functions: the data migration that loads the default policy (with
the historical models) and the live code (the admin, the demo) use the same words and
the same snapshot, so version 1 on a fresh database is exactly what a desk edits later.

Rule texts may name `{window_days}`, `{currency}` and `{max_amount}`; a version stores
them filled in, so a decision quotes the words that were in force.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

CONDITIONS: list[tuple[str, str]] = [
    (
        "outage_match",
        "Matches an outage: an incident in the account's service area and service, reported before the "
        "request, overlapping the period claimed",
    ),
    ("billing_error", "A billing error is flagged on the account (and not cleared)"),
    (
        "repeat_request",
        "A repeated request: an earlier request from the same account about the same issue (same request "
        "type, or a linked case) within the policy's window",
    ),
    ("always", "Any request (put it last: the rule for everything the rules above do not cover)"),
]

OUTCOMES: list[tuple[str, str]] = [
    ("grant", "Grant the amount asked (up to the rule's cap, if any)"),
    ("grant_within_authority", "Relaxed: the representative may grant up to their authority"),
    ("decline", "Decline"),
]

ROLES = ["agent", "supervisor", "admin"]

DEFAULT_POLICY: dict[str, Any] = {
    "name": "Credit policy",
    "currency": "USD",
    "repeat_window_days": 90,
    "max_amount": Decimal("2000.00"),
}

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "position": 10,
        "condition": "outage_match",
        "outcome": "grant",
        "cap": None,
        "plain_words": "A credit for time without service is granted when an outage of that service in your "
        "area was on record before you asked, and overlaps the days you claim.",
        "what_would_change": "",
    },
    {
        "position": 20,
        "condition": "billing_error",
        "outcome": "grant",
        "cap": None,
        "plain_words": "A credit is granted when a billing error has been found on your account.",
        "what_would_change": "",
    },
    {
        "position": 30,
        "condition": "repeat_request",
        "outcome": "grant_within_authority",
        "cap": None,
        "plain_words": "When you ask a second time about the same issue within {window_days} days, the "
        "representative may grant a credit up to the limit of their authority.",
        "what_would_change": "",
    },
    {
        "position": 40,
        "condition": "always",
        "outcome": "decline",
        "cap": None,
        "plain_words": "A first request about an issue is credited only when it matches an outage we had on "
        "record in your area before you asked, or a billing error found on your account.",
        "what_would_change": "The answer would change if an outage in your area had been reported before your "
        "request, or if we find a billing error on your account. If the problem comes back, a second request "
        "about the same issue within {window_days} days can be granted by the representative.",
    },
]

# role, per request, per account per month (None: no limit).
DEFAULT_LIMITS: list[tuple[str, Decimal | None, Decimal | None]] = [
    ("agent", Decimal("50.00"), Decimal("100.00")),
    ("supervisor", Decimal("250.00"), Decimal("500.00")),
    ("admin", None, None),
]

ASK_AGAIN = "You may ask again, or ask for a supervisor to look at it with you."


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def fill(text: str, policy: Mapping[str, Any]) -> str:
    """The rule's words with the policy's figures; other braces are left as written."""
    return (
        (text or "")
        .replace("{window_days}", str(policy["repeat_window_days"]))
        .replace("{currency}", str(policy["currency"]))
        .replace("{max_amount}", _money(policy["max_amount"]) or "")
    )


def snapshot(
    policy: Mapping[str, Any], rules: Sequence[Mapping[str, Any]], limits: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """A policy as JSON: what a version stores and what decisions are taken by."""
    return {
        "name": policy["name"],
        "currency": policy["currency"],
        "repeat_window_days": int(policy["repeat_window_days"]),
        "max_amount": _money(policy["max_amount"]),
        "rules": [
            {
                "position": int(r["position"]),
                "condition": r["condition"],
                "outcome": r["outcome"],
                "cap": _money(r.get("cap")),
                "plain_words": fill(r["plain_words"], policy),
                "what_would_change": fill(r.get("what_would_change", ""), policy),
            }
            for r in sorted(rules, key=lambda r: (int(r["position"]), r.get("id", 0)))
        ],
        "limits": {
            lim["role"]: {
                "per_request": _money(lim.get("per_request")),
                "per_account_month": _money(lim.get("per_account_month")),
            }
            for lim in sorted(limits, key=lambda lim: ROLES.index(lim["role"]) if lim["role"] in ROLES else 99)
        },
    }
