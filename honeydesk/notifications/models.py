"""In-app notifications for staff, and which of them each person also wants by mail.

A `Notification` is one thing one person should know, about one case (or a call-back
without a case). `key` names what it is about (an entry, a call-back's reminder, a
service-level warning for one due time); (user, key) is unique, so whatever runs twice
— a job, a periodic scan on two workers — tells nobody twice. `emailed_at` is set when
the mail is claimed for sending, so the mail job is sent at most once as well.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    ASSIGNED = "assigned", "A case is assigned or transferred to me"
    CUSTOMER_REPLIED = "customer_replied", "A customer replied on my case"
    ESCALATION = "escalation", "An escalation is waiting (supervisors)"
    CALLBACK_DUE = "callback_due", "A call-back is due soon"
    CALLBACK_OVERDUE = "callback_overdue", "A call-back is overdue"
    SLA_WARNING = "sla_warning", "A service level is about to be missed"
    SLA_BREACH = "sla_breach", "A service level was missed"
    RECOVERY_OVERDUE = "recovery_overdue", "An unhappy customer's recovery is overdue (supervisors)"
    WEBHOOK_DISABLED = "webhook_disabled", "A webhook was disabled after repeated failures (admins)"
    RULE = "rule", "A rule asks me to look at a case"
    INCIDENT_PROPOSED = "incident_proposed", "Customer reports suggest an outage (supervisors)"


# Mail unless the person turned it off; the chatty kinds stay in the app unless asked for.
EMAIL_BY_DEFAULT = {
    Kind.ASSIGNED: True,
    Kind.CUSTOMER_REPLIED: False,
    Kind.ESCALATION: True,
    Kind.CALLBACK_DUE: False,
    Kind.CALLBACK_OVERDUE: True,
    Kind.SLA_WARNING: True,
    Kind.SLA_BREACH: True,
    Kind.RECOVERY_OVERDUE: True,
    Kind.WEBHOOK_DISABLED: True,
    Kind.RULE: True,
    Kind.INCIDENT_PROPOSED: True,
}


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="What it is about; once per person.")
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_wanted = models.BooleanField(default=False)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_person")]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}: {self.title}"


class Preference(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    email = models.BooleanField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {'mail' if self.email else 'app only'}"
