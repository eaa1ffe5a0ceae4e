"""Demo answer library and an abusive message, after the cases' stories.

Articles reps and customers find again (some internal, most public), each tied to the
request types it answers, so the portal's suggestions and the workspace's library show
something. One customer e-mail insults the rep: the workspace masks it, marks the case
abusive and tells a supervisor, as it would for a real one. Fixed texts, no randomness:
the same seed gives the same data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from honeydesk.cases import actions
from honeydesk.cases.models import Case, Channel, RequestType, Status
from honeydesk.intelligence.models import Article
from honeydesk.lib import clock

# title, request-type slugs, public, body
ARTICLES: list[tuple[str, list[str], bool, str]] = [
    (
        "Reading your bill, line by line",
        ["billing-explanation"],
        True,
        "Your bill has three parts: the monthly plan, one-off charges (installation, a late fee) and taxes. "
        "A first bill is often higher because it covers part of a month in advance. Compare each line with "
        "the statement date printed at the top right.",
    ),
    (
        "Why a bill changed after a promotion ended",
        ["billing-explanation", "plan-change"],
        True,
        "Promotional prices last 12 months unless the order said otherwise. The month after, the plan's "
        "standard price applies. Ask us for a plan review: a current offer is often closer to the old price.",
    ),
    (
        "Restarting your modem the right way",
        ["repair", "outage"],
        True,
        "Unplug the modem's power for 30 seconds, plug it back in and wait until the Online light is steady "
        "(about 3 minutes). If it blinks for longer than 10 minutes, tell us the colour of the lights.",
    ),
    (
        "Known outages and how we tell you",
        ["outage", "repair"],
        True,
        "When an outage is known in your area, the help centre shows a banner and we e-mail everyone with an "
        "open report once service is back. Credits for long outages follow the credit policy.",
    ),
    (
        "How credits for outages are worked out",
        ["credit-request", "outage"],
        True,
        "A credit covers the days without service at the daily rate of the affected service. Outages shorter "
        "than 4 hours are not credited. The amount appears on the next bill.",
    ),
    (
        "Tracking an order and changing a delivery slot",
        ["order-tracking"],
        True,
        "Your order confirmation has an order number (ORD-…) and, once shipped, a tracking number starting "
        "1Z. Delivery slots can be changed up to the day before.",
    ),
    (
        "Cancelling: final bill and equipment return",
        ["cancellation"],
        True,
        "Service ends on the day you choose. The final bill covers the days up to then; rented equipment goes "
        "back in the prepaid box within 30 days to avoid an equipment charge.",
    ),
    (
        "Verifying a caller before changing account access",
        ["account-access"],
        False,
        "Internal: confirm two of account number, service address and the last payment amount before any change "
        "to logins or contact details. Never read out a full card number.",
    ),
    (
        "Handling abusive messages",
        ["complaint", "general"],
        False,
        "Internal: you do not have to accept insults. Reply with the boundary text the composer offers, keep to "
        "the problem and let the supervisor who was told take over if it continues.",
    ),
]

ABUSIVE_MESSAGE = (
    "This is the third time my internet is down and you idiots keep lying to me. "
    "You are useless, pathetic morons. Fix it today."
)


def build(builder: Any) -> None:
    types = {t.slug: t for t in RequestType.objects.all()}
    for title, slugs, public, body in ARTICLES:
        article = Article.objects.create(title=title, body=body, public=public)
        article.request_types.set([types[s] for s in slugs if s in types])
    _abusive_message(builder)


def _abusive_message(builder: Any) -> None:
    """One e-mail that insults the rep, on the oldest worked repair case, an hour ago."""
    case = (
        Case.objects.filter(status=Status.OPEN, request_type__slug="repair", contact__isnull=False)
        .select_related("account", "contact", "request_type")
        .order_by("id")
        .first()
    )
    if case is None:
        return
    inbound = actions.Inbound(
        subject=f"Re: [{case.ref}] {case.subject}", body=ABUSIVE_MESSAGE, channel=Channel.EMAIL, contact=case.contact
    )
    with clock.at(max(builder.now - timedelta(hours=1), case.updated_at + timedelta(minutes=1))):
        actions.do_receive_message(inbound, case=case, account=case.account, request_type=case.request_type)
