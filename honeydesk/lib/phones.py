"""Phone numbers in E.164, so a caller's number matches however it was typed."""

from __future__ import annotations

import os

import phonenumbers

DEFAULT_REGION = os.environ.get("HONEYDESK_PHONE_REGION", "US")


def to_e164(raw: str, region: str | None = None) -> str | None:
    """'(415) 555-0134' -> '+14155550134'; None when it is not a possible number."""
    try:
        number = phonenumbers.parse(raw, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
