# ruff: noqa: RUF001, RUF003 - the look-alike word is written with Cyrillic letters on purpose
"""Bulk data for `make bench`: a desk that looks like a real one, at 100,000 to 1,000,000
cases, loaded in minutes.

What it makes, from one seed (the same data every time):

* 8 departments of very different sizes (Repair 30 % of the cases ... Accessibility 2 %),
  14 request types, 26 staff (agents of one or two departments, supervisors, an admin);
* one account per 4 cases, skewed: 5 % of the accounts ("frequent" customers) hold 30 %
  of the cases, so many customers have several cases and some have dozens; each account
  has one or two contacts with an e-mail address and a phone number;
* 2-14 timeline entries per case (about 5 on average): the opening event, the customer's
  message, replies, notes (internal), calls, owner changes, the resolution; texts short
  (a line) to long (a few thousand characters), from a help desk's vocabulary;
* planted words with known counts, so that search results can be checked for
  completeness (``manifest``: per department, and for public text only):
  a rare word in subjects, a common word in a fifth of the first messages, a word only in
  later replies or notes, a surname, one account number, a word written with Cyrillic
  look-alike letters, and a word that is nowhere.

Rows are written with COPY on PostgreSQL and executemany on SQLite, with explicit ids, and
without the search index's triggers: its documents are rebuilt once at the end
(``search_index.bulk_load``). Timeline entries are only ever inserted.
Django must be configured (bench/run.py) before generate().
"""

from __future__ import annotations

import json
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

# (name, slug, share of the cases in %)
DEPARTMENTS = [
    ("Repair", "repair", 30),
    ("Billing", "billing", 24),
    ("Sales", "sales", 14),
    ("Retention", "retention", 10),
    ("Moves", "moves", 9),
    ("Business", "business", 7),
    ("Complaints", "complaints", 4),
    ("Accessibility", "accessibility", 2),
]
GENERAL_TYPE = "bench-general"
# (name, slug, department slug, weight within the department)
REQUEST_TYPES = [
    ("Fault report", "bench-fault", "repair", 5),
    ("Engineer visit", "bench-engineer-visit", "repair", 2),
    ("Slow connection", "bench-slow", "repair", 3),
    ("Bill question", "bench-bill-question", "billing", 5),
    ("Refund request", "bench-refund", "billing", 3),
    ("Payment arrangement", "bench-payment-plan", "billing", 2),
    ("New service", "bench-new-service", "sales", 3),
    ("Upgrade", "bench-upgrade", "sales", 2),
    ("Cancel service", "bench-cancel", "retention", 1),
    ("Moving house", "bench-move", "moves", 1),
    ("Business line", "bench-business", "business", 1),
    ("Complaint", "bench-complaint", "complaints", 1),
    ("Accessible formats", "bench-accessible", "accessibility", 2),
    ("Priority repair register", "bench-priority-register", "accessibility", 1),
    # Mail no request type took lands on a general type until someone sorts it: the
    # agents' "To triage" tab counts these (a desk without one never reads them).
    ("General enquiry", GENERAL_TYPE, "repair", 1),
]
# (username, role, department slugs)
STAFF = [
    *[(f"bench-repair-{i}", "agent", ["repair"]) for i in range(5)],
    *[(f"bench-billing-{i}", "agent", ["billing"]) for i in range(4)],
    *[(f"bench-sales-{i}", "agent", ["sales"]) for i in range(3)],
    ("bench-retention-0", "agent", ["retention"]),
    ("bench-retention-1", "agent", ["retention", "sales"]),
    ("bench-moves-0", "agent", ["moves"]),
    ("bench-moves-1", "agent", ["moves", "billing"]),
    ("bench-business-0", "agent", ["business"]),
    ("bench-business-1", "agent", ["business", "sales"]),
    ("bench-complaints-0", "agent", ["complaints"]),
    ("bench-access-0", "agent", ["accessibility"]),
    ("bench-access-1", "agent", ["accessibility"]),
    ("bench-gail", "supervisor", [slug for _n, slug, _w in DEPARTMENTS]),
    ("bench-hank", "supervisor", ["repair", "billing"]),
    ("bench-hugo", "admin", []),
]
QUEUE_AGENT = "bench-repair-0"  # Repair: the busiest department
SMALL_AGENT = "bench-access-0"  # Accessibility: the smallest (2 % of the cases)
SUPERVISOR = "bench-gail"
# Before the age rule in generate(): only cases of the last six weeks stay open.
STATUS_WEIGHTS = {"new": 6, "open": 14, "pending": 8, "resolved": 42, "closed": 30}
PRIORITY_WEIGHTS = {"low": 20, "normal": 60, "high": 15, "urgent": 5}

# Planted words: the searches bench/run.py measures, and how each is planted.
PLANTED = {
    "rare": "zebraprinter",  # in the subject of 1 case in 5,000
    "common": "ledgersync",  # in the customer's first message of 1 case in 5
    "timeline": "quokkafirmware",  # only in a later reply (public) or note (internal), 1 case in 2,000
    "name": "featherstonehaugh",  # the surname of the customer on 1 account in 3,000
    "lookalike": "aggravated",  # written "аggrаvаtеd" (Cyrillic а, е) in 1 first message in 10,000
    "nowhere": "xylophonequartz",
}
LOOKALIKE = "аggrаvаtеd"

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
    "Large print bills please",
    "TV box keeps restarting",
    "Static IP for the shop",
    "Complaint about last call",
    "Late payment fee",
    "Parental controls",
    "Mobile data not working abroad",
    "Need a copy of my contract",
]
WORDS = [
    "the",
    "my",
    "a",
    "to",
    "and",
    "it",
    "is",
    "on",
    "in",
    "for",
    "of",
    "was",
    "i",
    "we",
    "you",
    "this",
    "that",
    "with",
    "have",
    "not",
    "but",
    "be",
    "again",
    "please",
    "help",
    "since",
    "yesterday",
    "today",
    "week",
    "month",
    "router",
    "bill",
    "line",
    "engineer",
    "payment",
    "refund",
    "connection",
    "slow",
    "account",
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
    "signal",
    "box",
    "remote",
    "credit",
    "plan",
    "upgrade",
    "cancel",
    "porting",
    "number",
    "invoice",
    "fee",
    "direct",
    "debit",
    "card",
    "bank",
    "statement",
    "price",
    "offer",
    "discount",
    "phone",
    "landline",
    "mobile",
    "data",
    "roaming",
    "tv",
    "channel",
    "package",
    "installation",
    "technician",
    "van",
    "street",
    "area",
    "neighbour",
    "wifi",
    "upstairs",
    "downstairs",
    "light",
    "red",
    "green",
    "blinking",
    "restart",
    "reset",
    "password",
    "login",
    "email",
    "portal",
    "app",
    "message",
    "call",
    "called",
    "waiting",
    "hold",
    "minutes",
    "hours",
    "days",
    "still",
    "nothing",
    "works",
    "working",
    "stopped",
    "dropped",
    "drops",
    "evening",
    "morning",
    "night",
    "weekend",
    "holiday",
    "moving",
    "house",
    "address",
    "new",
    "old",
    "letter",
    "paper",
    "large",
    "print",
    "braille",
    "carer",
    "power",
    "priority",
    "register",
    "complaint",
    "manager",
    "supervisor",
    "escalate",
    "promised",
    "back",
    "sorry",
    "thanks",
    "thank",
    "appreciate",
    "frustrated",
    "annoyed",
    "angry",
    "disappointed",
    "happy",
    "pleased",
    "understand",
    "explain",
    "reference",
    "order",
    "tracking",
    "delivery",
    "parcel",
    "returned",
    "replacement",
    "faulty",
    "damaged",
    "cable",
    "socket",
    "wall",
    "fibre",
    "copper",
    "exchange",
    "cabinet",
]
FIRST_NAMES = [
    "Ana",
    "Ben",
    "Chloe",
    "Dev",
    "Eve",
    "Finn",
    "Gail",
    "Hugo",
    "Ines",
    "Jon",
    "Kira",
    "Liam",
    "Maya",
    "Nico",
    "Omar",
    "Pia",
    "Quinn",
    "Rosa",
    "Sam",
    "Tess",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Patel",
    "Nguyen",
    "Garcia",
    "Muller",
    "Rossi",
    "Silva",
    "Kowalski",
    "Dubois",
    "Tanaka",
    "Walsh",
    "Okafor",
    "Berg",
    "Novak",
]
AREAS = ["North", "South", "East", "West", "Central"]
SERVICES = [["broadband"], ["broadband", "tv"], ["mobile"], ["broadband", "landline"], ["tv", "mobile"]]

_SENTENCES: dict[int, list[str]] = {}


def sentence(rng: random.Random, n: int) -> str:
    """A sentence of n words, drawn from a small pool per length (generation speed)."""
    pool = _SENTENCES.get(n)
    if pool is None:
        pool = _SENTENCES[n] = [" ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "." for _ in range(20)]
    return rng.choice(pool)


class Texts:
    """A pool of message bodies: mostly a line or a short paragraph, some a long e-mail
    (lengths log-normal, median about 110 characters, 1 in 25 one to three thousand)."""

    def __init__(self, rng: random.Random, size: int = 20_000):
        weights = [1.0 / (i + 1) for i in range(len(WORDS))]  # Zipf: "the" often, "cabinet" rarely

        def text(n_words: int) -> str:
            words = rng.choices(WORDS, weights=weights, k=n_words)
            out, start = [], 0
            while start < len(words):
                length = rng.randint(6, 18)
                out.append(" ".join(words[start : start + length]).capitalize() + ".")
                start += length
            return " ".join(out)

        self.short = [text(max(3, int(rng.lognormvariate(math.log(18), 0.6)))) for _ in range(size)]
        self.long = [text(rng.randint(180, 500)) for _ in range(size // 25)]
        self.rng = rng

    def body(self) -> str:
        if self.rng.random() < 0.04:
            return self.rng.choice(self.long)
        return self.rng.choice(self.short)


# --- writing rows --------------------------------------------------------------------------


class Loader:
    """Rows into a table, by COPY (PostgreSQL) or executemany (SQLite)."""

    def __init__(self, connection: Any):
        self.connection = connection
        self.pg = connection.vendor == "postgresql"

    def when(self, moment: datetime) -> str:
        # SQLite compares datetimes as text, in the format Django writes (naive UTC).
        if self.pg:
            return moment.isoformat(" ")
        return moment.replace(tzinfo=None).isoformat(" ")

    def load(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        n = 0
        with self.connection.cursor() as cursor:
            if self.pg:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        n += 1
            else:
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
                for chunk in _chunks(rows, 20_000):
                    cursor.executemany(sql, chunk)
                    n += len(chunk)
        return n

    def reset_sequences(self, tables: Sequence[str]) -> None:
        if not self.pg:
            return  # SQLite's AUTOINCREMENT follows the largest id inserted
        with self.connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}"
                )


def _chunks(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    chunk: list[Sequence[Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- counting what was planted ---------------------------------------------------------------


class Manifest:
    """Cases holding each planted word, per department and for public text only."""

    def __init__(self) -> None:
        self.cases: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.public: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def add(self, key: str, department: str, case_id: int, *, public: bool = True) -> None:
        self.cases[key][department].add(case_id)
        if public:
            self.public[key][department].add(case_id)

    def as_dict(self) -> dict[str, Any]:
        def counts(table: dict[str, dict[str, set[int]]], key: str) -> dict[str, int]:
            return {slug: len(table[key].get(slug, ())) for _n, slug, _w in DEPARTMENTS}

        keys = set(PLANTED) | set(self.cases)
        return {
            key: {"by_department": counts(self.cases, key), "public_by_department": counts(self.public, key)}
            for key in sorted(keys)
        }


def expected(manifest: dict[str, Any], key: str, departments: Sequence[str] | None) -> int:
    """How many cases a person of `departments` (None: everyone's) must find for `key`."""
    by = manifest["planted"][key]["by_department"]
    return sum(n for slug, n in by.items() if departments is None or slug in departments)


# --- the generator -------------------------------------------------------------------------------


def generate(n_cases: int, seed: int) -> dict[str, Any]:
    """Fill an empty (migrated) database. Returns timings and the manifest."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction
    from django.utils import timezone

    from honeydesk.accounts.models import Department, User
    from honeydesk.cases import search_index
    from honeydesk.cases.models import IntakeCategory, RequestType

    rng = random.Random(seed)
    # The metrics' figures on entries (typing time, talk and wait) come from a generator of
    # their own, so the rest of the data is the same as before they were added.
    figures = random.Random(seed + 13)
    t0 = time.perf_counter()
    now = timezone.now().replace(microsecond=0)
    loader = Loader(connection)

    depts = {}
    for name, slug, _w in DEPARTMENTS:
        depts[slug], _ = Department.objects.get_or_create(
            slug=slug, defaults={"name": name, "email_from": f"{slug}@honeydesk.example"}
        )
    rtypes = {}
    for name, slug, dept, _w in REQUEST_TYPES:
        rtypes[slug], _ = RequestType.objects.get_or_create(
            slug=slug,
            defaults={
                "name": f"{name} (bench)",
                "department": depts[dept],
                "intake_category": IntakeCategory.GENERAL if slug == GENERAL_TYPE else "",
            },
        )
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
    agents: dict[str, list[int]] = {slug: [] for _n, slug, _w in DEPARTMENTS}
    for username, role, dept_slugs in STAFF:
        if role == "agent":
            for d in dept_slugs:
                agents[d].append(staff[username].pk)
    supervisor_id = staff[SUPERVISOR].pk
    types_by_dept: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for _name, slug, dept, weight in REQUEST_TYPES:
        types_by_dept[dept][0].append(rtypes[slug].pk)
        types_by_dept[dept][1].append(weight)
    dept_ids = {slug: d.pk for slug, d in depts.items()}
    dept_slugs = [slug for _n, slug, _w in DEPARTMENTS]
    dept_weights = [w for _n, _s, w in DEPARTMENTS]
    texts = Texts(rng)
    manifest = Manifest()

    with connection.cursor() as cursor:
        ids = {}
        for table in (
            "accounts_customeraccount",
            "accounts_contact",
            "accounts_contactpoint",
            "cases_case",
            "cases_timelineentry",
            "cases_escalation",
        ):
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            ids[table] = cursor.fetchone()[0]

    # --- accounts, contacts, contact points
    n_accounts = max(50, n_cases // 4)
    first_account = ids["accounts_customeraccount"] + 1
    account_ids = list(range(first_account, first_account + n_accounts))
    frequent = account_ids[: max(1, n_accounts // 20)]
    surname_accounts = set(rng.sample(account_ids, max(3, n_accounts // 3000)))
    account_names: dict[int, str] = {}
    contact_of: dict[int, int] = {}
    contact_rows, point_rows = [], []
    next_contact = ids["accounts_contact"] + 1
    next_point = ids["accounts_contactpoint"] + 1
    created = loader.when(now - timedelta(days=800))
    for a in account_ids:
        last = "Featherstonehaugh" if a in surname_accounts else rng.choice(LAST_NAMES)
        account_names[a] = f"{rng.choice(FIRST_NAMES)} {last}"
        for k in range(1 if rng.random() < 0.7 else 2):
            c = next_contact
            next_contact += 1
            name = account_names[a] if k == 0 else f"{rng.choice(FIRST_NAMES)} {last}"
            contact_rows.append((c, a, name, None, created))
            contact_of.setdefault(a, c)
            point_rows.append((next_point, c, "email", f"contact{c}@mail.example"))
            point_rows.append((next_point + 1, c, "phone", f"+1{2_000_000_000 + c}"))
            next_point += 2
    t_people_start = time.perf_counter()
    with search_index.bulk_load(connection), transaction.atomic():
        loader.load(
            "accounts_customeraccount",
            ["id", "number", "name", "service_area", "services", "created_at"],
            (
                (a, f"B{a:08d}", account_names[a], rng.choice(AREAS), json.dumps(rng.choice(SERVICES)), created)
                for a in account_ids
            ),
        )
        loader.load("accounts_contact", ["id", "account_id", "name", "user_id", "created_at"], contact_rows)
        loader.load("accounts_contactpoint", ["id", "contact_id", "kind", "value"], point_rows)
        t_people = time.perf_counter()

        # --- cases, entries, escalations
        case_rows: list[tuple[Any, ...]] = []
        entry_rows: list[tuple[Any, ...]] = []
        escalation_rows: list[tuple[Any, ...]] = []
        cases_of_account: dict[int, list[tuple[int, str]]] = defaultdict(list)
        next_case = ids["cases_case"] + 1
        next_entry = ids["cases_timelineentry"] + 1
        next_escalation = ids["cases_escalation"] + 1
        n_entries = 0
        case_columns = [
            "id", "subject", "goal", "facts", "status", "priority", "channel", "escalated", "handoff_summary",
            "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "version", "account_id",
            "contact_id", "department_id", "owner_id", "request_type_id", "attention", "linked_case_id", "custom",
        ]  # fmt: skip
        entry_columns = [
            "id", "case_id", "kind", "event", "author_id", "author_name", "channel", "visibility", "body", "data",
            "corrects_id", "created_at",
        ]  # fmt: skip
        statuses = list(STATUS_WEIGHTS)
        status_w = list(STATUS_WEIGHTS.values())
        priorities = list(PRIORITY_WEIGHTS)
        priority_w = list(PRIORITY_WEIGHTS.values())
        entry_counts = [2, 3, 4, 5, 6, 7, 8, 10, 14]
        entry_w = [6, 14, 20, 20, 14, 10, 8, 5, 3]
        empty = json.dumps({})

        def flush() -> None:
            nonlocal case_rows, entry_rows, escalation_rows
            loader.load("cases_case", case_columns, case_rows)
            loader.load("cases_timelineentry", entry_columns, entry_rows)
            loader.load(
                "cases_escalation",
                ["id", "reason", "requested_at", "taken_at", "case_id", "taken_by_id", "requested_by_id"],
                escalation_rows,
            )
            case_rows, entry_rows, escalation_rows = [], [], []

        for i in range(n_cases):
            case_id = next_case
            next_case += 1
            dept = rng.choices(dept_slugs, weights=dept_weights)[0]
            type_ids, type_w = types_by_dept[dept]
            rtype = rng.choices(type_ids, weights=type_w)[0]
            account = rng.choice(frequent) if rng.random() < 0.3 else rng.choice(account_ids)
            status = rng.choices(statuses, weights=status_w)[0]
            opened = now - timedelta(seconds=rng.randint(3600, 730 * 86400))
            span = timedelta(seconds=rng.randint(600, 14 * 86400))
            updated = min(opened + span, now - timedelta(seconds=1))
            # A desk's open work is recent: a case untouched for six weeks has been
            # solved, and housekeeping closes resolved cases after the reopen window.
            if status in ("new", "open", "pending") and updated < now - timedelta(days=42):
                status = "closed"
            if status == "resolved" and updated < now - timedelta(days=13):
                status = "closed"
            owner = None if status == "new" and rng.random() < 0.8 else rng.choice(agents[dept])
            rare = rng.random() < 1 / 5000
            subject = "Zebraprinter label jams on page two" if rare else rng.choice(SUBJECTS)
            if rare:
                manifest.add("rare", dept, case_id)
            if account in surname_accounts:
                manifest.add("name", dept, case_id)
            cases_of_account[account].append((case_id, dept))
            escalated = status in ("open", "pending") and rng.random() < 0.03
            channel = rng.choice(("email", "phone", "portal"))
            case_rows.append(
                (
                    case_id, subject, sentence(rng, 8), empty, status, rng.choices(priorities, priority_w)[0],
                    channel, escalated, "", loader.when(opened), loader.when(updated),
                    None if status == "new" else loader.when(opened + span / 4),
                    loader.when(updated) if status in ("resolved", "closed") else None,
                    loader.when(updated) if status == "closed" else None,
                    1, account, contact_of[account], dept_ids[dept], owner, rtype, "calm", None, empty,
                )
            )  # fmt: skip
            if escalated:
                escalation_rows.append(
                    (next_escalation, "Customer asked for a supervisor.", loader.when(updated), None, case_id, None,
                     owner or supervisor_id)
                )  # fmt: skip
                next_escalation += 1
            # Timeline: opened, the customer's message, the middle, the closing event.
            n = rng.choices(entry_counts, entry_w)[0]
            step = max((updated - opened) / n, timedelta(seconds=1))
            author = owner or rng.choice(agents[dept])
            first = texts.body()
            if rng.random() < 0.2:
                first = f"{first} The ledgersync export shows the wrong total."
                manifest.add("common", dept, case_id)
            if rng.random() < 1 / 10000:
                first = f"Been {LOOKALIKE} by the customer service. {first}"
                manifest.add("lookalike", dept, case_id)
            who = account_names[account]
            rows = [
                (next_entry, case_id, "event", "opened", None, "", channel, "internal", "", empty, None,
                 loader.when(opened)),
                (next_entry + 1, case_id, "inbound", "", None, who, channel, "public", first, empty, None,
                 loader.when(opened)),
            ]  # fmt: skip
            next_entry += 2
            closing = status in ("resolved", "closed")
            middle = n - 2 - (1 if closing else 0)
            plant_later = middle > 0 and rng.random() < 1 / 2000
            plant_at = rng.randrange(middle) if plant_later else -1
            t = opened
            for k in range(middle):
                t += step
                roll = rng.random()
                body = texts.body()
                if roll < 0.40:
                    kind, event, author_id, name, ch, vis = "outbound", "", author, "", "email", "public"
                elif roll < 0.62:
                    kind, event, author_id, name, ch, vis = "inbound", "", None, who, "email", "public"
                elif roll < 0.84:
                    kind, event, author_id, name, ch, vis = "note", "", author, "", "workspace", "internal"
                elif roll < 0.93:
                    kind, event, author_id, name, ch, vis = "call", "", author, "", "phone", "public"
                else:
                    kind, event, author_id, name = "event", "owner_changed", author, ""
                    ch, vis = "workspace", "internal"
                    body = ""
                if k == plant_at:
                    if kind == "event":
                        kind, event, ch, vis = "note", "", "workspace", "internal"
                    body = f"{body} Checked the quokkafirmware version on the box."
                    manifest.add("timeline", dept, case_id, public=vis == "public")
                data = empty
                if kind == "outbound":
                    data = json.dumps({"compose_seconds": figures.randint(20, 600)})
                elif kind == "call":
                    talk, wait = figures.randint(40, 1500), figures.randint(5, 300)
                    data = json.dumps({"direction": "inbound", "talk_seconds": talk, "wait_seconds": wait})
                rows.append(
                    (next_entry, case_id, kind, event, author_id, name, ch, vis, body, data, None, loader.when(t))
                )
                next_entry += 1
            if closing:
                rows.append(
                    (next_entry, case_id, "event", status, author, "", "workspace", "public",
                     f"{status.title()}: {sentence(rng, 8)}", empty, None, loader.when(updated))
                )  # fmt: skip
                next_entry += 1
            entry_rows.extend(rows)
            n_entries += len(rows)
            if len(case_rows) >= 20_000:
                flush()
                print(
                    f"  generated {i + 1:>9,} cases, {n_entries:>10,} entries ({time.perf_counter() - t0:6.1f} s)",
                    flush=True,
                )
        flush()
        loader.reset_sequences(
            ["accounts_customeraccount", "accounts_contact", "accounts_contactpoint", "cases_case",
             "cases_timelineentry", "cases_escalation"]
        )  # fmt: skip
        t_cases = time.perf_counter()
        print(f"  rows written in {t_cases - t0:.1f} s; building the search documents", flush=True)
    t_search = time.perf_counter()
    # The account searched by number: a frequent customer with cases in the small department.
    small = DEPARTMENTS[-1][1]
    account_number = ""
    for a in frequent:
        if any(d == small for _c, d in cases_of_account[a]) and len(cases_of_account[a]) >= 5:
            account_number = f"B{a:08d}"
            for case_id, d in cases_of_account[a]:
                manifest.add("account", d, case_id)
            break
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            cursor.execute("ANALYZE")
    t_end = time.perf_counter()
    return {
        "cases": n_cases,
        "entries": n_entries,
        "accounts": n_accounts,
        "people_s": t_people - t_people_start,
        "rows_s": t_cases - t0,
        "search_s": t_search - t_cases,
        "total_s": t_end - t0,
        "planted": manifest.as_dict(),
        "account_number": account_number,
        "surname": "Featherstonehaugh",
    }
