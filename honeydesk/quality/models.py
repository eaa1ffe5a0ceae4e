"""The quality loop (issue 12): surveys and recovery of unhappy customers.

- `Survey`: one per resolution (the "resolved" timeline entry), asked by mail with a
  signed link and on the case in the portal; answered once (1-5, solved yes/no, a
  comment). A reopened case supersedes the unanswered survey; the next resolution asks
  again. `SurveyOptOut`: a contact who asked not to be surveyed.
- `Recovery`: an unhappy answer (rating below 4, or "not solved") waiting in the
  supervisors' queue until a supervisor records a contact (`RecoveryContact`: the call or
  reply on the case, and the outcome). "No answer - try again" keeps it open.
- `QualitySettings`: the numbers an admin tunes (one row).
- Monitoring (see `monitoring.py`): `Sample` (a rep's ISO week, drawn with a recorded
  seed from a recorded population) and its `SampleItem`s; `Criterion` rows admins edit;
  `ScorecardVersion`, the criteria as they were when a review was written; `Review` of
  one item and `ReviewEvent`, the record of what happened to it (submitted,
  acknowledged, disputed, and a dispute upheld or amended by a supervisor).
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from honeydesk.accounts.models import Contact, Department
from honeydesk.cases.models import Case, TimelineEntry

# An answer below this rating (or "not solved") opens a recovery.
SATISFIED = 4
RATINGS = range(1, 6)


class QualitySettings(models.Model):
    """One row, edited in the admin (the migration writes the defaults)."""

    survey_reminder_hours = models.PositiveIntegerField(
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="One reminder goes this many hours after the survey, if it is still unanswered.",
    )
    survey_days = models.PositiveIntegerField(
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="A survey (and its link) can be answered for this many days, while the case stays resolved.",
    )
    monitoring_sample_size = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many of each rep's replies and calls are drawn for review per ISO week.",
    )

    class Meta:
        verbose_name = "quality settings"
        verbose_name_plural = "quality settings"

    def __str__(self) -> str:
        return "Quality settings"


class SurveyOptOut(models.Model):
    class Via(models.TextChoices):
        LINK = "link", "Link in a survey mail"
        SURVEY = "survey", "On the survey page"
        PORTAL = "portal", "In the portal"

    contact = models.OneToOneField(Contact, on_delete=models.CASCADE, related_name="survey_opt_out")
    via = models.CharField(max_length=8, choices=Via.choices)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"contact {self.contact_id} opted out of surveys"


class Survey(models.Model):
    class Via(models.TextChoices):
        LINK = "link", "Link in the mail"
        PORTAL = "portal", "Portal"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="surveys", db_index=False)
    resolution = models.OneToOneField(
        TimelineEntry, on_delete=models.PROTECT, related_name="+", help_text="The resolution this survey asks about."
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who owned the case when it was resolved: satisfaction per rep.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    # In every signed link, so a link names this row and no other (see links.py).
    nonce = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the survey mail was queued.")
    # When the reminder is due; cleared once it is sent or no longer wanted, so the scan
    # reads only what is due (indexed).
    remind_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(
        null=True, blank=True, help_text="The case was reopened before an answer: the next resolution asks again."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    solved = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    answered_via = models.CharField(max_length=8, choices=Via.choices, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer_entry = models.ForeignKey(TimelineEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reopen_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, rating__isnull=True, solved__isnull=True)
                | Q(answered_at__isnull=False, rating__gte=1, rating__lte=5, solved__isnull=False),
                name="survey_answer_complete",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="survey_case"),
            models.Index(fields=["answered_at"], name="survey_answered"),
            models.Index(fields=["owner", "answered_at"], name="survey_owner_answered"),
        ]

    def __str__(self) -> str:
        return f"survey {self.pk} on case {self.case_id}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    @property
    def unhappy(self) -> bool:
        return self.answered and ((self.rating or 0) < SATISFIED or self.solved is False)


class RecoveryOutcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    CREDIT_OFFERED = "credit_offered", "Credit offered"
    NO_ANSWER = "no_answer", "No answer - try again"
    DECLINED = "declined", "Customer declined"


# Outcomes that close a recovery; "no answer" keeps it open for another try.
CLOSING_OUTCOMES = (RecoveryOutcome.RESOLVED, RecoveryOutcome.CREDIT_OFFERED, RecoveryOutcome.DECLINED)


class Recovery(models.Model):
    survey = models.OneToOneField(Survey, on_delete=models.PROTECT, related_name="recovery")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=200)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text="One business day of the department's calendar after it opened.")
    overdue_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was flagged overdue and supervisors were told."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=RecoveryOutcome.choices, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name_plural = "recoveries"
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="")
                | (Q(closed_at__isnull=False) & Q(outcome__in=[o.value for o in CLOSING_OUTCOMES])),
                name="recovery_closed_has_outcome",
            ),
        ]
        indexes = [models.Index(fields=["closed_at", "due_at"], name="recovery_queue")]

    def __str__(self) -> str:
        return f"recovery {self.pk} on case {self.case_id}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RecoveryContact(models.Model):
    """A supervisor contacted (or tried to contact) the customer: the call log or reply on
    the case, and what came of it."""

    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="contacts")
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=16, choices=RecoveryOutcome.choices)
    note = models.TextField(blank=True, help_text="Internal.")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.outcome} on recovery {self.recovery_id}"


class ReplyScore(models.Model):
    """The listening coach's verdict on a written reply staff actually sent (automatic,
    over every reply: `intelligence.analyze.analyze_draft`), kept so each rep's share of
    replies that acknowledge, own and give a timed next step is known."""

    entry = models.OneToOneField(TimelineEntry, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", db_index=False)
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    sent_at = models.DateTimeField()
    grade = models.CharField(max_length=16)
    acknowledges = models.BooleanField()
    owns = models.BooleanField()
    timed_next_step = models.BooleanField()
    greeting = models.BooleanField()
    # None: the reply refuses nothing, so the check does not apply.
    offers_alternatives = models.BooleanField(null=True)
    verdict = models.JSONField(default=dict)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["rep", "sent_at"], name="replyscore_rep_time")]

    def __str__(self) -> str:
        return f"score of reply {self.entry_id}"


# --- random monitoring ----------------------------------------------------------------

SCORES = range(1, 6)


class Criterion(models.Model):
    """One line of the scorecard, edited by admins. Reviews keep the version they were
    scored on (`ScorecardVersion`), so editing a criterion never changes an old review."""

    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    weight = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(10)])
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "criteria"

    def __str__(self) -> str:
        return self.name


class ScorecardVersion(models.Model):
    """The active criteria at one moment (id, name, description, weight), stored once per
    distinct content (`digest`)."""

    number = models.PositiveIntegerField(unique=True)
    digest = models.CharField(max_length=64, unique=True)
    criteria = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"scorecard v{self.number}"


class Sample(models.Model):
    """A rep's work of one ISO week drawn for review: `seed` and `population` (the ids of
    the replies and calls the rep wrote that week, sorted) are recorded, so
    `monitoring.pick(seed, population, size)` gives the same items to anyone."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    week_start = models.DateField(help_text="The Monday of the ISO week.")
    seed = models.CharField(max_length=64)
    population = models.JSONField(default=list)
    size = models.PositiveSmallIntegerField()
    drawn_at = models.DateTimeField()
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty: the weekly task.",
    )
    # Who reviews it: the rep's department's supervisors take its reps' samples in turn
    # (`monitoring.reviewers`), chosen when the sample is drawn. Empty: nobody in
    # particular (no supervisor to assign, or drawn before assignment existed).
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The supervisor assigned to review this sample.",
    )

    class Meta:
        ordering = ["-week_start", "rep_id"]
        constraints = [models.UniqueConstraint(fields=["rep", "week_start"], name="sample_rep_week")]
        indexes = [
            models.Index(fields=["week_start"], name="sample_week"),
            models.Index(fields=["reviewer", "week_start"], name="sample_reviewer_week"),
        ]

    def __str__(self) -> str:
        return f"sample of {self.rep_id} for week of {self.week_start}"

    @property
    def week(self) -> str:
        year, number, _ = self.week_start.isocalendar()
        return f"{year}-W{number:02d}"


class SampleItem(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="items")
    entry = models.ForeignKey(TimelineEntry, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sample_id", "position"]
        constraints = [models.UniqueConstraint(fields=["sample", "entry"], name="sampleitem_once")]

    def __str__(self) -> str:
        return f"item {self.position} of sample {self.sample_id}"


class ReviewState(models.TextChoices):
    OPEN = "open", "Waiting for the rep"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    DISPUTED = "disputed", "Disputed"
    # A supervisor settled the dispute: the scores stand, or were corrected.
    UPHELD = "upheld", "Upheld after dispute"
    AMENDED = "amended", "Amended after dispute"


class Review(models.Model):
    """A supervisor's scores for one sampled item. Internal to staff: never on the case's
    timeline, never shown to customers."""

    item = models.OneToOneField(SampleItem, on_delete=models.PROTECT, related_name="review")
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    week_start = models.DateField()
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scorecard = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    # {criterion id (as text): score 1-5}, over the criteria of `scorecard`.
    scores = models.JSONField()
    # Weighted, 0-100: every criterion at 5 is 100, every one at 1 is 0.
    total = models.PositiveSmallIntegerField(validators=[MaxValueValidator(100)])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=ReviewState.choices, default=ReviewState.OPEN)
    responded_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="The rep's comment, or the reason for a dispute.")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["rep", "-created_at"], name="review_rep_time"),
            models.Index(fields=["state", "-responded_at"], name="review_state"),
            models.Index(fields=["week_start", "rep"], name="review_week_rep"),
        ]

    def __str__(self) -> str:
        return f"review {self.pk} of {self.rep_id}"


class ReviewEvent(models.Model):
    """What happened to a review, on record: written, acknowledged, disputed, and a
    dispute settled (upheld, or amended: the text then starts with the old and new
    total)."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        DISPUTED = "disputed", "Disputed"
        UPHELD = "upheld", "Upheld"
        AMENDED = "amended", "Amended"

    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on review {self.review_id}"
