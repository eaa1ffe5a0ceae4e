"""The credit ledger of an account: every amount granted, totals per month, and the
CSV finance takes. Totals are summed as Decimals in Python (an account has few rows),
so no database ever adds money up in floating point."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from honeydesk.accounts.models import CustomerAccount
from honeydesk.credits.models import LedgerEntry


def entries_of(account: CustomerAccount) -> QuerySet[LedgerEntry]:
    """The account's ledger, newest first, with the policy version and approver every
    listing shows; the case is named by the entry's own reference (`case_ref`), not read.
    The customer panel on every case page lists these (two joins: with the case, the
    request and the decision it was the case page's costliest statement to build)."""
    return (
        LedgerEntry.objects.filter(account=account).select_related("version", "approver").order_by("-granted_at", "-id")
    )


def export_entries_of(account: CustomerAccount) -> QuerySet[LedgerEntry]:
    """The ledger as finance gets it (CSV and API): also each request's outcome and the
    decision's rule."""
    return entries_of(account).select_related("request", "decision")


@dataclass(frozen=True)
class MonthTotal:
    month: date
    count: int
    total: Decimal
    currency: str


def month_totals(entries: list[LedgerEntry]) -> list[MonthTotal]:
    sums: dict[tuple[date, str], tuple[int, Decimal]] = {}
    for e in entries:
        local = timezone.localtime(e.granted_at)
        key = (date(local.year, local.month, 1), e.currency)
        count, total = sums.get(key, (0, Decimal("0.00")))
        sums[key] = (count + 1, total + e.amount)
    return [MonthTotal(m, n, t, c) for (m, c), (n, t) in sorted(sums.items(), reverse=True)]


CSV_HEADER = [
    "granted_at",
    "account",
    "case",
    "request",
    "amount",
    "currency",
    "outcome",
    "decision",
    "policy_version",
    "rule",
    "approver",
]


def as_csv(account: CustomerAccount, entries: list[LedgerEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for e in entries:
        writer.writerow(
            [
                timezone.localtime(e.granted_at).isoformat(timespec="seconds"),
                account.number,
                e.case_ref,
                e.request_id,
                f"{e.amount:.2f}",
                e.currency,
                e.request.status,
                e.decision_id,
                e.version.number,
                _safe(e.decision.rule_text),
                e.approver.username,
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: finance opens this file.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
