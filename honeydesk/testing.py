"""The test cast: named people who exercise every permission.

alice and bob are customers of different accounts; billing_agent and repair_agent work
in two departments; sam is a supervisor; ada an admin. Each customer has a case in a
different department, each with an internal note that customers must never see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client

from honeydesk.accounts.actions import ContactData, do_add_contact, do_create_account
from honeydesk.accounts.models import ApiToken, Contact, CustomerAccount, Department, Role, User
from honeydesk.cases import actions
from honeydesk.cases.models import Case, RequestType
from honeydesk.policy.models import ServiceLevel


@dataclass
class Cast:
    billing: Department
    repair: Department
    sales: Department
    billing_type: RequestType
    repair_type: RequestType
    alice: User
    bob: User
    billing_agent: User
    repair_agent: User
    supervisor: User
    admin: User
    alice_account: CustomerAccount
    bob_account: CustomerAccount
    alice_contact: Contact
    bob_contact: Contact
    alice_case: Case
    bob_case: Case
    _tokens: dict[int, str] = field(default_factory=dict)

    @property
    def everyone(self) -> list[User]:
        return [self.alice, self.bob, self.billing_agent, self.repair_agent, self.supervisor, self.admin]

    def token(self, user: User) -> str:
        if user.pk not in self._tokens:
            self._tokens[user.pk] = ApiToken.issue(user, "test")[1]
        return self._tokens[user.pk]

    def api(self, user: User | None) -> ApiClient:
        return ApiClient(self.token(user) if user else None)

    def duplicate(self, body: str = "Billed twice again.") -> Case:
        """A second case Alice opens about the same double charge (for merge tests)."""
        return actions.do_open_case(
            actions.Opening(
                account=self.alice_account,
                contact=self.alice_contact,
                request_type=self.billing_type,
                subject="Double charge",
                body=body,
                channel="portal",
            ),
            acting_user=self.alice,
        )

    def client(self, user: User | None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    def fresh(self, case: Case) -> Case:
        return Case.objects.get(pk=case.pk)


class ApiClient:
    """JSON calls with a bearer token."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, data: Any = None, *, raw: str | None = None) -> Any:
        body = raw if raw is not None else __import__("json").dumps(data or {})
        return self.client.post(f"/api/v1{path}", body, content_type="application/json", headers=self.headers)


def make_staff(username: str, role: str, *departments: Department, first_name: str = "") -> User:
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        role=role,
        first_name=first_name or username.capitalize(),
        email=f"{username}@honeydesk.test",
    )
    user.departments.set(departments)
    return user


def make_cast() -> Cast:
    billing = Department.objects.create(name="Billing", slug="billing", email_from="billing@honeydesk.test")
    repair = Department.objects.create(name="Repair", slug="repair", email_from="repair@honeydesk.test")
    sales = Department.objects.create(name="Sales", slug="sales", email_from="sales@honeydesk.test")
    billing_type = RequestType.objects.create(
        name="Billing question",
        slug="billing",
        department=billing,
        best_channel="write",
        channel_reason="A bill is easiest to explain in writing, line by line.",
        needs=[{"key": "account_number", "label": "Account number", "pattern": r"^\d{6,10}$", "required": True}],
    )
    repair_type = RequestType.objects.create(
        name="Repair",
        slug="repair",
        department=repair,
        best_channel="call",
        channel_reason="Troubleshooting goes faster live.",
    )
    # Service levels in business hours (the built-in calendar: Monday-Friday 09:00-17:00).
    ServiceLevel.objects.create(request_type=billing_type, first_response_hours=8, resolution_hours=40)
    ServiceLevel.objects.create(
        request_type=repair_type, first_response_hours=4, next_response_hours=8, resolution_hours=24
    )
    alice = User.objects.create_user(
        username="alice", password="pw-alice", role=Role.CUSTOMER, first_name="Alice", email="alice@example.test"
    )
    bob = User.objects.create_user(
        username="bob", password="pw-bob", role=Role.CUSTOMER, first_name="Bob", email="bob@example.test"
    )
    alice_account = do_create_account(
        number="1000001", name="Alice Archer", service_area="North", acting_user=None, services=["Internet 500"]
    )
    bob_account = do_create_account(number="2000002", name="Bob Baker", service_area="South", acting_user=None)
    alice_contact = do_add_contact(
        alice_account, ContactData("Alice Archer", ["alice@example.test"], ["+1 415 555 0101"]), acting_user=None
    )
    bob_contact = do_add_contact(
        bob_account, ContactData("Bob Baker", ["bob@example.test"], ["+14155550202"]), acting_user=None
    )
    Contact.objects.filter(pk=alice_contact.pk).update(user=alice)
    Contact.objects.filter(pk=bob_contact.pk).update(user=bob)
    billing_agent = make_staff("bianca", Role.AGENT, billing, first_name="Bianca")
    repair_agent = make_staff("rafael", Role.AGENT, repair, first_name="Rafael")
    supervisor = make_staff("sam", Role.SUPERVISOR, billing, repair, first_name="Sam")
    admin = make_staff("ada", Role.ADMIN, first_name="Ada")
    alice_contact.refresh_from_db()
    bob_contact.refresh_from_db()
    alice_case = actions.do_open_case(
        actions.Opening(
            account=alice_account,
            contact=alice_contact,
            request_type=billing_type,
            subject="Charged twice in March",
            body="I was billed $89.99 twice.",
            channel="portal",
        ),
        acting_user=alice,
    )
    actions.do_add_note(alice_case, body="INTERNAL: likely duplicate payment run", acting_user=billing_agent)
    bob_case = actions.do_open_case(
        actions.Opening(
            account=bob_account,
            contact=bob_contact,
            request_type=repair_type,
            subject="Modem offline",
            body="No internet since Monday.",
            channel="portal",
        ),
        acting_user=bob,
    )
    actions.do_add_note(bob_case, body="INTERNAL: area node flapping", acting_user=repair_agent)
    return Cast(
        billing=billing,
        repair=repair,
        sales=sales,
        billing_type=billing_type,
        repair_type=repair_type,
        alice=alice,
        bob=bob,
        billing_agent=billing_agent,
        repair_agent=repair_agent,
        supervisor=supervisor,
        admin=admin,
        alice_account=alice_account,
        bob_account=bob_account,
        alice_contact=alice_contact,
        bob_contact=bob_contact,
        alice_case=Case.objects.get(pk=alice_case.pk),
        bob_case=Case.objects.get(pk=bob_case.pk),
    )


def without_csrf(html: bytes) -> bytes:
    """Pages embed a CSRF token masked afresh on every render; compare pages without it."""
    import re

    html = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", html)
    return re.sub(rb'"X-CSRFToken": "[^"]+"', b"", html)
