"""Rules that route and act (issue 17 part 4), and who is there to take the work.

A `Rule` is one line of an ordered list that admins edit: *when* something happens to a
case (`trigger`), *if* the case fits (the conditions; an empty condition matches any
case), *then* what honeydesk does (the actions, each through the case layer's `do_*`
actions under the rule's name). `honeydesk.rules.engine` runs them; every firing is a
`Firing` row (once per rule, case and occasion) and an internal entry on the timeline.

Reps say whether they take new work (`Availability`), may be given skills per request
type (`Skill`), and each department's round-robin position is one row (`RoundRobin`),
locked while the next rep is chosen, so several workers or servers share one turn order.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from honeydesk.accounts.models import Department
from honeydesk.cases.models import Channel, Priority, RequestType, Tone
from honeydesk.lib import clock
from honeydesk.macros.models import Macro


class Trigger(models.TextChoices):
    OPENED = "opened", "A case is opened"
    CUSTOMER_REPLIED = "customer_replied", "The customer writes again"
    UNTOUCHED = "untouched", "A case is untouched for N business hours"
    TAG_ADDED = "tag_added", "A tag is added"


class Assign(models.TextChoices):
    NONE = "", "Leave the owner as is"
    ROUND_ROBIN = "round_robin", "Round-robin among the department's available reps"
    LEAST_LOADED = "least_loaded", "The department's available rep with the fewest active cases"


class Notify(models.TextChoices):
    NONE = "", "Nobody"
    OWNER = "owner", "The case's owner"
    SUPERVISORS = "supervisors", "The department's supervisors"
    DEPARTMENT = "department", "Everyone in the department"


class BusinessHours(models.TextChoices):
    ANY = "", "Any time"
    OPEN = "open", "Within the department's business hours"
    CLOSED = "closed", "Outside the department's business hours"


class Rule(models.Model):
    name = models.CharField(max_length=100, unique=True, help_text="Shown on the timeline of every case it acts on.")
    position = models.PositiveIntegerField(
        default=100, help_text="Rules run in this order, lowest first (then by id); every match fires."
    )
    active = models.BooleanField(default=True)

    # When.
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.OPENED)
    untouched_hours = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="For 'untouched': business hours without any change to the case."
    )
    trigger_tag = models.CharField(max_length=50, blank=True, help_text="For 'a tag is added': which tag.")

    # If (all that are set must hold).
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    request_type = models.ForeignKey(RequestType, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    tone_at_least = models.CharField(
        max_length=10,
        choices=Tone.choices,
        blank=True,
        help_text="The tone of the customer's message is this or worse (calm < frustrated < angry < abusive).",
    )
    words = models.CharField(
        max_length=500,
        blank=True,
        help_text="Any of these words or phrases (comma-separated) in the subject or the customer's message.",
    )
    account_service_area = models.CharField(max_length=80, blank=True, help_text="The account's service area is this.")
    account_service = models.CharField(max_length=100, blank=True, help_text="The account holds this service.")
    business_hours = models.CharField(max_length=6, choices=BusinessHours.choices, blank=True)

    # Then (in this order).
    transfer_to = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.CASCADE, related_name="+", help_text="Move the case here."
    )
    assign = models.CharField(max_length=12, choices=Assign.choices, blank=True)
    use_skills = models.BooleanField(
        default=False, help_text="Assign only to reps with a skill for the case's request type."
    )
    set_priority = models.CharField(max_length=8, choices=Priority.choices, blank=True)
    add_tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated.")
    apply_macro = models.ForeignKey(
        Macro,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Its priority, tags and transfer are applied; its reply, note, owner and status are a rep's to use.",
    )
    notify = models.CharField(max_length=12, choices=Notify.choices, blank=True)
    escalate = models.BooleanField(default=False, help_text="Ask a supervisor to review the case.")
    escalate_reason = models.CharField(max_length=300, blank=True)

    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["active", "trigger", "position", "id"], name="rule_run_order")]

    def __str__(self) -> str:
        return self.name

    @property
    def author_name(self) -> str:
        """Who the timeline says made the change."""
        return f"Rule: {self.name}"[:200]

    def clean(self) -> None:
        problems: dict[str, str] = {}
        if self.trigger == Trigger.UNTOUCHED and not self.untouched_hours:
            problems["untouched_hours"] = "Say after how many business hours without a change the rule fires."
        if self.trigger == Trigger.TAG_ADDED and not self.trigger_tag.strip():
            problems["trigger_tag"] = "Say which tag fires the rule."
        if self.trigger == Trigger.TAG_ADDED and self.trigger_tag.strip().lower() in self.tags_to_add():
            problems["add_tags"] = "A rule fired by a tag cannot add that tag."
        if self.use_skills and not self.assign:
            problems["use_skills"] = "Skills choose whom to assign: choose how to assign as well."
        actions = [self.transfer_to_id, self.assign, self.set_priority, self.add_tags.strip(), self.apply_macro_id]
        if not any([*actions, self.notify, self.escalate]):
            problems["assign"] = "A rule needs at least one action."
        if problems:
            raise ValidationError(problems)

    def word_list(self) -> list[str]:
        return [w.strip().lower() for w in self.words.split(",") if w.strip()]

    def tags_to_add(self) -> list[str]:
        return ["-".join(t.strip().lower().split()) for t in self.add_tags.split(",") if t.strip()]


class Firing(models.Model):
    """A rule acted on a case, once per occasion (`key`: the message, the tag change, the
    quiet spell): a job that runs twice, or two workers, cannot fire a rule twice."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    fired_at = models.DateTimeField()
    done = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "case", "key"], name="firing_once")]
        indexes = [models.Index(fields=["rule", "-fired_at"], name="firing_rule_time")]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.case_id}:{self.key}"


class Availability(models.Model):
    """Whether a rep takes new work from the rules; a rep without a row is available."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True)
    away = models.BooleanField(default=False)
    changed_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "availability"

    def __str__(self) -> str:
        return f"{self.user_id}: {'away' if self.away else 'available'}"


class Skill(models.Model):
    """A rep handles this request type (rules with 'use skills' assign only to them)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    request_type = models.ForeignKey(RequestType, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "request_type"], name="skill_once")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.request_type_id}"


class RoundRobin(models.Model):
    """Whose turn it is in a department: the rep given the last case (locked while the
    next is chosen)."""

    department = models.OneToOneField(Department, on_delete=models.CASCADE, primary_key=True)
    last_user_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.department_id}: after {self.last_user_id}"
