"""Credits: a written, versioned policy; requests negotiated as a thread; the ledger.

- `CreditPolicy` with its `PolicyRule`s and `AuthorityLimit`s is what admins edit. What
  is in force is its latest `PolicyVersion`, a frozen copy the admin records on every
  save. A `Decision` points at the version it used and copies the rule's words, so
  editing the policy never changes a decision already taken.
- `CreditRequest` is one request on one case: amount, period, reason, the entries it
  relies on. Its `CreditStep`s are the thread (request, offers, counters, answers,
  approvals), each with the public timeline entry the customer sees.
- An amount above the deciding person's authority becomes an `Approval` waiting in the
  supervisors' queue.
- `LedgerEntry`: every amount granted, per account, with case, decision, policy version
  and approver.
- `BillingErrorFlag`: a billing error staff found on an account; the policy reads it.

Amounts are `Decimal`s with two places, never floats.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import CustomerAccount
from honeydesk.cases.models import Case, TimelineEntry, ref_of
from honeydesk.credits.defaults import CONDITIONS, OUTCOMES

CENT = Decimal("0.01")


class LimitRole(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


class CreditPolicy(models.Model):
    name = models.CharField(max_length=120, default="Credit policy")
    currency = models.CharField(max_length=3, default="USD", help_text="ISO code; requests in another are refused.")
    repeat_window_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1)],
        help_text="A request about the same issue within this many days of an earlier one is a repeated request.",
    )
    max_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal("2000.00"),
        validators=[MinValueValidator(CENT)],
        help_text="The largest amount anyone may ask for; more is refused as a mistake.",
    )

    class Meta:
        verbose_name_plural = "credit policies"

    def __str__(self) -> str:
        return self.name


class PolicyRule(models.Model):
    """One rule of the written policy. The first rule (by position) whose condition holds
    decides the recommendation."""

    policy = models.ForeignKey(CreditPolicy, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(help_text="Rules are tried in this order, lowest first.")
    condition = models.CharField(max_length=20, choices=CONDITIONS)
    outcome = models.CharField(max_length=24, choices=OUTCOMES)
    cap = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Optional: never recommend more than this under this rule.",
    )
    plain_words = models.TextField(
        help_text="The rule as the customer reads it in the decision. May use {window_days}, {currency}, {max_amount}."
    )
    what_would_change = models.TextField(
        blank=True, help_text="For a decline: what would change the answer (required for declines)."
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}: {self.get_condition_display()} → {self.get_outcome_display()}"

    def clean(self) -> None:
        if self.outcome == "decline" and not self.what_would_change.strip():
            raise ValidationError({"what_would_change": "A decline must say what would change the answer."})


class AuthorityLimit(models.Model):
    """How much a role may grant without a supervisor: per request, and per account per
    calendar month (all grants to the account that month). Empty means no limit."""

    policy = models.ForeignKey(CreditPolicy, on_delete=models.CASCADE, related_name="limits")
    role = models.CharField(max_length=12, choices=LimitRole.choices)
    per_request = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    per_account_month = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["policy", "role"], name="authority_one_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} limit"


class PolicyVersion(models.Model):
    """A frozen copy of the policy as it was saved (`defaults.snapshot`)."""

    policy = models.ForeignKey(CreditPolicy, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique")]

    def __str__(self) -> str:
        return f"{self.policy} v{self.number}"


class BillingErrorFlag(models.Model):
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(help_text="Internal: what is wrong on the bill.")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    flagged_at = models.DateTimeField()
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-flagged_at", "-id"]
        indexes = [models.Index(fields=["account", "cleared_at"], name="billing_flag_account")]

    def __str__(self) -> str:
        return f"Billing error on account {self.account_id}"


class CreditRequest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Waiting for a decision"
        OFFERED = "offered", "Offer made, waiting for the customer"
        COUNTERED = "countered", "Counter-offer, waiting for a decision"
        APPROVAL = "approval", "Waiting for a supervisor's approval"
        GRANTED = "granted", "Granted"
        PARTLY_GRANTED = "partly_granted", "Partly granted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    ACTIVE = (Status.OPEN, Status.OFFERED, Status.COUNTERED, Status.APPROVAL)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="credit_requests")
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="+", db_index=False)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    reason = models.TextField()
    period_start = models.DateField()
    period_end = models.DateField()
    service = models.CharField(max_length=80, blank=True)
    relies_on = models.ManyToManyField(TimelineEntry, blank=True, related_name="+")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    offered_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    countered_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    granted_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["open", "offered", "countered", "approval"]),
                name="credit_one_active_per_case",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_amount_positive"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="credit_period_order"),
        ]
        indexes = [models.Index(fields=["account", "created_at"], name="credit_account_time")]

    def __str__(self) -> str:
        return f"Credit request #{self.pk} on case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def on_the_table(self) -> Decimal:
        """The amount a rep's "grant" gives: the customer's counter, else what they asked."""
        if self.status == self.Status.COUNTERED and self.countered_amount is not None:
            return self.countered_amount
        return self.amount


class Decision(models.Model):
    """A decision by a rep or supervisor, with the policy version and rule it was taken
    under (copied: later edits of the policy leave it as it was)."""

    class Recommendation(models.TextChoices):
        GRANT = "grant", "Grant"
        DECLINE = "decline", "Decline"
        NEEDS_APPROVAL = "needs_approval", "Needs approval"

    class Action(models.TextChoices):
        GRANT = "grant", "Grant"
        OFFER = "offer", "Offer"
        DECLINE = "decline", "Decline"

    request = models.ForeignKey(CreditRequest, on_delete=models.PROTECT, related_name="decisions")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="decisions")
    rule_position = models.PositiveSmallIntegerField()
    rule_condition = models.CharField(max_length=20)
    rule_text = models.TextField()
    what_would_change = models.TextField(blank=True)
    recommendation = models.CharField(max_length=16, choices=Recommendation.choices)
    recommended_amount = models.DecimalField(max_digits=12, decimal_places=2)
    citations = models.JSONField(default=list, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    departed = models.BooleanField(default=False)
    departure_reason = models.TextField(blank=True, help_text="Internal: why the decision departs from the policy.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return f"Decision #{self.pk} on credit request {self.request_id}"


class Approval(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved"
        CHANGED = "changed", "Approved with another amount"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn by the customer"

    request = models.ForeignKey(CreditRequest, on_delete=models.PROTECT, related_name="approvals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Decision.Action.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.TextField(help_text="Internal: why it needs approval.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True, help_text="Internal: the supervisor's note.")

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=Q(status="pending"), name="approval_one_pending_per_request"
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="approval_queue")]

    def __str__(self) -> str:
        return f"Approval #{self.pk} for credit request {self.request_id}"


class CreditStep(models.Model):
    """One turn of the thread, with the public timeline entry that records it."""

    class Kind(models.TextChoices):
        REQUESTED = "requested", "Requested"
        OFFERED = "offered", "Offer"
        COUNTERED = "countered", "Counter-offer"
        ACCEPTED = "accepted", "Offer accepted"
        REFUSED = "refused", "Offer declined"
        APPROVAL = "approval", "Sent for approval"
        GRANTED = "granted", "Granted"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    request = models.ForeignKey(CreditRequest, on_delete=models.PROTECT, related_name="steps")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by_customer = models.BooleanField(default=False)
    amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True, help_text="What the customer reads with this step.")
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on credit request {self.request_id}"


class LedgerEntry(models.Model):
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="+", db_index=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    request = models.OneToOneField(CreditRequest, on_delete=models.PROTECT, related_name="ledger_entry")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose authority covered the amount: the rep, or the supervisor who approved it.",
    )
    granted_at = models.DateTimeField()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name_plural = "ledger entries"
        indexes = [models.Index(fields=["account", "granted_at"], name="ledger_account_time")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to account {self.account_id}"

    @property
    def case_ref(self) -> str:
        """The case's reference without reading the case."""
        return ref_of(self.case_id)
