"""Bulk data for `make bench`: departments, staff, request types and N cases with timelines.

Used by bench/run.py (which measures and reports). Kept separate so the generator, which
INSERTs through bulk_create for speed, can be read without the HTTP measurement around it.
Django must be configured (bench/run.py's configure_env + django.setup()) before generate().
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

DEPARTMENTS = [
    ("Billing", "billing"),
    ("Repair", "repair"),
    ("Sales", "sales"),
    ("Retention", "retention"),
]
# (name, slug, department slug, weight)
REQUEST_TYPES = [
    ("Bill question", "bench-bill-question", "billing", 18),
    ("Refund request", "bench-refund", "billing", 10),
    ("Payment arrangement", "bench-payment-plan", "billing", 6),
    ("Fault report", "bench-fault", "repair", 20),
    ("Engineer visit", "bench-engineer-visit", "repair", 8),
    ("Slow connection", "bench-slow", "repair", 10),
    ("New service", "bench-new-service", "sales", 8),
    ("Upgrade", "bench-upgrade", "sales", 6),
    ("Cancel service", "bench-cancel", "retention", 8),
    ("Complaint", "bench-complaint", "retention", 6),
]
# (username, role, department slugs)
STAFF = [
    ("bench-ana", "agent", ["billing"]),
    ("bench-ben", "agent", ["billing", "retention"]),
    ("bench-chloe", "agent", ["repair"]),
    ("bench-dev", "agent", ["repair"]),
    ("bench-eve", "agent", ["sales"]),
    ("bench-finn", "agent", ["retention", "sales"]),
    ("bench-gail", "supervisor", ["billing", "repair", "sales", "retention"]),
    ("bench-hugo", "admin", []),
]
QUEUE_AGENT = "bench-chloe"  # Repair: the busiest department
STATUS_WEIGHTS = {"new": 6, "open": 14, "pending": 8, "resolved": 42, "closed": 30}
PRIORITY_WEIGHTS = {"low": 20, "normal": 60, "high": 15, "urgent": 5}
SUBJECTS = [
    "Internet keeps dropping in the evening",
    "Charged twice this month",
    "Router lights flashing red",
    "Please cancel my contract",
    "Engineer did not turn up",
    "Refund for the outage last week",
    "Upgrade to faster broadband",
    "Bill is higher than agreed",
    "No dial tone on landline",
    "Moving house next month",
    "Wi-Fi does not reach upstairs",
    "Direct debit failed",
]
WORDS = [
    "the",
    "my",
    "a",
    "router",
    "bill",
    "line",
    "engineer",
    "payment",
    "refund",
    "connection",
    "slow",
    "since",
    "yesterday",
    "again",
    "please",
    "help",
    "account",
    "month",
    "charge",
    "fixed",
    "broken",
    "outage",
    "contract",
    "visit",
    "appointment",
    "speed",
    "modem",
    "cable",
]


def weighted(rng: random.Random, weights: dict[str, int], k: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


_SENTENCES: dict[int, list[str]] = {}


def sentence(rng: random.Random, n: int) -> str:
    """A nonsense sentence of n words, drawn from a small pool per length (generation speed)."""
    pool = _SENTENCES.get(n)
    if pool is None:
        pool = _SENTENCES[n] = [" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "." for _ in range(20)]
    return rng.choice(pool)


# --- data generation ---------------------------------------------------------------------


def generate(n_cases: int, seed: int, batch: int = 5000) -> dict[str, float]:
    """Fill the database with n_cases cases and their timelines. Returns timing figures."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, User
    from honeydesk.cases.models import Case, Escalation, RequestType, TimelineEntry

    rng = random.Random(seed)
    t0 = time.perf_counter()
    now = timezone.now()

    depts = {}
    for name, slug in DEPARTMENTS:
        depts[slug], _ = Department.objects.get_or_create(
            slug=slug, defaults={"name": name, "email_from": f"{slug}@honeydesk.example"}
        )
    rtypes = []
    for name, slug, dept, _w in REQUEST_TYPES:
        rt, _ = RequestType.objects.get_or_create(
            slug=slug, defaults={"name": f"{name} (bench)", "department": depts[dept]}
        )
        rtypes.append(rt)
    rtype_weights = [w for *_x, w in REQUEST_TYPES]

    password = make_password("bench-password")
    staff: dict[str, User] = {}
    for username, role, dept_slugs in STAFF:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "password": password,
                "first_name": username.split("-")[1].title(),
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
            },
        )
        user.departments.set([depts[d] for d in dept_slugs])
        staff[username] = user
    agents_by_dept: dict[int, list[User]] = {d.pk: [] for d in depts.values()}
    for username, role, dept_slugs in STAFF:
        if role == "agent":
            for d in dept_slugs:
                agents_by_dept[depts[d].pk].append(staff[username])
    supervisor = staff["bench-gail"]

    # Accounts and contacts: about one account per 8 cases.
    n_accounts = max(50, n_cases // 8)
    start = CustomerAccount.objects.count()
    areas = ["North", "South", "East", "West", "Central"]
    services = [["broadband"], ["broadband", "tv"], ["mobile"], ["broadband", "landline"], ["tv", "mobile"]]
    with transaction.atomic():
        CustomerAccount.objects.bulk_create(
            [
                CustomerAccount(
                    number=f"B{start + i:08d}",
                    name=f"Customer {start + i}",
                    service_area=rng.choice(areas),
                    services=rng.choice(services),
                )
                for i in range(n_accounts)
            ],
            batch_size=batch,
        )
    accounts = list(CustomerAccount.objects.filter(number__startswith="B").values_list("id", flat=True))
    with transaction.atomic():
        Contact.objects.bulk_create([Contact(account_id=a, name=f"Contact {a}") for a in accounts], batch_size=batch)
        contacts = dict(Contact.objects.filter(account_id__in=accounts).values_list("account_id", "id"))
        ContactPoint.objects.bulk_create(
            [ContactPoint(contact_id=c, kind="email", value=f"contact{c}@bench.example") for c in contacts.values()],
            batch_size=batch,
            ignore_conflicts=True,
        )
    t_people = time.perf_counter()

    n_entries = 0
    done = 0
    while done < n_cases:
        size = min(batch, n_cases - done)
        statuses = weighted(rng, STATUS_WEIGHTS, size)
        priorities = weighted(rng, PRIORITY_WEIGHTS, size)
        kinds = rng.choices(rtypes, weights=rtype_weights, k=size)
        cases = []
        for i in range(size):
            rt = kinds[i]
            status = statuses[i]
            created = now - timedelta(seconds=rng.randint(3600, 365 * 86400))
            account = rng.choice(accounts)
            agents = agents_by_dept[rt.department_id]
            owner = None if status == "new" and rng.random() < 0.8 else rng.choice(agents)
            span = timedelta(seconds=rng.randint(600, 14 * 86400))
            updated = min(created + span, now)
            case = Case(
                subject=rng.choice(SUBJECTS),
                request_type=rt,
                goal=sentence(rng, 8),
                status=status,
                priority=priorities[i],
                account_id=account,
                contact_id=contacts[account],
                department_id=rt.department_id,
                owner=owner,
                channel=rng.choice(["email", "phone", "portal"]),
                created_at=created,
                updated_at=updated,
                first_response_at=None if status == "new" else created + span / 4,
                resolved_at=updated if status in ("resolved", "closed") else None,
                closed_at=updated if status == "closed" else None,
                escalated=status in ("open", "pending") and rng.random() < 0.03,
            )
            cases.append(case)
        with transaction.atomic():
            Case.objects.bulk_create(cases)
            entries = []
            escalations = []
            for case in cases:
                entries.extend(_timeline(rng, case, agents_by_dept, TimelineEntry))
                if case.escalated:
                    escalations.append(
                        Escalation(
                            case=case,
                            reason="Customer asked for a supervisor.",
                            requested_by=case.owner or supervisor,
                            requested_at=case.updated_at,
                        )
                    )
            TimelineEntry.objects.bulk_create(entries, batch_size=batch)
            Escalation.objects.bulk_create(escalations)
        n_entries += len(entries)
        done += size
        print(f"  generated {done:>7,} cases, {n_entries:>8,} entries ({time.perf_counter() - t0:5.1f} s)", flush=True)
    t_cases = time.perf_counter()
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {
        "accounts": float(n_accounts),
        "entries": float(n_entries),
        "people_s": t_people - t0,
        "cases_s": t_cases - t_people,
        "total_s": time.perf_counter() - t0,
    }


def _timeline(rng: random.Random, case, agents_by_dept, TimelineEntry) -> list:
    """3-8 entries: opened, the customer's message, then replies/notes/events, in time order."""
    n = rng.randint(3, 8)
    agent = case.owner or rng.choice(agents_by_dept[case.department_id])
    t = case.created_at
    step = max((case.updated_at - case.created_at) / n, timedelta(seconds=1))
    out = [
        TimelineEntry(
            case=case, kind="event", event="opened", channel=case.channel, visibility="internal", body="", created_at=t
        ),
        TimelineEntry(
            case=case,
            kind="inbound",
            author_name=f"Contact {case.account_id}",
            channel=case.channel,
            visibility="public",
            body=sentence(rng, rng.randint(10, 60)),
            created_at=t,
        ),
    ]
    closing = {"resolved": ("resolved", "Resolved"), "closed": ("closed", "Closed")}.get(case.status)
    middle = n - len(out) - (1 if closing else 0)
    for _ in range(middle):
        t += step
        roll = rng.random()
        if roll < 0.45:
            out.append(
                TimelineEntry(
                    case=case,
                    kind="outbound",
                    author=agent,
                    channel="email",
                    visibility="public",
                    body=sentence(rng, rng.randint(15, 80)),
                    created_at=t,
                )
            )
        elif roll < 0.65:
            out.append(
                TimelineEntry(
                    case=case,
                    kind="inbound",
                    author_name=f"Contact {case.account_id}",
                    channel="email",
                    visibility="public",
                    body=sentence(rng, rng.randint(5, 40)),
                    created_at=t,
                )
            )
        elif roll < 0.85:
            out.append(
                TimelineEntry(
                    case=case,
                    kind="note",
                    author=agent,
                    channel="workspace",
                    visibility="internal",
                    body=sentence(rng, rng.randint(5, 30)),
                    created_at=t,
                )
            )
        elif roll < 0.93:
            out.append(
                TimelineEntry(
                    case=case,
                    kind="call",
                    author=agent,
                    channel="phone",
                    visibility="public",
                    body=sentence(rng, rng.randint(5, 30)),
                    data={"direction": "inbound", "duration_seconds": rng.randint(30, 900)},
                    created_at=t,
                )
            )
        else:
            out.append(
                TimelineEntry(
                    case=case,
                    kind="event",
                    event="owner_changed",
                    author=agent,
                    channel="workspace",
                    visibility="internal",
                    body="",
                    data={"to": agent.username},
                    created_at=t,
                )
            )
    if closing:
        out.append(
            TimelineEntry(
                case=case,
                kind="event",
                event=closing[0],
                author=agent,
                channel="workspace",
                visibility="public",
                body=f"{closing[1]}: {sentence(rng, 8)}",
                created_at=case.updated_at,
            )
        )
    return out
