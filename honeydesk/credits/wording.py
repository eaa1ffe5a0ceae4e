"""What the customer reads on their case and in the e-mail: every offer and decision
states the rule in plain words and cites the record; a denial also says what would
change the answer and that they may ask again or ask for a supervisor. Nothing staff
wrote about the customer (a flag's description, a departure reason, an approval note)
appears here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from honeydesk.credits.defaults import ASK_AGAIN
from honeydesk.credits.models import CreditRequest, Decision
from honeydesk.credits.policy import money


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


def period(request: CreditRequest) -> str:
    if request.period_start == request.period_end:
        return _day(request.period_start)
    return f"{_day(request.period_start)} to {_day(request.period_end)}"


def public_citations(citations: Sequence[dict[str, Any]]) -> list[str]:
    return [c["public_label"] for c in citations if c.get("public_label")]


def _record(decision: Decision) -> str:
    cited = public_citations(decision.citations)
    if cited:
        return "The record: " + "; ".join(cited) + "."
    return f"The record: your request on {decision.request.case.ref}; nothing else on record applies to it."


def _rule(decision: Decision) -> str:
    return f"Our credit policy (version {decision.version.number}) says: {decision.rule_text}"


def requested(request: CreditRequest, relied: Sequence[str]) -> str:
    text = (
        f"Credit requested: {money(request.amount, request.currency)} for {period(request)}.\nReason: {request.reason}"
    )
    if relied:
        text += "\nRelies on: " + "; ".join(relied) + "."
    return text


def offered(decision: Decision, note: str) -> str:
    request = decision.request
    parts = [
        f"We offer a credit of {money(decision.amount, request.currency)} "
        f"(you asked for {money(request.amount, request.currency)})."
    ]
    if note:
        parts.append(note)
    parts += [_rule(decision), _record(decision), "You can accept the offer, decline it, or make a counter-offer."]
    return "\n".join(parts)


def approval_pending(amount: Decimal, request: CreditRequest) -> str:
    return (
        f"A credit of {money(amount, request.currency)} needs a supervisor's approval. "
        "We will tell you their decision here."
    )


def acceptance_pending(amount: Decimal, request: CreditRequest) -> str:
    # Says why without the limits or who holds them: those are staff's business.
    return (
        f"You accepted the offer of {money(amount, request.currency)}. Before it is granted, a supervisor confirms it, "
        "because of other credits granted to your account this month. Nothing more is needed from you: "
        "we will tell you their decision here."
    )


def granted(decision: Decision, amount: Decimal, note: str = "") -> str:
    request = decision.request
    if amount == request.amount:
        head = f"Credit granted: {money(amount, request.currency)}."
    else:
        head = (
            f"Credit partly granted: {money(amount, request.currency)} of the "
            f"{money(request.amount, request.currency)} you asked for."
        )
    parts = [head + " It will show on your next bill."]
    if note:
        parts.append(note)
    if decision.recommendation == Decision.Recommendation.DECLINE:
        parts.append("This is an exception to the rule below, decided by a member of our team.")
    parts += [_rule(decision), _record(decision)]
    return "\n".join(parts)


def declined(decision: Decision, note: str = "", *, by_supervisor: bool = False) -> str:
    who = "A supervisor reviewed your request and declined it." if by_supervisor else "Credit declined."
    parts = [who]
    if note:
        parts.append(note)
    parts.append(_rule(decision))
    if decision.recommendation != Decision.Recommendation.DECLINE:
        parts.append(
            "This rule would allow a credit; we decided otherwise for this request, and a supervisor can review it."
        )
    if decision.what_would_change:
        parts.append(f"What would change the answer: {decision.what_would_change}")
    else:
        parts.append(
            "What would change the answer: a record of an outage or a billing error that covers the days you claim."
        )
    parts += [_record(decision), ASK_AGAIN]
    return "\n".join(parts)


def countered(amount: Decimal, request: CreditRequest, note: str) -> str:
    offer = money(request.offered_amount, request.currency)
    text = f"Counter-offer: {money(amount, request.currency)} (the offer was {offer})."
    return f"{text}\n{note}" if note else text


def accepted(amount: Decimal, request: CreditRequest) -> str:
    return f"Offer accepted: {money(amount, request.currency)}."


def refused(request: CreditRequest, note: str) -> str:
    text = f"Offer of {money(request.offered_amount, request.currency)} declined; the request is closed. " + ASK_AGAIN
    return f"{text}\n{note}" if note else text


def withdrawn(request: CreditRequest, note: str) -> str:
    text = f"Credit request for {money(request.amount, request.currency)} withdrawn."
    return f"{text}\n{note}" if note else text
