"""The written policy applied to a credit request: which rule holds, what it recommends,
what it relied on, and how much the deciding person may grant on their own.

`current_policy()` is the latest recorded version (the admin records one on every save;
`record_version` is idempotent). `recommend()` walks the version's rules in order; the
first whose condition holds decides. Conditions read the record:

- outage_match: the account is on record as affected by an incident (confirmed or
  resolved) reported before the request, whose span overlaps the claimed period (and
  whose service is the one claimed, when the request names one);
- billing_error: a billing error flagged on the account and not cleared;
- repeat_request: an earlier request from the same account about the same issue (same
  request type, or the same or a linked case) within the policy's window;
- always.

Authority: each role's limits per request and per account per calendar month (the sum
of the account's ledger for the month, counted in Decimals).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from honeydesk.accounts.models import User
from honeydesk.cases.models import TimelineEntry
from honeydesk.credits import defaults
from honeydesk.credits.models import (
    AuthorityLimit,
    BillingErrorFlag,
    CreditPolicy,
    CreditRequest,
    LedgerEntry,
    PolicyRule,
    PolicyVersion,
)
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidTransition
from honeydesk.outages.models import AffectedAccount, Incident
from honeydesk.outages.services import holds

ZERO = Decimal("0.00")


def money(amount: Decimal | None, currency: str = "USD") -> str:
    if amount is None:
        return "no limit"
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency, "")
    text = f"{amount.quantize(Decimal('0.01')):,}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


# --- the policy in force ------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    position: int
    condition: str
    outcome: str
    cap: Decimal | None
    plain_words: str
    what_would_change: str


@dataclass(frozen=True)
class Limit:
    per_request: Decimal | None
    per_account_month: Decimal | None


@dataclass(frozen=True)
class Policy:
    version: PolicyVersion
    currency: str
    repeat_window_days: int
    max_amount: Decimal
    rules: tuple[Rule, ...]
    limits: dict[str, Limit]

    @property
    def number(self) -> int:
        return self.version.number

    @classmethod
    def of(cls, version: PolicyVersion) -> Policy:
        c = version.content

        def dec(value: Any) -> Decimal | None:
            return None if value is None else Decimal(value)

        return cls(
            version=version,
            currency=c["currency"],
            repeat_window_days=int(c["repeat_window_days"]),
            max_amount=Decimal(c["max_amount"]),
            rules=tuple(
                Rule(
                    r["position"], r["condition"], r["outcome"], dec(r["cap"]), r["plain_words"], r["what_would_change"]
                )
                for r in c["rules"]
            ),
            limits={role: Limit(dec(v["per_request"]), dec(v["per_account_month"])) for role, v in c["limits"].items()},
        )

    def limit_for(self, role: str) -> Limit:
        # A role the policy does not name (a customer) has no authority at all.
        return self.limits.get(role, Limit(ZERO, ZERO))


def live_snapshot(policy: CreditPolicy) -> dict[str, Any]:
    rules = list(
        PolicyRule.objects.filter(policy=policy).values(
            "id", "position", "condition", "outcome", "cap", "plain_words", "what_would_change"
        )
    )
    limits = list(AuthorityLimit.objects.filter(policy=policy).values("role", "per_request", "per_account_month"))
    fields = {
        "name": policy.name,
        "currency": policy.currency.upper(),
        "repeat_window_days": policy.repeat_window_days,
        "max_amount": policy.max_amount,
    }
    return defaults.snapshot(fields, rules, limits)


def record_version(policy: CreditPolicy, *, acting_user: User | None) -> PolicyVersion:
    """Record the policy as it now stands as a new version, unless the latest version
    already says exactly this. Decisions take the latest version."""
    content = live_snapshot(policy)
    if not any(r["condition"] == "always" for r in content["rules"]):
        raise InvalidTransition("The policy needs a last rule for any request (condition 'always').")
    with transaction.atomic():
        latest = PolicyVersion.objects.filter(policy=policy).order_by("-number").first()
        if latest is not None and latest.content == content:
            return latest
        try:
            with transaction.atomic():
                return PolicyVersion.objects.create(
                    policy=policy,
                    number=(latest.number + 1) if latest else 1,
                    content=content,
                    created_at=clock.now(),
                    created_by=acting_user,
                )
        except IntegrityError:
            # Someone recorded the same number at the same moment: theirs is in force.
            return PolicyVersion.objects.filter(policy=policy).order_by("-number")[0]


def ensure_default_policy() -> CreditPolicy:
    """The default written policy and its first version, when there is no policy yet
    (the data migration loads it; this is for databases built without migrations)."""
    policy = CreditPolicy.objects.order_by("id").first()
    if policy is not None:
        return policy
    policy = CreditPolicy.objects.create(**defaults.DEFAULT_POLICY)
    PolicyRule.objects.bulk_create([PolicyRule(policy=policy, **rule) for rule in defaults.DEFAULT_RULES])
    AuthorityLimit.objects.bulk_create(
        [
            AuthorityLimit(policy=policy, role=r, per_request=a, per_account_month=b)
            for r, a, b in defaults.DEFAULT_LIMITS
        ]
    )
    record_version(policy, acting_user=None)
    return policy


def current_policy() -> Policy:
    version = PolicyVersion.objects.select_related("policy").order_by("policy_id", "-number").first()
    if version is None:
        record_version(ensure_default_policy(), acting_user=None)
        version = PolicyVersion.objects.select_related("policy").order_by("policy_id", "-number")[0]
    return Policy.of(version)


# --- what the record says -----------------------------------------------------------


@dataclass(frozen=True)
class Citation:
    """A piece of the record a recommendation relied on. `label` is for staff;
    `public_label` for the customer ("" when it is staff's business, like what a
    billing error flag says)."""

    kind: str
    label: str
    public_label: str
    case_ref: str = ""
    entry_id: int | None = None
    incident_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "label": self.label,
            "public_label": self.public_label,
            "case_ref": self.case_ref,
            "entry_id": self.entry_id,
            "incident_id": self.incident_id,
        }


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local:%b} {local.day}, {local:%H:%M}"


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


@dataclass(frozen=True)
class Record:
    """What the conditions and the authority read about the accounts of some requests.

    It is read for a whole page of requests at once, in the same five queries however
    many there are (the approvals queue spent five queries per row before), and for a
    single request the same way, so both paths give the same answer."""

    affected: dict[int, list[Incident]]  # account -> incidents on record, by report time
    flags: dict[int, list[BillingErrorFlag]]  # account -> open billing error flags
    requests: dict[int, list[CreditRequest]]  # account -> requests the repeat rule may cite
    month_totals: dict[int, Decimal]  # account -> credits granted this calendar month

    @classmethod
    def read(cls, requests: Sequence[CreditRequest], window_days: int, at: datetime) -> Record:
        accounts = {r.account_id for r in requests}
        if not requests:
            return cls({}, {}, {}, {})
        latest = max(r.created_at for r in requests)
        affected: dict[int, list[Incident]] = defaultdict(list)
        rows = (
            AffectedAccount.objects.filter(
                account_id__in=accounts,
                incident__status__in=Incident.REAL_STATUSES,
                incident__reported_at__lt=latest,
            )
            .select_related("incident")
            .order_by("incident__reported_at", "incident_id")
        )
        for row in rows:
            affected[row.account_id].append(row.incident)
        flags: dict[int, list[BillingErrorFlag]] = defaultdict(list)
        for flag in (
            BillingErrorFlag.objects.filter(account_id__in=accounts, cleared_at__isnull=True)
            .select_related("flagged_by")
            .order_by("flagged_at", "id")
        ):
            flags[flag.account_id].append(flag)
        earlier: dict[int, list[CreditRequest]] = defaultdict(list)
        for other in (
            CreditRequest.objects.filter(
                account_id__in=accounts,
                created_at__lt=latest,
                created_at__gte=min(r.created_at for r in requests) - timedelta(days=window_days),
            )
            .select_related("case")
            .order_by("created_at", "id")
        ):
            earlier[other.account_id].append(other)
        start, end = month_bounds(at)
        totals = dict.fromkeys(accounts, ZERO)
        granted = LedgerEntry.objects.filter(account_id__in=accounts, granted_at__gte=start, granted_at__lt=end)
        for account_id, amount in granted.values_list("account_id", "amount"):
            totals[account_id] += amount  # Decimals summed here, exactly, on every database
        return cls(affected, flags, earlier, totals)


def outage_matches(request: CreditRequest, record: Record) -> list[Incident]:
    """Incidents that make this request eligible: the account on record as affected,
    reported before the request, overlapping the claimed days, of the claimed service."""
    found = []
    for incident in record.affected.get(request.account_id, []):
        if incident.reported_at >= request.created_at:
            continue
        first_day = timezone.localdate(incident.started_at)
        last_day = timezone.localdate(incident.resolved_at or clock.now())
        if first_day > request.period_end or last_day < request.period_start:
            continue
        if request.service and not (
            holds([request.service], incident.service) or holds([incident.service], request.service)
        ):
            continue
        found.append(incident)
    return found


def earlier_requests(request: CreditRequest, window_days: int, record: Record) -> list[CreditRequest]:
    """Earlier requests of the account about the same issue: the same request type, the
    same case, or a case linked either way, within the window."""
    case = request.case
    since = request.created_at - timedelta(days=window_days)

    def same_issue(other: CreditRequest) -> bool:
        return (
            other.case.request_type_id == case.request_type_id
            or other.case_id == case.pk
            or other.case.linked_case_id == case.pk
            or (case.linked_case_id is not None and other.case_id == case.linked_case_id)
        )

    return [
        other
        for other in record.requests.get(request.account_id, [])
        if other.pk != request.pk and since <= other.created_at < request.created_at and same_issue(other)
    ]


def _cite_incident(i: Incident) -> Citation:
    span = f"from {_when(i.started_at)}" + (f" to {_when(i.resolved_at)}" if i.resolved_at else ", not yet fixed")
    label = f"Outage #{i.pk}: {i.service} in {i.area}, reported {_when(i.reported_at)}, {span}"
    return Citation("incident", label, label, incident_id=i.pk)


def _cite_flag(f: BillingErrorFlag) -> Citation:
    return Citation(
        "billing_error",
        f"Billing error flagged {_when(f.flagged_at)} by {f.flagged_by.display_name}: {f.description}",
        f"A billing error recorded on your account on {_when(f.flagged_at)}",
    )


def _cite_request(r: CreditRequest, currency: str) -> Citation:
    label = (
        f"Earlier request on {r.case.ref} of {_when(r.created_at)}: {money(r.amount, currency)}, "
        f"{r.get_status_display().lower()}"
    )
    return Citation("earlier_request", label, label, case_ref=r.case.ref)


def relied_on_citations(request: CreditRequest) -> list[Citation]:
    cites = []
    for entry in request.relies_on.all():  # prefetched in order by recommend_all
        what = f"{entry.get_kind_display()} of {_when(entry.created_at)} by {entry.who}"
        public = what if entry.visibility == entry.Visibility.PUBLIC else ""
        cites.append(Citation("entry", what, public, case_ref=request.case.ref, entry_id=entry.pk))
    return cites


# --- authority ------------------------------------------------------------------------


def month_bounds(moment: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(moment)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


def month_total(account_id: int, moment: datetime) -> Decimal:
    start, end = month_bounds(moment)
    amounts = LedgerEntry.objects.filter(account_id=account_id, granted_at__gte=start, granted_at__lt=end)
    return sum(amounts.values_list("amount", flat=True), ZERO)


@dataclass(frozen=True)
class Authority:
    role: str
    limit: Limit
    month_total: Decimal
    currency: str

    @property
    def available(self) -> Decimal | None:
        """The most this person may grant this account now on their own (None: no limit)."""
        figures = []
        if self.limit.per_request is not None:
            figures.append(self.limit.per_request)
        if self.limit.per_account_month is not None:
            figures.append(max(ZERO, self.limit.per_account_month - self.month_total))
        return min(figures) if figures else None

    def problem(self, amount: Decimal, who: str) -> str:
        """Why `amount` needs a supervisor ("" when it is within this authority)."""
        per_request, per_month = self.limit.per_request, self.limit.per_account_month
        if per_request is not None and amount > per_request:
            return (
                f"{money(amount, self.currency)} is above {who}'s limit of {money(per_request, self.currency)} "
                f"per request ({self.role})."
            )
        if per_month is not None and self.month_total + amount > per_month:
            return (
                f"With {money(amount, self.currency)} the account's credits this month would come to "
                f"{money(self.month_total + amount, self.currency)}, above the {self.role} limit of "
                f"{money(per_month, self.currency)} per account per month."
            )
        return ""


def authority_of(
    user: User, account_id: int, policy: Policy, at: datetime | None = None, *, total: Decimal | None = None
) -> Authority:
    if total is None:
        total = month_total(account_id, at or clock.now())
    return Authority(user.role, policy.limit_for(user.role), total, policy.currency)


# --- the recommendation ---------------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    outcome: str  # grant | decline | needs_approval
    amount: Decimal
    rule: Rule
    citations: tuple[Citation, ...]
    policy: Policy
    authority: Authority
    approval_reason: str

    @property
    def headline(self) -> str:
        currency = self.policy.currency
        if self.outcome == "decline":
            return "Decline"
        if self.outcome == "needs_approval":
            return f"Grant {money(self.amount, currency)} — needs a supervisor's approval"
        return f"Grant {money(self.amount, currency)}"


def _holds(condition: str, request: CreditRequest, policy: Policy, record: Record) -> list[Citation] | None:
    """The citations that make `condition` hold, or None when it does not."""
    if condition == "outage_match":
        incidents = outage_matches(request, record)
        return [_cite_incident(i) for i in incidents] or None
    if condition == "billing_error":
        return [_cite_flag(f) for f in record.flags.get(request.account_id, [])] or None
    if condition == "repeat_request":
        earlier = earlier_requests(request, policy.repeat_window_days, record)
        return [_cite_request(r, policy.currency) for r in earlier] or None
    if condition == "always":
        return []
    return None


def recommend(request: CreditRequest, *, for_user: User, policy: Policy | None = None) -> Recommendation:
    """What the written policy says about `request`, for `for_user` to decide."""
    return recommend_all([request], for_user=for_user, policy=policy)[0]


def recommend_all(
    requests: Sequence[CreditRequest], *, for_user: User, policy: Policy | None = None
) -> list[Recommendation]:
    """`recommend` for each of `requests`, reading the record once for all of them
    (pages list many; the queries do not grow with the rows)."""
    policy = policy or current_policy()
    now = clock.now()
    record = Record.read(requests, policy.repeat_window_days, now)
    entries = TimelineEntry.objects.select_related("author").order_by("created_at", "id")
    prefetch_related_objects(list(requests), Prefetch("relies_on", queryset=entries))
    return [_recommend(r, for_user, policy, record) for r in requests]


def _recommend(request: CreditRequest, for_user: User, policy: Policy, record: Record) -> Recommendation:
    authority = authority_of(for_user, request.account_id, policy, total=record.month_totals[request.account_id])
    asked = request.on_the_table
    rule, cites = policy.rules[-1], []
    for candidate in policy.rules:
        held = _holds(candidate.condition, request, policy, record)
        if held is not None:
            rule, cites = candidate, held
            break
    cites = [*cites, *relied_on_citations(request)]
    if rule.outcome == "decline":
        return Recommendation("decline", ZERO, rule, tuple(cites), policy, authority, "")
    amount = min(asked, rule.cap) if rule.cap is not None else asked
    if rule.outcome == "grant_within_authority":
        available = authority.available
        if available is not None and ZERO < available < amount:
            amount = available
    problem = authority.problem(amount, for_user.display_name)
    return Recommendation(
        "needs_approval" if problem else "grant", amount, rule, tuple(cites), policy, authority, problem
    )
