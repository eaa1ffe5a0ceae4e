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
    def primary_email(self) -> str:
        for point in self.points.all():
            if point.kind == ContactPoint.Kind.EMAIL:
                return point.value
        return ""


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
