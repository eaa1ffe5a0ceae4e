"""Every change to a credit request, an approval, a billing error flag: an action here.

Each runs in one transaction: the case row is locked (`timeline.lock`) and then the
request's, every offer and answer is a public entry on the case's timeline written
through `timeline.add_event`, internal reasoning (why approval is needed, a departure
from the policy, a supervisor's note) goes in internal entries, the case's version is
bumped (`timeline.touch`), and the customer is told by `notify` after the commit.
Callers fetch the case through the access door first (`honeydesk.credits.access`).

The negotiation: a request is OPEN until a rep grants (all or part), offers part, or
declines; an offer waits for the customer (OFFERED), who accepts, declines or counters;
a counter waits for a rep (COUNTERED), who grants it, counters again or declines. An
amount above the deciding person's authority waits for a supervisor (APPROVAL), who
approves, changes the amount or declines; so does an accepted offer that the month's
limit no longer covers (other grants to the account came first). Ends: granted, partly
granted, declined, withdrawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from honeydesk.accounts.models import CustomerAccount, Role, User
from honeydesk.cases import notify
from honeydesk.cases.models import Case, Channel, Status, TimelineEntry
from honeydesk.cases.timeline import add_event, check_staff, lock, reopen, require_text, set_status, touch
from honeydesk.credits import wording
from honeydesk.credits.amounts import check_currency, check_period, parse_amount, parse_day
from honeydesk.credits.models import (
    Approval,
    BillingErrorFlag,
    CreditRequest,
    CreditStep,
    Decision,
    LedgerEntry,
)
from honeydesk.credits.policy import Policy, Recommendation, authority_of, current_policy, money, recommend
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, StaleVersion

RS = CreditRequest.Status
Kind = CreditStep.Kind
MAX_NOTE = 2000


def _note(text: str, field: str = "note") -> str:
    text = (text or "").strip()
    if "\x00" in text:
        raise InvalidInput.field(field, "Text may not contain NUL characters.")
    if len(text) > MAX_NOTE:
        raise InvalidInput.field(field, f"Keep it under {MAX_NOTE} characters.")
    return text


def _lock_request(request: CreditRequest, expected_version: int | None) -> CreditRequest:
    locked = CreditRequest.objects.select_for_update().select_related("case").get(pk=request.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(
            f"Credit request #{locked.pk} changed while you were looking at it (you saw version "
            f"{expected_version}, it is now {locked.version}). Reload and try again."
        )
    return locked


def _save(request: CreditRequest, *fields: str) -> None:
    request.version += 1
    request.save(update_fields=[*fields, "version"])


def _entry(
    case: Case,
    label: str,
    body: str,
    *,
    acting_user: User | None,
    channel: str,
    request: CreditRequest,
    step: str,
    amount: Decimal | None = None,
    public: bool = True,
) -> TimelineEntry:
    data = {"label": label, "credit": {"request": request.pk, "step": step, "amount": str(amount) if amount else None}}
    return add_event(
        case,
        "",
        acting_user=acting_user,
        author_name="" if acting_user else "honeydesk",
        channel=channel,
        public=public,
        body=body,
        data=data,
    )


def _step(
    request: CreditRequest,
    kind: str,
    entry: TimelineEntry,
    *,
    by: User,
    amount: Decimal | None = None,
    note: str = "",
    decision: Decision | None = None,
) -> CreditStep:
    return CreditStep.objects.create(
        request=request,
        kind=kind,
        by=by,
        by_customer=not by.is_staff_member,
        amount=amount,
        note=note,
        decision=decision,
        entry=entry,
        created_at=clock.now(),
    )


def _tell(case: Case, entry: TimelineEntry, title: str) -> None:
    notify.credit_update(case, entry, {"title": title, "text": entry.body})


def _close(request: CreditRequest, status: str, *, granted: Decimal | None = None) -> None:
    request.status = status
    request.closed_at = clock.now()
    request.granted_amount = granted
    _save(request, "status", "closed_at", "granted_amount")


# --- raising a request ----------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """A credit request as typed: amounts and dates as text or values; checked by
    `do_request_credit` before anything is written."""

    amount: object
    reason: str
    period_start: object
    period_end: object
    currency: str = ""
    relies_on: Sequence[int] = ()
    service: str = ""


def do_request_credit(case: Case, ask: Ask, *, acting_user: User, channel: str) -> CreditRequest:
    """A customer (portal, API) or a rep on their behalf (workspace, a call) asks for a
    credit on a case they can see. A resolved case reopens: someone must decide."""
    policy = current_policy()
    amount = parse_amount(ask.amount, currency=policy.currency, max_amount=policy.max_amount)
    currency = check_currency(ask.currency, currency=policy.currency)
    reason = require_text("reason", ask.reason, max_chars=MAX_NOTE)
    start: date = parse_day(ask.period_start, "period_start", "The first day")
    end: date = parse_day(ask.period_end, "period_end", "The last day")
    check_period(start, end)
    service = _note(ask.service, "service")[:80]
    ids = sorted({int(i) for i in ask.relies_on})
    entries = TimelineEntry.objects.filter(case_id=case.pk, pk__in=ids)
    if not acting_user.is_staff_member:
        entries = entries.filter(visibility=TimelineEntry.Visibility.PUBLIC)
    relied = list(entries.order_by("created_at", "id"))
    unknown = sorted(set(ids) - {e.pk for e in relied})
    if unknown:
        raise InvalidInput.field("relies_on", f"Entry {unknown[0]} is not on {case.ref}.")
    now = clock.now()
    with transaction.atomic():
        case = lock(case)
        if case.status == Status.CLOSED:
            raise InvalidTransition(f"{case.ref} is closed; ask on a new request and mention {case.ref}.")
        active = CreditRequest.objects.filter(case=case, status__in=CreditRequest.ACTIVE).first()
        if active is not None:
            raise InvalidTransition(f"{case.ref} already has a credit request waiting (#{active.pk}); answer that one.")
        if case.status == Status.RESOLVED:
            reopen(case, acting_user=acting_user, channel=channel, why="A credit was requested.")
        elif case.status == Status.PENDING and not acting_user.is_staff_member:
            set_status(case, Status.OPEN, acting_user=acting_user, channel=channel)
        request = CreditRequest.objects.create(
            case=case,
            account_id=case.account_id,
            amount=amount,
            currency=currency,
            reason=reason,
            period_start=start,
            period_end=end,
            service=service,
            raised_by=acting_user,
            channel=channel,
            created_at=now,
        )
        request.relies_on.set(relied)
        relied_words = [f"{e.get_kind_display().lower()} of {e.created_at:%b} {e.created_at.day}" for e in relied]
        entry = _entry(
            case,
            "Credit requested",
            wording.requested(request, relied_words),
            acting_user=acting_user,
            channel=channel,
            request=request,
            step=Kind.REQUESTED,
            amount=amount,
        )
        _step(request, Kind.REQUESTED, entry, by=acting_user, amount=amount, note=reason)
        touch(case, ["status", "resolved_at"], now)
    return request


# --- a rep decides --------------------------------------------------------------------


def _departs(rec: Recommendation, action: str, amount: Decimal) -> bool:
    if rec.outcome == "decline":
        return action != Decision.Action.DECLINE
    if action == Decision.Action.DECLINE:
        return True
    return amount > rec.amount  # more than the rule recommends (its cap, the rep's authority)


def _decision(
    request: CreditRequest,
    rec: Recommendation,
    *,
    action: str,
    amount: Decimal,
    acting_user: User,
    departure_reason: str = "",
) -> Decision:
    return Decision.objects.create(
        request=request,
        version=rec.policy.version,
        rule_position=rec.rule.position,
        rule_condition=rec.rule.condition,
        rule_text=rec.rule.plain_words,
        what_would_change=rec.rule.what_would_change,
        recommendation=rec.outcome,
        recommended_amount=rec.amount,
        citations=[c.as_dict() for c in rec.citations],
        action=action,
        amount=amount,
        departed=bool(departure_reason),
        departure_reason=departure_reason,
        decided_by=acting_user,
        decided_at=clock.now(),
    )


def do_decide_credit(
    request: CreditRequest,
    *,
    action: str,
    acting_user: User,
    amount: object = None,
    note: str = "",
    departure_reason: str = "",
    channel: str = Channel.WORKSPACE,
    expected_version: int | None = None,
) -> CreditRequest:
    """A rep grants (the amount on the table, or less: partly), offers part, or declines
    a request waiting for a decision (new, or countered by the customer). Departing from
    the policy's recommendation needs a written reason. An amount above the rep's
    authority goes to the supervisors' queue instead of being refused."""
    check_staff(acting_user, "user")
    if action not in Decision.Action.values:
        raise InvalidInput.field("action", "Choose grant, offer or decline.")
    note = _note(note)
    departure_reason = _note(departure_reason, "departure_reason")
    policy = current_policy()
    with transaction.atomic():
        case = lock(request.case)
        request = _lock_request(request, expected_version)
        request.case = case
        if request.status not in (RS.OPEN, RS.COUNTERED):
            raise InvalidTransition(f"Credit request #{request.pk} is {request.get_status_display().lower()}.")
        _lock_account(request.account_id)  # the month's total is read below
        value = _decided_amount(request, action, amount, policy)
        rec = recommend(request, for_user=acting_user, policy=policy)
        if _departs(rec, action, value) and not departure_reason:
            raise InvalidInput.field(
                "departure_reason",
                f"The policy recommends: {rec.headline} ({rec.rule.plain_words}) Write why you decide otherwise.",
            )
        decision = _decision(
            request, rec, action=action, amount=value, acting_user=acting_user, departure_reason=departure_reason
        )
        if departure_reason:
            _entry(
                case,
                "Departure from the credit policy",
                f"Recommendation: {rec.headline}. Decided: {action} {money(value, policy.currency)}.\n"
                f"Reason: {departure_reason}",
                acting_user=acting_user,
                channel=channel,
                request=request,
                step="departure",
                public=False,
            )
        if action == Decision.Action.DECLINE:
            entry = _entry(
                case,
                "Credit declined",
                wording.declined(decision, note),
                acting_user=acting_user,
                channel=channel,
                request=request,
                step=Kind.DECLINED,
            )
            _step(request, Kind.DECLINED, entry, by=acting_user, note=note, decision=decision)
            _close(request, RS.DECLINED)
            _tell(case, entry, "Credit decision")
        else:
            problem = authority_of(acting_user, request.account_id, policy).problem(value, acting_user.display_name)
            if problem:
                _to_approval(case, request, decision, rec, problem, acting_user=acting_user, channel=channel)
            else:
                _carry_out(
                    case, request, decision, approver=acting_user, acting_user=acting_user, channel=channel, note=note
                )
        touch(case, [])
    return request


def _decided_amount(request: CreditRequest, action: str, raw: object, policy: Policy) -> Decimal:
    if action == Decision.Action.DECLINE:
        return Decimal("0.00")
    on_table = request.on_the_table
    if action == Decision.Action.GRANT and (raw is None or raw == ""):
        return on_table
    value = parse_amount(raw, currency=policy.currency, max_amount=policy.max_amount)
    if value > on_table:
        raise InvalidInput.field("amount", f"That is more than the {money(on_table, policy.currency)} on the table.")
    if action == Decision.Action.OFFER:
        if value == on_table:
            raise InvalidInput.field("amount", "That is the whole amount on the table: grant it instead.")
        if request.status == RS.COUNTERED and request.offered_amount is not None and value <= request.offered_amount:
            raise InvalidInput.field(
                "amount",
                f"A new offer should move from the last one ({money(request.offered_amount, policy.currency)}).",
            )
    return value


def _lock_account(account_id: int) -> None:
    """Hold the account's row until the transaction ends, so two grants to the same
    account (on two of its cases, each under its own case lock) cannot both read the
    month's total before either is on the ledger. Always taken after the case lock.
    SQLite's IMMEDIATE transactions serialise writers anyway."""
    list(CustomerAccount.objects.select_for_update().filter(pk=account_id).values_list("pk", flat=True))


def _to_approval(
    case: Case,
    request: CreditRequest,
    decision: Decision,
    rec: Recommendation,
    problem: str,
    *,
    acting_user: User,
    channel: str,
) -> None:
    Approval.objects.create(
        request=request,
        decision=decision,
        action=decision.action,
        amount=decision.amount,
        reason=problem,
        requested_by=acting_user,
        requested_at=clock.now(),
    )
    _entry(
        case,
        "Credit sent for approval",
        f"{problem}\nProposed: {decision.get_action_display().lower()} {money(decision.amount, request.currency)}. "
        f"Policy recommendation: {rec.headline} — {rec.rule.plain_words}",
        acting_user=acting_user,
        channel=channel,
        request=request,
        step="approval_reason",
        public=False,
    )
    entry = _entry(
        case,
        "Credit waiting for approval",
        wording.approval_pending(decision.amount, request),
        acting_user=acting_user,
        channel=channel,
        request=request,
        step=Kind.APPROVAL,
        amount=decision.amount,
    )
    _step(request, Kind.APPROVAL, entry, by=acting_user, amount=decision.amount, decision=decision)
    request.status = RS.APPROVAL
    _save(request, "status")
    notify.credit_approval_needed(
        case, {"reason": problem, "amount": str(decision.amount), "requested_by": acting_user.display_name}
    )


def _acceptance_to_approval(
    case: Case,
    request: CreditRequest,
    offer_decision: Decision,
    offer: Decimal,
    problem: str,
    *,
    acting_user: User,
    channel: str,
) -> None:
    """An accepted offer that the month's limit no longer covers waits for a supervisor,
    like an amount above a rep's authority: nothing goes on the ledger until they
    approve (it is then granted), change the amount, or decline."""
    made = timezone.localtime(offer_decision.decided_at)
    reason = (
        f"The customer accepted the offer of {money(offer, request.currency)} made by "
        f"{offer_decision.decided_by.display_name} on {made:%b} {made.day}; other credits to the account since then "
        f"leave it above that authority. {problem}"
    )
    Approval.objects.create(
        request=request,
        decision=offer_decision,
        action=Decision.Action.GRANT,
        amount=offer,
        reason=reason,
        requested_by=acting_user,
        requested_at=clock.now(),
    )
    _entry(case, "Credit sent for approval", reason, acting_user=acting_user, channel=channel, request=request,
           step="approval_reason", public=False)  # fmt: skip
    entry = _entry(
        case,
        "Credit waiting for approval",
        wording.acceptance_pending(offer, request),
        acting_user=acting_user,
        channel=channel,
        request=request,
        step=Kind.APPROVAL,
        amount=offer,
    )
    _step(request, Kind.APPROVAL, entry, by=acting_user, amount=offer, decision=offer_decision)
    request.status = RS.APPROVAL
    _save(request, "status")
    _tell(case, entry, "Credit waiting for approval")
    notify.credit_approval_needed(
        case, {"reason": reason, "amount": str(offer), "requested_by": acting_user.display_name}
    )


def _carry_out(
    case: Case,
    request: CreditRequest,
    decision: Decision,
    *,
    approver: User,
    acting_user: User,
    channel: str,
    note: str = "",
) -> None:
    """A decision within someone's authority takes effect: a grant goes on the ledger,
    an offer goes to the customer."""
    if decision.action == Decision.Action.OFFER:
        entry = _entry(
            case,
            "Credit offer",
            wording.offered(decision, note),
            acting_user=acting_user,
            channel=channel,
            request=request,
            step=Kind.OFFERED,
            amount=decision.amount,
        )
        _step(request, Kind.OFFERED, entry, by=acting_user, amount=decision.amount, note=note, decision=decision)
        request.status, request.offered_amount = RS.OFFERED, decision.amount
        _save(request, "status", "offered_amount")
        _tell(case, entry, "Credit offer")
        return
    _grant(
        case, request, decision, decision.amount, approver=approver, acting_user=acting_user, channel=channel, note=note
    )


def _grant(
    case: Case,
    request: CreditRequest,
    decision: Decision,
    amount: Decimal,
    *,
    approver: User,
    acting_user: User,
    channel: str,
    note: str = "",
) -> None:
    full = amount == request.amount
    label = "Credit granted" if full else "Credit partly granted"
    entry = _entry(
        case,
        label,
        wording.granted(decision, amount, note),
        acting_user=acting_user,
        channel=channel,
        request=request,
        step=Kind.GRANTED,
        amount=amount,
    )
    _step(request, Kind.GRANTED, entry, by=acting_user, amount=amount, note=note, decision=decision)
    LedgerEntry.objects.create(
        account_id=request.account_id,
        case=case,
        request=request,
        decision=decision,
        version=decision.version,
        amount=amount,
        currency=request.currency,
        approver=approver,
        granted_at=clock.now(),
    )
    _close(request, RS.GRANTED if full else RS.PARTLY_GRANTED, granted=amount)
    _tell(case, entry, "Credit decision")


# --- the customer answers an offer ----------------------------------------------------


def do_answer_offer(
    request: CreditRequest,
    *,
    answer: str,
    acting_user: User,
    amount: object = None,
    note: str = "",
    channel: str = Channel.PORTAL,
    expected_version: int | None = None,
) -> CreditRequest:
    """The customer accepts the offer (it is granted when it is still within the
    authority of whoever made or approved it; when other grants to the account this
    month have used that up since, the acceptance waits for a supervisor), declines it
    (the request ends), or counters with an amount between the offer and what they
    asked. A rep may record the customer's answer given on a call (channel phone)."""
    if answer not in ("accept", "decline", "counter"):
        raise InvalidInput.field("answer", "Answer accept, decline or counter.")
    note = _note(note)
    policy = current_policy()
    with transaction.atomic():
        case = lock(request.case)
        request = _lock_request(request, expected_version)
        request.case = case
        if request.status != RS.OFFERED or request.offered_amount is None:
            raise InvalidTransition(f"Credit request #{request.pk} has no offer waiting for an answer.")
        offer = request.offered_amount
        offer_step = (
            request.steps.filter(kind=Kind.OFFERED).select_related("decision").order_by("-created_at", "-id")[0]
        )
        decision = offer_step.decision
        assert decision is not None
        if answer == "accept":
            # The month may have filled up since the offer (another offer accepted on
            # another case of the account): the limit is read again, under the account's
            # lock, with the policy version the offer was made under.
            _lock_account(request.account_id)
            entry = _entry(
                case,
                "Offer accepted",
                wording.accepted(offer, request) + (f"\n{note}" if note else ""),
                acting_user=acting_user,
                channel=channel,
                request=request,
                step=Kind.ACCEPTED,
                amount=offer,
            )
            _step(request, Kind.ACCEPTED, entry, by=acting_user, amount=offer, note=note, decision=decision)
            # Whoever made the offer, or the supervisor who approved it (approving writes
            # the supervisor's own decision), is whose authority covers it.
            approver = decision.decided_by
            limits = Policy.of(decision.version)
            problem = authority_of(approver, request.account_id, limits).problem(offer, approver.display_name)
            if problem:
                _acceptance_to_approval(case, request, decision, offer, problem, acting_user=acting_user,
                                        channel=channel)  # fmt: skip
            else:
                _grant(case, request, decision, offer, approver=approver, acting_user=approver, channel=channel)
        elif answer == "decline":
            entry = _entry(
                case,
                "Offer declined",
                wording.refused(request, note),
                acting_user=acting_user,
                channel=channel,
                request=request,
                step=Kind.REFUSED,
            )
            _step(request, Kind.REFUSED, entry, by=acting_user, note=note)
            _close(request, RS.DECLINED)
        else:
            value = parse_amount(amount, currency=policy.currency, max_amount=policy.max_amount)
            if not offer < value <= request.amount:
                raise InvalidInput.field(
                    "amount",
                    f"A counter-offer is more than the offer ({money(offer, request.currency)}) and at most "
                    f"what you asked ({money(request.amount, request.currency)}).",
                )
            entry = _entry(
                case,
                "Counter-offer",
                wording.countered(value, request, note),
                acting_user=acting_user,
                channel=channel,
                request=request,
                step=Kind.COUNTERED,
                amount=value,
            )
            _step(request, Kind.COUNTERED, entry, by=acting_user, amount=value, note=note)
            request.status, request.countered_amount = RS.COUNTERED, value
            _save(request, "status", "countered_amount")
        touch(case, [])
    return request


def do_withdraw_credit(
    request: CreditRequest, *, acting_user: User, note: str = "", channel: str = Channel.PORTAL
) -> CreditRequest:
    note = _note(note)
    with transaction.atomic():
        case = lock(request.case)
        request = _lock_request(request, None)
        request.case = case
        if not request.is_active:
            raise InvalidTransition(f"Credit request #{request.pk} is already {request.get_status_display().lower()}.")
        Approval.objects.filter(request=request, status=Approval.Status.PENDING).update(
            status=Approval.Status.WITHDRAWN, decided_at=clock.now()
        )
        entry = _entry(
            case,
            "Credit request withdrawn",
            wording.withdrawn(request, note),
            acting_user=acting_user,
            channel=channel,
            request=request,
            step=Kind.WITHDRAWN,
        )
        _step(request, Kind.WITHDRAWN, entry, by=acting_user, note=note)
        _close(request, RS.WITHDRAWN)
        touch(case, [])
    return request


# --- supervisors approve --------------------------------------------------------------


def do_decide_approval(
    approval: Approval,
    *,
    approve: bool,
    acting_user: User,
    amount: object = None,
    note: str = "",
    message: str = "",
) -> Approval:
    """A supervisor approves what the rep proposed, approves another amount (changed),
    or declines; on record either way. `note` is internal (required to decline);
    `message` is what the customer reads. The approver's own authority must cover the
    amount (an admin's has no limit by default)."""
    if acting_user.role not in (Role.SUPERVISOR, Role.ADMIN) or not acting_user.is_active:
        raise InvalidInput.field("user", "Only supervisors approve credits.")
    note = _note(note)
    message = _note(message, "message")
    if not approve and not note:
        raise InvalidInput.field(
            "note", "Say why the credit is declined (for the record; the customer does not see it)."
        )
    policy = current_policy()
    with transaction.atomic():
        request = CreditRequest.objects.select_related("case").get(pk=approval.request_id)
        case = lock(request.case)
        request = _lock_request(request, None)
        request.case = case
        approval = Approval.objects.select_for_update().select_related("decision").get(pk=approval.pk)
        if approval.status != Approval.Status.PENDING or request.status != RS.APPROVAL:
            raise InvalidTransition(f"Approval #{approval.pk} is {approval.get_status_display().lower()}.")
        _lock_account(request.account_id)  # the month's total is read below
        rec = recommend(request, for_user=acting_user, policy=policy)
        now = clock.now()
        if not approve:
            decision = _decision(
                request, rec, action=Decision.Action.DECLINE, amount=Decimal("0.00"), acting_user=acting_user,
                departure_reason=note if rec.outcome != "decline" else "",
            )  # fmt: skip
            approval.status, approval.decided_by, approval.decided_at, approval.note = (
                Approval.Status.DECLINED, acting_user, now, note,
            )  # fmt: skip
            approval.save()
            _entry(case, "Approval declined", f"Declined by {acting_user.display_name}: {note}",
                   acting_user=acting_user, channel=Channel.WORKSPACE, request=request, step="approval_note",
                   public=False)  # fmt: skip
            entry = _entry(
                case,
                "Credit declined",
                wording.declined(decision, message, by_supervisor=True),
                acting_user=acting_user,
                channel=Channel.WORKSPACE,
                request=request,
                step=Kind.DECLINED,
            )
            _step(request, Kind.DECLINED, entry, by=acting_user, note=message, decision=decision)
            _close(request, RS.DECLINED)
            _tell(case, entry, "Credit decision")
        else:
            value = approval.amount
            if amount is not None and amount != "":
                value = parse_amount(amount, currency=policy.currency, max_amount=policy.max_amount)
                if value > request.on_the_table:
                    raise InvalidInput.field(
                        "amount", f"That is more than the {money(request.on_the_table, policy.currency)} on the table."
                    )
            problem = authority_of(acting_user, request.account_id, policy).problem(value, acting_user.display_name)
            if problem:
                raise InvalidTransition(f"{problem} An admin approves this one.")
            action = approval.action
            if action == Decision.Action.OFFER and value == request.on_the_table:
                action = Decision.Action.GRANT  # approving the whole amount is a grant
            decision = _decision(request, rec, action=action, amount=value, acting_user=acting_user,
                                 departure_reason=approval.decision.departure_reason)  # fmt: skip
            changed = value != approval.amount
            approval.status = Approval.Status.CHANGED if changed else Approval.Status.APPROVED
            approval.decided_by, approval.decided_at, approval.decided_amount, approval.note = (
                acting_user, now, value, note,
            )  # fmt: skip
            approval.save()
            if note or changed:
                body = (
                    f"{approval.get_status_display()} by {acting_user.display_name}: {money(value, policy.currency)}."
                )
                _entry(case, "Approval note", f"{body} {note}".strip(), acting_user=acting_user,
                       channel=Channel.WORKSPACE, request=request, step="approval_note", public=False)  # fmt: skip
            _carry_out(case, request, decision, approver=acting_user, acting_user=acting_user,
                       channel=Channel.WORKSPACE, note=message)  # fmt: skip
        touch(case, [])
    return approval


# --- billing errors -------------------------------------------------------------------


def do_flag_billing_error(account: CustomerAccount, *, description: str, acting_user: User) -> BillingErrorFlag:
    check_staff(acting_user, "user")
    description = require_text("description", description, max_chars=MAX_NOTE)
    return BillingErrorFlag.objects.create(
        account=account, description=description, flagged_by=acting_user, flagged_at=clock.now()
    )


def do_clear_billing_error(flag: BillingErrorFlag, *, acting_user: User) -> BillingErrorFlag:
    check_staff(acting_user, "user")
    with transaction.atomic():
        flag = BillingErrorFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.cleared_at is not None:
            raise InvalidTransition("That billing error is already cleared.")
        flag.cleared_at, flag.cleared_by = clock.now(), acting_user
        flag.save(update_fields=["cleared_at", "cleared_by"])
    return flag
