"""Amounts and periods as people type them, checked before anything is written.

Money is a `Decimal` with at most two places, parsed from text ("25", "25.50", "$25.50"),
never through a float. Refused, each with a message on its field: no amount, not a
number, negative, zero, more than two decimal places, above the policy's largest credit,
and another currency than the policy's.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
LONGEST_PERIOD_DAYS = 366
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_amount(raw: object, *, currency: str, max_amount: Decimal, field: str = "amount") -> Decimal:
    if raw is None or isinstance(raw, bool) or (isinstance(raw, str) and not raw.strip()):
        raise InvalidInput.field(field, "Enter an amount, e.g. 25.00.")
    if isinstance(raw, float):
        raise InvalidInput.field(field, 'Send the amount as text, e.g. "25.00": amounts are exact decimals.')
    text = str(raw).strip()
    symbol = SYMBOLS.get(currency, "")
    if symbol and text.startswith(symbol):
        text = text[len(symbol) :].strip()
    if "," in text:
        raise InvalidInput.field(
            field, "Write the amount with a point for cents and no thousands separator, e.g. 1250.50."
        )
    if not _NUMBER.match(text):
        raise InvalidInput.field(field, f"{str(raw)[:40]!r} is not an amount; write a number such as 25.00.")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidInput.field(field, f"{str(raw)[:40]!r} is not an amount; write a number such as 25.00.") from None
    if amount < 0:
        raise InvalidInput.field(field, "The amount cannot be negative.")
    if amount == 0:
        raise InvalidInput.field(field, "The amount must be more than zero.")
    if -amount.as_tuple().exponent > 2:  # type: ignore[operator]
        raise InvalidInput.field(field, "Use at most two decimal places (cents).")
    if amount > max_amount:
        raise InvalidInput.field(
            field, f"{amount} is more than the largest credit we handle ({max_amount} {currency}); please check it."
        )
    return amount.quantize(Decimal("0.01"))


def check_currency(raw: str | None, *, currency: str, field: str = "currency") -> str:
    given = (raw or "").strip().upper() or currency
    if given != currency:
        raise InvalidInput.field(field, f"Credits are given in {currency}; {str(raw)[:10]!r} is not accepted.")
    return currency


def parse_day(raw: object, field: str, label: str) -> date:
    if isinstance(raw, date):
        return raw
    text = str(raw or "").strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput.field(field, f"{label} must be a date like 2026-03-02.") from None


def check_period(start: date, end: date) -> None:
    today = timezone.localdate(clock.now())
    if start > end:
        raise InvalidInput.field("period_end", "The period ends before it starts.")
    if end > today:
        raise InvalidInput.field("period_end", "The period cannot end in the future.")
    if end - start > timedelta(days=LONGEST_PERIOD_DAYS):
        raise InvalidInput.field("period_start", "A request covers one year at most; ask for each year separately.")
