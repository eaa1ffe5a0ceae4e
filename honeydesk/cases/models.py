"""The case record.

A *case* is one customer problem, owned by one person until it is really solved. Its
*timeline* is the record of everything that happened: messages on every channel,
internal notes, call logs and every decision (owner changes, transfers, escalations,
status changes). Timeline entries are append-only — enforced by the model, the queryset
and database triggers — and a correction is a new entry that points at the one it
corrects, so the record a customer or a regulator reads later is the record as it was.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import Contact, CustomerAccount, Department
from honeydesk.lib import clock

REF_PREFIX = "HD-"


def ref_of(case_id: int) -> str:
    """A case's reference ("HD-000042") from its id, without reading the case."""
    return f"{REF_PREFIX}{case_id:06d}"


_REF_RE = re.compile(r"^\s*(?:HD-?)?0*(\d{1,12})\s*$", re.IGNORECASE)


def parse_ref(ref: str | int) -> int | None:
    """'HD-000123' (or 'hd123', '123') -> 123; anything else -> None."""
    if isinstance(ref, int):
        return ref if ref > 0 else None
    match = _REF_RE.match(ref or "")
    return int(match.group(1)) if match else None


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    PORTAL = "portal", "Portal"
    CHAT = "chat", "Chat"
    API = "api", "API"
    WORKSPACE = "workspace", "Workspace"
    SYSTEM = "system", "System"


class IntakeCategory(models.TextChoices):
    """What the intake classifier recognises in free text; each maps to a request type."""

    BILLING_EXPLANATION = "billing_explanation", "Billing explanation"
    PRICE_QUOTE = "price_quote", "Price quote"
    PLAN_CHANGE = "plan_change", "Plan change"
    REPAIR_OUTAGE = "repair_outage", "Repair or outage"
    CREDIT_REQUEST = "credit_request", "Credit request"
    ORDER_TRACKING = "order_tracking", "Order tracking"
    CANCELLATION = "cancellation", "Cancellation"
    ACCOUNT_ACCESS = "account_access", "Account access"
    COMPLAINT = "complaint_about_service_rep", "Complaint about a rep"
    GENERAL = "general_question", "General question"


class Tone(models.TextChoices):
    CALM = "calm", "Calm"
    FRUSTRATED = "frustrated", "Frustrated"
    ANGRY = "angry", "Angry"
    ABUSIVE = "abusive", "Abusive"


class RequestType(models.Model):
    """What the customer wants, with what they should have ready and the best channel."""

    class BestChannel(models.TextChoices):
        WRITE = "write", "Writing"
        CALL = "call", "Calling"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="request_types")
    # [{"key": "account_number", "label": "Account number", "pattern": "^[0-9-]{6,}$", "required": true}]
    needs = models.JSONField(default=list, blank=True)
    best_channel = models.CharField(max_length=5, choices=BestChannel.choices, default=BestChannel.WRITE)
    channel_reason = models.CharField(max_length=300, blank=True)
    intake_category = models.CharField(
        max_length=40,
        choices=IntakeCategory.choices,
        blank=True,
        help_text="Free text the classifier files under this category is offered this request type.",
    )
    # Service targets per priority, in business hours, are service levels
    # (honeydesk.policy.models.ServiceLevel); the due times they give live on each case.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Waiting on customer"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


WORKED_STATUSES = (Status.OPEN, Status.PENDING)
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING)


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}


class Case(models.Model):
    subject = models.CharField(max_length=200)
    request_type = models.ForeignKey(RequestType, on_delete=models.PROTECT, related_name="cases")
    goal = models.TextField(blank=True, help_text="The customer's stated goal: what outcome would resolve this.")
    facts = models.JSONField(default=dict, blank=True, help_text="Facts the request type asks for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    # account, department and owner have no index of their own: the composite indexes
    # below start with them and serve those lookups, and every index is paid for on each
    # write of a case (bench/run.py, API create).
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="cases", db_index=False)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases", db_index=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    # Denormalised for the queues: the open escalation and the latest hand-off.
    escalated = models.BooleanField(default=False)
    # 1 while the case is new, open or pending. Computed by the database from status, so
    # every writer (actions, bulk loads) keeps it right; the queue indexes start with it.
    # An integer, not a boolean: Django writes `active=True` as a bare truth test, which
    # SQLite cannot use as an index equality; `active = 1` it can.
    active = models.GeneratedField(
        expression=models.Case(
            models.When(status__in=ACTIVE_STATUSES, then=models.Value(1)),
            default=models.Value(0),
            output_field=models.SmallIntegerField(),
        ),
        output_field=models.SmallIntegerField(),
        db_persist=True,
    )
    # The tone of the customer's latest message: angry and frustrated customers surface early.
    attention = models.CharField(max_length=10, choices=Tone.choices, default=Tone.CALM)
    handoff_summary = models.TextField(blank=True)
    linked_case = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        help_text="The earlier case this one continues (a reply after the reopen window).",
    )
    # Set when this case was merged into another (honeydesk.cases.merging): it is closed,
    # its pages lead to that case, and its customers' messages land there.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # Service-level due times, written when a clock starts (opening, a customer's message
    # after an answer, a reopen) and moved on only when the clock resumes after waiting on
    # the customer; changing a target never rewrites them (honeydesk.policy.sla keeps them).
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_response_due_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    # Set while the case waits on the customer: the clocks are paused since then.
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    # The soonest target still to meet (None when none runs, or paused): "due soonest".
    sla_due_at = models.DateTimeField(null=True, blank=True)
    # When the service-level scan should next look at this case (a warning or a due time
    # comes up); None when nothing is running. Indexed: the scan reads only what is due.
    sla_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Bumped by every action; a client that sends the version it saw is told when
    # someone else changed the case in between (see actions._lock_case).
    version = models.PositiveIntegerField(default=1)
    # Staff's labels and the custom fields of the request type (honeydesk.cases.properties).
    tags: models.ManyToManyField[Tag, CaseTag] = models.ManyToManyField(
        "Tag", through="CaseTag", related_name="cases", blank=True
    )
    custom = models.JSONField(default=dict, blank=True, help_text="Custom field values by field key.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            # An open case that someone works always has exactly one owner.
            models.CheckConstraint(
                condition=~Q(status__in=["open", "pending"]) | Q(owner__isnull=False),
                name="case_worked_has_owner",
            ),
        ]
        # The queues read only active cases, newest activity first. Each queue is an
        # equality on the leading columns of one index, so the database reads the page in
        # order and stops: no sort, whatever the number of cases solved before. (A partial
        # index on the active statuses would not do: SQLite 3.40 does not match `status IN
        # (?, ?, ?)` with bound values against it. It does match an equality on one bound
        # value, `status = ?`, which is what case_q_triage below relies on; checked with
        # EXPLAIN QUERY PLAN.)
        indexes = [
            # The department rides along (PostgreSQL; SQLite ignores `include`) so that the "Mine"
            # count, which the access door limits to the agent's departments, is read from the
            # index alone: with the table's rows it could take 14-21 ms at 1,000,000 cases when
            # the planner misjudged how many cases one agent owns (0.5 ms from the index).
            models.Index(fields=["owner", "active", "-updated_at", "-id"], include=["department"], name="case_q_mine"),
            models.Index(fields=["department", "active", "-updated_at", "-id"], name="case_q_department"),
            models.Index(fields=["department", "status", "-updated_at", "-id"], name="case_q_dept_status"),
            models.Index(fields=["owner", "status", "-updated_at", "-id"], name="case_q_owner_status"),
            models.Index(fields=["active", "-updated_at", "-id"], name="case_q_active"),
            models.Index(fields=["escalated", "-updated_at", "-id"], name="case_q_escalated"),
            models.Index(fields=["status", "-updated_at"], name="case_status_queue"),
            models.Index(fields=["account", "-created_at"], name="case_account"),
            models.Index(fields=["updated_at", "id"], name="case_updated"),
            # The API's case list (newest first) for an agent's departments: without it the
            # database read and sorted all of a department's cases for each page (46 ms at
            # 1,000,000 cases on SQLite, growing with the desk).
            models.Index(fields=["department", "-id"], name="case_dept_newest"),
            # The "To triage" count: new unassigned cases of the general request types. Read
            # through the new-and-unassigned cases of the whole desk, it took 11 ms of the
            # agent queue page at 1,000,000 cases on PostgreSQL (11,351 rows read to count 614);
            # partial, so it holds only the cases waiting to be sorted.
            models.Index(
                fields=["department", "request_type"],
                condition=models.Q(status=Status.NEW, owner__isnull=True),
                name="case_q_triage",
            ),
            # "Due soonest" in my cases and in a department's queue.
            models.Index(fields=["owner", "active", "sla_due_at", "id"], name="case_q_due_mine"),
            models.Index(fields=["department", "active", "sla_due_at", "id"], name="case_q_due_dept"),
            models.Index(fields=["active", "sla_due_at", "id"], name="case_q_due_active"),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.subject}"

    @property
    def ref(self) -> str:
        return ref_of(self.pk)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def first_response_due(self) -> datetime | None:
        """Until the first answer: when it is due (None once answered, or without a target)."""
        return self.first_response_due_at if self.first_response_at is None else None

    @property
    def resolution_due(self) -> datetime | None:
        """While active: when it is due to be resolved (None without a target)."""
        return self.resolution_due_at if self.is_active else None


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove a timeline entry."""


class TimelineEntryQuerySet(models.QuerySet["TimelineEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Timeline entries are append-only; add a correction instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Timeline entries are append-only; they are never deleted.")

    def public(self) -> TimelineEntryQuerySet:
        return self.filter(visibility=TimelineEntry.Visibility.PUBLIC)


class TimelineEntry(models.Model):
    class Kind(models.TextChoices):
        INBOUND = "inbound", "Message from customer"
        OUTBOUND = "outbound", "Reply to customer"
        NOTE = "note", "Internal note"
        CALL = "call", "Call log"
        EVENT = "event", "Event"

    class Event(models.TextChoices):
        OPENED = "opened", "Opened"
        OWNER_CHANGED = "owner_changed", "Owner changed"
        TRANSFERRED = "transferred", "Transferred"
        ESCALATED = "escalated", "Escalated"
        ESCALATION_TAKEN = "escalation_taken", "Escalation taken"
        STATUS_CHANGED = "status_changed", "Status changed"
        RESOLVED = "resolved", "Resolved"
        REOPENED = "reopened", "Reopened"
        CLOSED = "closed", "Closed"
        CORRECTION = "correction", "Correction"
        MOVED = "moved", "Moved to another account"
        SLA_BREACHED = "sla_breached", "Service level missed"
        CALLBACK_PROMISED = "callback_promised", "Call-back promised"
        CALLBACK_KEPT = "callback_kept", "Call-back kept"
        CALLBACK_BROKEN = "callback_broken", "Call-back broken"
        SURVEY_ANSWERED = "survey_answered", "Survey answered"
        RECOVERY_CONTACT = "recovery_contact", "Recovery contact"
        PRIORITY_CHANGED = "priority_changed", "Priority changed"
        TAGS_CHANGED = "tags_changed", "Tags changed"
        FIELDS_CHANGED = "fields_changed", "Fields changed"
        MACRO_APPLIED = "macro_applied", "Macro applied"
        MERGED = "merged", "Merged into another case"
        MERGED_IN = "merged_in", "Another case merged in"
        SPLIT = "split", "Split into a new case"
        UNMERGED = "unmerged", "Merge undone"
        RULE_FIRED = "rule_fired", "Rule fired"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        INTERNAL = "internal", "Internal"

    # Indexed by entry_case_time (case first), not on its own.
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entries", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    event = models.CharField(max_length=20, choices=Event.choices, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_name = models.CharField(max_length=200, blank=True, help_text="Who, when not a user (an e-mail sender).")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    visibility = models.CharField(max_length=8, choices=Visibility.choices)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    created_at = models.DateTimeField()

    objects = TimelineEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="entry_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.kind}:{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Timeline entries are append-only; add a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Timeline entries are append-only; they are never deleted.")

    @property
    def is_internal(self) -> bool:
        return self.visibility == self.Visibility.INTERNAL

    @property
    def who(self) -> str:
        if self.author_id is not None and self.author is not None:
            return self.author.display_name
        return self.author_name or "honeydesk"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class Escalation(models.Model):
    """A request for a supervisor, with its reason, tracked until a supervisor takes it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations")
    reason = models.TextField()
    # None when honeydesk escalated by itself (repeated abuse from an account).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    taken_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(taken_at__isnull=True), name="one_open_escalation_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"Escalation of case {self.case_id}"


class Proposal(models.Model):
    """Something intake noticed in a customer's message or a call log that a rep should
    decide on: a request for a supervisor (a proposed escalation, confirmed in one click)
    or a threat to leave (a suggested transfer to Retention). Never acted on by itself."""

    class Kind(models.TextChoices):
        ESCALATE = "escalate", "Supervisor requested"
        RETENTION = "retention", "Threatens to leave"

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        DISMISSED = "dismissed", "Dismissed"
        SUPERSEDED = "superseded", "Done another way"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="proposals")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.TextField(help_text="What was found, quoted from the message.")
    entry = models.ForeignKey(TimelineEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(decided_at__isnull=True), name="one_open_proposal_per_kind"
            )
        ]
        indexes = [models.Index(fields=["kind", "decided_at"], name="proposal_open")]

    def __str__(self) -> str:
        return f"{self.kind} proposal on case {self.case_id}"


class Tag(models.Model):
    """A label staff put on cases ("refund", "vip"): lower case, no spaces (see
    honeydesk.cases.properties.tag_name). Admins rename and merge them."""

    name = models.CharField(max_length=50, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseTag(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_tags", db_index=False)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="case_tags")
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "tag"], name="case_tag_once")]
        # A tag's cases (filters) come from the tag's index; a case's tags from this one.
        indexes = [models.Index(fields=["tag", "case"], name="casetag_by_tag")]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.tag_id}"


class CaseField(models.Model):
    """A custom field of cases of some request types (all types when none is chosen),
    beyond what intake asks the customer for: staff fill it in on the case."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        CHOICE = "choice", "Choice"
        CHECKBOX = "checkbox", "Checkbox"

    # Letters, digits and single underscores: the key is a JSON key in filters
    # (custom__<key>), where "__" or a hyphen would be read as something else.
    key = models.CharField(
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$", "Lower-case letters, digits and single _.")],
        help_text="Used in the API, filters and CSV export, e.g. order_number.",
    )
    label = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    choices = models.JSONField(default=list, blank=True, help_text='For a choice: ["Option A", "Option B"].')
    request_types = models.ManyToManyField(
        RequestType, blank=True, related_name="case_fields", help_text="None chosen: cases of every request type."
    )
    required_at_resolution = models.BooleanField(
        default=False, help_text="A case cannot be resolved without it (a checkbox must be ticked)."
    )
    help_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        options = self.choices if isinstance(self.choices, list) else None
        if self.kind == self.Kind.CHOICE and not (
            options and all(isinstance(o, str) and o.strip() and len(o) <= 200 for o in options)
        ):
            raise ValidationError({"choices": 'A choice field needs a list of options, e.g. ["Meter", "Tariff"].'})
        if self.kind != self.Kind.CHOICE and self.choices:
            raise ValidationError({"choices": "Only a choice field has options."})
