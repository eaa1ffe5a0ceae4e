"""Read helpers for queues, case pages and search, with their joins baked in so a page
costs the same number of queries at ten cases as at a million."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from honeydesk.accounts.models import User
from honeydesk.cases import access, search
from honeydesk.cases.models import (
    Attachment,
    Case,
    Escalation,
    IntakeCategory,
    Proposal,
    RequestType,
    Status,
    TimelineEntry,
    parse_ref,
)
from honeydesk.lib.cache import Recent

LIST_RELATED = ("account", "department", "owner", "request_type", "contact")


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    supervisors_only: bool = False


QUEUES = [
    Queue("mine", "My cases"),
    Queue("department", "My department"),
    Queue("unassigned", "Unassigned"),
    Queue("triage", "To triage"),
    Queue("waiting", "Waiting on customer"),
    Queue("escalated", "Escalated", supervisors_only=True),
]
QUEUE_KEYS = {q.key for q in QUEUES}

SORTS: dict[str, tuple[Any, ...]] = {
    "updated": ("-updated_at", "-id"),
    "due": (F("sla_due_at").asc(nulls_last=True), "id"),  # due soonest; nothing running last
    "waiting": ("waiting_since", "id"),  # longest waiting for a supervisor first (with_waiting_since)
    "oldest": ("created_at", "id"),  # opened longest ago
    "created": ("-created_at", "-id"),
    "priority": ("-priority_rank", "-updated_at"),
}
SORT_LABELS = {
    "updated": "Recently updated",
    "due": "Due soonest",
    "waiting": "Longest waiting",
    "oldest": "Oldest first",
    "created": "Newest first",
    "priority": "Highest priority",
}


def queue_cases(user: User, key: str) -> QuerySet[Case]:
    """The cases of one queue tab; each filter is an equality prefix of a queue index."""
    cases = access.cases_visible_to(user)
    if key == "mine":
        return cases.filter(owner=user, active=1)
    if key == "department":
        # Agents' cases are already limited to their departments by the access door.
        return cases.filter(active=1)
    if key == "unassigned":
        return cases.filter(status=Status.NEW, owner__isnull=True)
    if key == "triage":
        # New mail that no request type took lands on the general type (e-mail routing):
        # someone gives it the right type or department. The general types come from the
        # cached request types, not a join: joined, SQLite read every new unassigned case of
        # the department to test its type (11 ms of the agent queue's 35 at 1,000,000 cases).
        general = [rt.pk for rt in request_types.get().values() if rt.intake_category == IntakeCategory.GENERAL]
        if not general:
            return cases.none()
        return cases.filter(status=Status.NEW, owner__isnull=True, request_type__in=general)
    if key == "waiting":
        base = cases.filter(status=Status.PENDING)
        return base if user.sees_everything else base.filter(owner=user)
    if key == "escalated":
        # Escalations waiting, and the ones intake proposed for a rep to confirm. The few
        # proposed cases are read first and passed as a list: as a subquery, PostgreSQL
        # read every active case to test it (55 ms at 1,000,000 cases, growing with the
        # open work). `escalated__in=[True]`, not `escalated=True`: Django writes the latter
        # as the bare column, which SQLite cannot match to the queue's index, so the OR
        # became a scan of every case (509 ms at 1,000,000 cases).
        proposed = list(
            Proposal.objects.filter(kind=Proposal.Kind.ESCALATE, decided_at__isnull=True).values_list(
                "case_id", flat=True
            )
        )
        waiting = Q(escalated__in=[True])
        return cases.filter(waiting | Q(pk__in=proposed, active=1) if proposed else waiting)
    return cases.none()


def visible_queues(user: User) -> list[Queue]:
    return [q for q in QUEUES if not q.supervisors_only or user.sees_everything]


COUNT_CAP = 1000


def queue_counts(user: User) -> dict[str, int]:
    """Cases per tab, counted up to COUNT_CAP (shown as "999+"): nobody works a queue by
    its exact size past that, and a capped count costs the same at any scale."""
    return {q.key: queue_cases(user, q.key).order_by()[:COUNT_CAP].count() for q in visible_queues(user)}


def page_of(cases: QuerySet[Case], start: int, size: int) -> list[Case]:
    """One page of a queue in two steps: the ids from the queue's index alone, then those
    rows with their relations. Joining first lets the planner start from the joined
    tables and sort every matching case before it can stop at the page."""
    ids = list(cases.values_list("id", flat=True)[start : start + size])
    rows = Case.objects.select_related(*LIST_RELATED).in_bulk(ids)
    return [rows[i] for i in ids if i in rows]


def with_priority_rank(cases: QuerySet[Case]) -> QuerySet[Case]:
    from django.db.models import Case as When_
    from django.db.models import IntegerField, Value, When

    return cases.annotate(
        priority_rank=When_(
            When(priority="urgent", then=Value(3)),
            When(priority="high", then=Value(2)),
            When(priority="normal", then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def with_waiting_since(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`waiting_since`: when the case's open escalation was asked for (or the escalation
    intake proposed, or else the case opened), for the escalations queue's longest-waiting
    order."""
    asked = Escalation.objects.filter(case=OuterRef("pk"), taken_at__isnull=True).values("requested_at")[:1]
    proposed = (
        Proposal.objects.filter(case=OuterRef("pk"), kind=Proposal.Kind.ESCALATE, decided_at__isnull=True)
        .order_by("created_at")
        .values("created_at")[:1]
    )
    return cases.annotate(waiting_since=Coalesce(Subquery(asked), Subquery(proposed), F("created_at")))


def case_page_entries(user: User, case: Case) -> QuerySet[TimelineEntry]:
    return (
        access.entries_visible_to(user, case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def customer_panel(user: User, case: Case) -> dict[str, Any]:
    """Account, services, other cases and the last contacts on any channel."""
    # Only what the panel shows: a case row is wide (facts, service-level times, text
    # scores) and a timeline entry carries its whole body.
    other = (
        access.cases_visible_to(user)
        .filter(account_id=case.account_id)
        .exclude(pk=case.pk)
        .only("id", "subject", "status")
        .order_by("-updated_at")[:6]
    )
    # Only cases this person may open: an agent does not learn the references and
    # times of the account's cases in other departments (issue 19).
    visible = access.cases_visible_to(user).filter(account_id=case.account_id).values("id")
    last_contacts = (
        TimelineEntry.objects.filter(
            case__in=visible,
            kind__in=[TimelineEntry.Kind.INBOUND, TimelineEntry.Kind.CALL, TimelineEntry.Kind.OUTBOUND],
        )
        .only("id", "created_at", "channel", "kind", "case_id")
        .order_by("-created_at")[:5]
        if user.is_staff_member
        else TimelineEntry.objects.none()
    )
    return {"other_cases": list(other), "last_contacts": list(last_contacts)}


def open_escalation(case: Case) -> Escalation | None:
    if not case.escalated:
        return None
    return Escalation.objects.select_related("requested_by").filter(case=case, taken_at__isnull=True).first()


def search_cases(
    user: User,
    query: str,
    *,
    within: QuerySet[Case] | None = None,
    order: search.Order = search.Order.RELEVANCE,
    after: str | None = None,
    size: int = 50,
) -> search.Page:
    """A case by reference ("HD-000123"), or the cases whose words, customer name,
    account number, e-mail or phone match `query`, among those `user` may see (`within`:
    those narrowed further by filters, built on access.cases_visible_to). Customers'
    searches read only what they may read (never a word of an internal note)."""
    cases = access.cases_visible_to(user) if within is None else within
    q = query.strip()
    number = parse_ref(q) if q.upper().startswith("HD") else None
    if number is not None:
        found = cases.select_related(*search.LIST_RELATED).filter(pk=number).first()
        return search.Page([search.Hit(found, 1, [(found.subject, False)], [])] if found else [])
    if not user.is_staff_member:
        return search.search(cases, q, audience=search.Audience.CUSTOMER, order=order, after=after, size=size)
    departments = None if user.sees_everything else access.department_ids(user)
    return search.search(
        cases, q, audience=search.Audience.STAFF, order=order, after=after, size=size, departments=departments
    )


def _load_request_types() -> dict[str, RequestType]:
    return {rt.slug: rt for rt in RequestType.objects.select_related("department").order_by("id")}


# Every new case looks its request type up by slug (API, portal, phone queues, e-mail
# routing); dropped when this process saves a request type or department (cases/apps.py).
request_types = Recent(_load_request_types)


def request_type_by_slug(slug: str) -> RequestType | None:
    """The request type with its department (inactive ones too: opening a case on one
    is refused with a message that names it)."""
    return request_types.get().get(slug)


def active_request_types() -> list[RequestType]:
    """Active request types with their departments, oldest first."""
    return [rt for rt in request_types.get().values() if rt.active]
