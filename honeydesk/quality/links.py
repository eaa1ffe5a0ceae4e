"""The signed link in a survey mail: it names one survey and does one thing.

A link is `django.core.signing` over (survey id, the survey's nonce) with a salt of its
own, so a token made for anything else in honeydesk (a portal sign-in link) is not a
survey link, and a changed id fails the signature. The nonce is per survey: even a valid
signature for one survey never opens another. The link carries no sign-in; it opens the
one survey it names, until it is answered (single use) or the survey expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from honeydesk.lib import clock
from honeydesk.quality.models import Survey

SALT = "honeydesk.quality.survey-answer"


def token_for(survey: Survey) -> str:
    return signing.dumps([survey.pk, survey.nonce], salt=SALT)


@dataclass(frozen=True)
class Opened:
    """What a link leads to: the survey when it may be answered; otherwise why not
    (`problem`: "invalid", "expired", "answered", "withdrawn") and never a survey the
    link does not name."""

    survey: Survey | None
    problem: str = ""
    status: int = 200


def open_link(token: str, *, lifetime: timedelta) -> Opened:
    try:
        value = signing.loads(token, salt=SALT, max_age=lifetime)
    except signing.SignatureExpired:
        return Opened(None, "expired", 410)
    except signing.BadSignature:
        return Opened(None, "invalid", 404)
    if not (
        isinstance(value, list)
        and len(value) == 2
        and isinstance(value[0], int)
        and not isinstance(value[0], bool)
        and isinstance(value[1], str)
    ):
        return Opened(None, "invalid", 404)
    survey = (
        Survey.objects.select_related("case", "case__contact", "contact").filter(pk=value[0], nonce=value[1]).first()
    )
    if survey is None:
        return Opened(None, "invalid", 404)
    if survey.answered:
        return Opened(survey, "answered", 409)
    if survey.superseded_at is not None:
        return Opened(None, "withdrawn", 410)
    if survey.expires_at <= clock.now():
        return Opened(None, "expired", 410)
    return Opened(survey)
