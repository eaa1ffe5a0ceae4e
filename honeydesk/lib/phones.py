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


def readable(e164: str) -> str:
    """'+14155550134' -> '(415) 555-0134' at home, '+44 20 7946 0958' from abroad: how
    people write a number to dial it. Anything unparsable is shown as it is."""
    try:
        number = phonenumbers.parse(e164, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return e164
    if not phonenumbers.is_possible_number(number):
        return e164
    home = phonenumbers.region_code_for_number(number) == DEFAULT_REGION
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(number, style)
