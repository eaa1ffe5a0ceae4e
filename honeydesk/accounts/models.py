"""People: staff with a role and departments, customer accounts and their contacts.

A *customer account* is the billing relationship (account number, service area,
services held). A *contact* is a person on an account; a customer who signs in to the
portal is a `User` with role CUSTOMER linked from one or more contacts.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from honeydesk.lib import clock
from honeydesk.lib.cache import Recent


class Role(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    ADMIN = "admin", "Admin"


class Department(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    email_from = models.EmailField(blank=True, help_text="From address for replies sent by this department.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HoneydeskUserManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        # `honeydesk createsuperuser` makes an honeydesk admin, not a customer with admin-site rights.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.CUSTOMER)
    departments = models.ManyToManyField(Department, blank=True, related_name="staff")

    objects: ClassVar[HoneydeskUserManager] = HoneydeskUserManager()

    @property
    def is_staff_member(self) -> bool:
        return self.role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.SUPERVISOR, Role.ADMIN)

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class CustomerAccount(models.Model):
    number = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    service_area = models.CharField(max_length=80, blank=True)
    services = models.JSONField(default=list, blank=True, help_text="Service names the account holds.")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class Contact(models.Model):
    account = models.ForeignKey(CustomerAccount, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts",
        help_text="The portal login of this person, if they have one.",
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def emails(self) -> list[str]:
        """Their e-mail addresses, first on file first (reads `points`: prefetch it for lists)."""
        return [point.value for point in self.points.all() if point.kind == ContactPoint.Kind.EMAIL]

    @property
    def primary_email(self) -> str:
        return next(iter(self.emails), "")


class ContactPoint(models.Model):
    """An e-mail address or phone number of a contact, stored normalised for look-up
    (e-mail lower-cased, phone in E.164)."""

    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        PHONE = "phone", "Phone"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="points")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.CharField(max_length=254)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="contactpoint_unique_value")]
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.value


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, blank=True)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple[ApiToken, str]:
        raw = "hd_" + secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=raw[:8], digest=cls.hash(raw))
        return token, raw


class SignInLink(models.Model):
    """A request for a portal sign-in link, and the link it sent (issue 19).

    Every request is a row, the ones for unknown addresses too (user None, no token), so
    requests can be counted per address and per network (`honeydesk.accounts.signin`).
    Only the token's SHA-256 is kept. A link is used by one UPDATE that sets `used_at`
    only where it is still empty: of two requests that race, exactly one changes the
    row, whatever the database.
    """

    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "created_at"], name="signinlink_user_recent"),
            models.Index(fields=["ip", "created_at"], name="signinlink_ip_recent"),
            models.Index(fields=["created_at"], name="signinlink_created"),
        ]

    def __str__(self) -> str:
        return f"sign-in link {self.pk} for {self.user_id or 'nobody'}"


class SecondFactorRule(models.TextChoices):
    NOBODY = "nobody", "Nobody (staff may turn it on for themselves)"
    ADMINS = "admins", "Admins"
    STAFF = "staff", "All staff (agents, supervisors, admins)"


class SecurityPolicy(models.Model):
    """Security rules that admins change at run time (one row). Deployment facts such
    as session lifetimes are settings; who must use a second factor is a decision an
    admin takes and can take back, and each change is in the audit log."""

    second_factor_required_for = models.CharField(
        max_length=8,
        choices=SecondFactorRule.choices,
        default=SecondFactorRule.NOBODY,
        help_text="Who must sign in with an authenticator app (TOTP) as well as a password.",
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name_plural = "security policy"

    def __str__(self) -> str:
        return "Security policy"

    @classmethod
    def current(cls) -> SecurityPolicy:
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy

    def requires_second_factor(self, user: User) -> bool:
        if not user.is_staff_member:
            return False
        if self.second_factor_required_for == SecondFactorRule.STAFF:
            return True
        return self.second_factor_required_for == SecondFactorRule.ADMINS and user.role == Role.ADMIN


# Read on every staff request (second-factor gate): kept for a few seconds per process,
# dropped at once when this process saves the row (accounts/apps.py).
current_policy: Recent[SecurityPolicy] = Recent(SecurityPolicy.current, seconds=5)


class AuditAppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditAppendOnlyError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditAppendOnlyError("The audit log is append-only.")


class AuditEvent(models.Model):
    """What staff (and sign-in attempts) did that is not on a case timeline: sign-ins,
    failed sign-ins, role changes, tokens, exports, policy edits. Append-only like the
    timeline (model, queryset and database triggers); written by
    `honeydesk.accounts.audit.record`, read by admins."""

    class Action(models.TextChoices):
        SIGNED_IN = "signed_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
        SIGNED_OUT = "signed_out", "Signed out"
        LINK_SENT = "link_sent", "Portal sign-in link sent"
        LINK_REFUSED = "link_refused", "Portal sign-in link refused (throttled)"
        SECOND_FACTOR_ADDED = "2fa_added", "Second factor added"
        SECOND_FACTOR_FAILED = "2fa_failed", "Second factor code refused"
        SECOND_FACTOR_REMOVED = "2fa_removed", "Second factor removed"
        ROLE_CHANGED = "role_changed", "Role changed"
        TOKEN_CREATED = "token_created", "API token created"
        TOKEN_REVOKED = "token_revoked", "API token revoked"
        EXPORTED = "exported", "Data exported"
        ADMIN_CHANGE = "admin_change", "Changed in the admin site"
        MAIL_RELEASED = "mail_released", "Held e-mail released to its case"
        MAIL_REJECTED = "mail_rejected", "Held e-mail rejected"

    action = models.CharField(max_length=20, choices=Action.choices)
    at = models.DateTimeField(default=clock.now)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True, help_text="Who, as typed or known at the time.")
    target = models.CharField(max_length=300, blank=True, help_text="What it was about, in words.")
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["-at", "-id"], name="audit_recent"),
            models.Index(fields=["action", "-at"], name="audit_action_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.actor_name or '-'} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditAppendOnlyError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditAppendOnlyError("The audit log is append-only.")
