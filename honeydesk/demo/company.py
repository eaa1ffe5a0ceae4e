"""A believable demo company, written through the real actions.

`build()` creates Brightwave, a cable, internet and phone provider: four departments,
eight staff, request types with what to have ready and the best channel, about sixty
customer accounts, and cases in every status spread over the last 90 days. Each case's
history is replayed through `honeydesk.cases.actions` inside `clock.at(moment)`, so every
row (timeline entries, escalations, owners, first-response and resolution times) is
written exactly as the live system writes it. Deterministic for a given seed and day.
The words (staff, request types, what customers and agents say) live in `honeydesk.demo.texts`.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from honeydesk.accounts.actions import ContactData, do_create_account
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, Role, User
from honeydesk.cases import actions as act
from honeydesk.cases.models import Case, Channel, Escalation, RequestType, Status, TimelineEntry
from honeydesk.channels import registry
from honeydesk.demo import back_office, credits, desk, library, merging, promises, quality
from honeydesk.demo import brand as demo_brand
from honeydesk.demo import metrics as demo_metrics
from honeydesk.demo import monitoring as demo_monitoring
from honeydesk.demo import rules as demo_rules
from honeydesk.demo.texts import (
    AFTER_REPLY,
    AGENT_REPLIES,
    ANGRY,
    ANSWERS,
    AREA_CODES,
    AREAS,
    ASKS,
    BUSINESSES,
    CALLS_IN,
    CALLS_OUT,
    CHASES,
    CREDIT_ESCALATIONS,
    CREDIT_TYPES,
    DEPARTMENTS,
    ESCALATIONS_CUSTOMER,
    ESCALATIONS_STAFF,
    FIRST,
    FRUSTRATED,
    GENERIC_NOTES,
    HANDBACKS,
    LAST,
    LINKED_MESSAGES,
    MAIL,
    NEXT_STEP,
    NOTES,
    REOPEN_BY_TYPE,
    REOPEN_MESSAGES,
    REQUEST_TYPES,
    RESOLUTIONS,
    RESOLVE_REPLIES,
    SCENARIOS,
    STAFF,
    STREETS,
    TAKEN_NOTES,
    TECH_FOLLOW_UPS,
    TECH_TYPES,
    TRANSFER_TO,
    TYPE_WEIGHTS,
    WHEN_PHRASES,
)
from honeydesk.lib import clock

PASSWORD = "demo"
DOMAIN = "brightwave.example"
PORTAL_CUSTOMERS = 10

# fmt: off
# Share of cases ending in each status (closed takes the rest).
STATUS_SHARE = [(Status.NEW, 0.10), (Status.OPEN, 0.18), (Status.PENDING, 0.10), (Status.RESOLVED, 0.16)]
# Natural gap before each step, in minutes: mean of an exponential, and a cap.
GAPS = {"open": (0, 0), "take": (40, 600), "assign": (60, 600), "reply": (150, 2880), "customer": (600, 4320),
        "note": (30, 600), "call_out": (180, 2880), "ask": (120, 2880), "transfer": (200, 2880),
        "escalate": (180, 2880), "take_escalation": (90, 1440), "handback": (60, 1440), "resolve": (240, 4320),
        "reopen": (2500, 12000), "set_pending": (3, 10), "wait_escalation": (120, 2880)}
CUSTOMER_STEPS = {"open", "customer", "reopen", "wait_escalation"}
# fmt: on


@dataclass
class Result:
    counts: dict[str, int]
    logins: list[tuple[str, str, str, str]]


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, role, name, e-mail) of the demo logins present in the database: a
    customer's address is what the portal's one-time sign-in link is asked for."""
    staff = User.objects.filter(username__in=[s[0] for s in STAFF]).exclude(role=Role.CUSTOMER)
    customers = User.objects.filter(role=Role.CUSTOMER, contacts__isnull=False, email__endswith=".example")
    order: dict[str, int] = {Role.ADMIN: 0, Role.SUPERVISOR: 1, Role.AGENT: 2, Role.CUSTOMER: 3}
    found = sorted({*staff, *customers.distinct()}, key=lambda u: (order.get(u.role, 9), u.username))
    return [(u.username, u.role, u.display_name, u.email) for u in found if u.has_usable_password()]


def build(*, seed: int = 2024, cases: int = 300, now: datetime | None = None) -> Result:
    """Create the demo company in one transaction. The caller checks that there are no cases yet."""
    if cases < len(Status.values):
        raise ValueError(f"The demo needs at least {len(Status.values)} cases, one in each status.")
    builder = _Builder(seed, now or clock.now())
    # Replayed history must not mail anybody, now or later.
    with registry.quiet(), transaction.atomic():
        builder.company()
        promises.setup(builder.now)  # calendars and service levels before any case opens
        builder.customers()
        builder.cases(cases)
        promises.follow_up(builder.now)
        credits.build(builder)  # credit threads and outages (issue 10)
        library.build(builder)  # answer-library articles and an abusive message (issue 18)
        quality.build(builder)  # answered surveys and recoveries (issue 12)
        demo_monitoring.build(builder)  # last week's samples, partly reviewed (issue 12)
        demo_metrics.build(builder)  # roll-ups for the dashboards (issue 13)
        desk.build(builder)  # custom fields, tags, priorities (issue 17)
        merging.build(builder)  # a duplicate merged into its first case (issue 17)
        demo_rules.build(builder)  # a round-robin rule and a tagging rule, fired (issue 17)
        demo_brand.build()  # the portal says Brightwave, in its colour, with its logo (issue 18)
        back_office.build(builder)  # held and poison mail, a failing webhook, audit log, a rep away (issue 18)
    return Result(builder.counts(), demo_logins())


class _Builder:
    def __init__(self, seed: int, now: datetime):
        self.seed, self.rng, self.now = seed, random.Random(seed), now
        self.password = make_password(PASSWORD)  # hashed once: the hasher is slow on purpose

    def company(self) -> None:
        self.depts = {
            slug: Department.objects.get_or_create(
                slug=slug, defaults={"name": name, "email_from": f"{slug}@{DOMAIN}"}
            )[0]
            for name, slug in DEPARTMENTS
        }
        self.staff: dict[str, User] = {}
        for username, first, last, role, depts in STAFF:
            admin = role == Role.ADMIN
            user, created = User.objects.get_or_create(
                username=username,
                defaults=dict(first_name=first, last_name=last, email=f"{username}@{DOMAIN}", role=role,
                              password=self.password, is_staff=admin, is_superuser=admin),
            )  # fmt: skip
            if created:
                user.departments.set([self.depts[d] for d in depts])
            self.staff[username] = user
        dept_of = {s[0]: s[4] for s in STAFF}
        self.agents = {
            slug: [u for u in self.staff.values() if u.role == Role.AGENT and slug in dept_of[u.username]]
            for slug in self.depts
        }
        self.supervisors = {
            slug: [u for u in self.staff.values() if u.role == Role.SUPERVISOR and slug in dept_of[u.username]]
            or [u for u in self.staff.values() if u.role == Role.SUPERVISOR]
            for slug in self.depts
        }
        self.types: dict[str, RequestType] = {}
        for slug, category, name, dept, best, why, needs in REQUEST_TYPES:
            self.types[slug] = RequestType.objects.get_or_create(
                slug=slug,
                defaults=dict(name=name, department=self.depts[dept], best_channel=best, channel_reason=why,
                              needs=needs, intake_category=category),
            )[0]  # fmt: skip

    def customers(self, n: int = 60) -> None:
        rng = self.rng
        numbers: set[str] = set()
        emails: set[str] = set()
        phones = [f"+1 {a} 555 01{i:02d}" for a in AREA_CODES for i in range(100)]
        rng.shuffle(phones)
        self.accounts: list[CustomerAccount] = []
        households: list[CustomerAccount] = []
        for i in range(n):
            number = str(rng.randint(10_000_000, 99_999_999))
            while number in numbers:
                number = str(rng.randint(10_000_000, 99_999_999))
            numbers.add(number)
            last = rng.choice(LAST)
            people = [rng.choice(FIRST)]
            if rng.random() < 0.35:
                people.append(rng.choice([f for f in FIRST if f != people[0]]))
            business = BUSINESSES[i // 10] if i % 10 == 9 and i // 10 < len(BUSINESSES) else ""
            contacts = []
            for first in people:
                local = f"{first}.{last}".lower().replace("'", "")
                domain = f"{business.lower().replace(' ', '')}.example" if business else rng.choice(MAIL)
                email, k = f"{local}@{domain}", 2
                while email in emails:
                    email, k = f"{local}{k}@{domain}", k + 1
                emails.add(email)
                contacts.append(ContactData(f"{first} {last}", [email], [phones.pop()]))
            services = [rng.choice(["Internet 100", "Internet 300", "Internet 300", "Internet 500", "Internet 1000"])]
            tv = rng.choice([None, "TV Basic", "TV Plus", "TV Plus", "TV Premium"])
            if tv and not business:
                services += [tv, "Sports Pack"] if rng.random() < 0.2 else [tv]
            if rng.random() < (0.8 if business else 0.35):
                services.append("Home Phone")
            if business and rng.random() < 0.7:
                services.append("Static IP")
            account = CustomerAccount.objects.filter(number=number).first() or do_create_account(
                number=number, name=business or f"{people[0]} {last}", service_area=rng.choice(AREAS),
                services=services, contacts=contacts, acting_user=None,
            )  # fmt: skip
            self.accounts.append(account)
            if not business:
                households.append(account)
        self.contacts: dict[int, list[Contact]] = {}
        for contact in Contact.objects.filter(account__in=self.accounts).prefetch_related("points").order_by("id"):
            self.contacts.setdefault(contact.account_id, []).append(contact)
        self.accounts = [a for a in self.accounts if a.pk in self.contacts]  # an older account may have none
        households = [a for a in households if a.pk in self.contacts]
        # Portal logins for the first contact of some households.
        self.portal: dict[int, User] = {}
        for account in rng.sample(households, min(PORTAL_CUSTOMERS, len(households))):
            contact = self.contacts[account.pk][0]
            first, _, last = contact.name.partition(" ")
            username = base = f"{first}.{last}".lower().replace("'", "")
            while User.objects.filter(username=username).exists():
                username = f"{base}{rng.randint(2, 99)}"
            user = User.objects.create(username=username, first_name=first, last_name=last, role=Role.CUSTOMER,
                                       email=contact.primary_email, password=self.password)  # fmt: skip
            Contact.objects.filter(pk=contact.pk).update(user=user)  # no action links a login to a contact yet
            contact.user = user
            self.portal[account.pk] = user

    def cases(self, n: int) -> None:
        rng, now, day = self.rng, self.now, 86400
        statuses: list[str] = []
        for kind, share in STATUS_SHARE:
            statuses += [kind] * max(1, round(n * share))
        statuses += [Status.CLOSED] * (n - len(statuses))
        rng.shuffle(statuses)
        weights = [3 if a.pk in self.portal else 1 for a in self.accounts]
        plans = []
        for status in statuses:
            created: datetime
            if status == Status.NEW:
                created = now - timedelta(seconds=rng.uniform(600, 4 * day))
            elif status in (Status.OPEN, Status.PENDING):
                created = now - timedelta(seconds=3600 + 40 * day * rng.random() ** 2)
            elif status == Status.RESOLVED:  # resolved within the reopen window, or it would be closed
                created = now - timedelta(seconds=rng.uniform(0.2 * day, 12 * day))
            else:
                created = now - timedelta(seconds=rng.uniform(17.5 * day, 90 * day))
            if status != Status.NEW:  # most contacts arrive in the daytime
                created = created.replace(hour=rng.choice([8, 9, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]))
                created = min(created, now - timedelta(hours=1))
            account = rng.choices(self.accounts, weights)[0]
            slug = rng.choices(list(TYPE_WEIGHTS), list(TYPE_WEIGHTS.values()))[0]
            plans.append((created, status, account, self.types[slug]))
        # Whatever the seed and size, at least one case shows each of these.
        force: dict[int, set[str]] = {}
        for status, feature in [(Status.CLOSED, "transfer"), (Status.CLOSED, "escalation"),
                                (Status.RESOLVED, "reopen"), (Status.OPEN, "waiting")]:  # fmt: skip
            force.setdefault(statuses.index(status), set()).add(feature)
        # Replayed in time order so references (HD-000001, ...) grow with time; each story
        # draws from its own generator, so its text does not depend on that order.
        for i in sorted(range(n), key=lambda i: plans[i][0]):
            _Story(self, random.Random(f"{self.seed}:{i}"), *plans[i]).run(force.get(i, set()))

    def counts(self) -> dict[str, int]:
        by_status = Counter(Case.objects.values_list("status", flat=True))
        entries = TimelineEntry.objects
        return {
            "departments": Department.objects.count(),
            "staff": User.objects.exclude(role=Role.CUSTOMER).count(),
            "request types": RequestType.objects.count(),
            "customer accounts": CustomerAccount.objects.count(),
            "contacts": Contact.objects.count(),
            "portal logins": User.objects.filter(role=Role.CUSTOMER).count(),
            "cases": sum(by_status.values()),
            **{f"  {Status(s).label.lower()}": by_status.get(s, 0) for s in Status.values},
            "timeline entries": entries.count(),
            "transfers": entries.filter(event=TimelineEntry.Event.TRANSFERRED).count(),
            "escalations": Escalation.objects.count(),
            "  waiting for a supervisor": Escalation.objects.filter(taken_at__isnull=True).count(),
            "reopenings": entries.filter(event=TimelineEntry.Event.REOPENED).count(),
        }


class _Story:
    """One case's history: planned as a list of steps, timed, and replayed through the actions."""

    case: Case

    def __init__(self, b: _Builder, rng: random.Random, created: datetime, target: str, account: CustomerAccount,
                 rtype: RequestType):  # fmt: skip
        self.b, self.rng, self.created, self.target, self.account, self.rtype = b, rng, created, target, account, rtype
        portal = account.pk in b.portal
        self.contact = b.contacts[account.pk][0] if portal else rng.choice(b.contacts[account.pk])
        self.customer = b.portal[account.pk] if portal else None
        self.d1 = d1 = created - timedelta(days=rng.randint(1, 20))
        base = rng.choice([39.99, 54.99, 64.99, 79.99, 89.99, 119.99])
        self.ctx = {
            "first": self.contact.name.partition(" ")[0], "acct": account.number, "area": account.service_area,
            "service": rng.choice(account.services or ["Internet 100"]), "date": f"{d1:%B} {d1.day}",
            "amount": f"${rng.choice([4.99, 9.99, 12.50, 15.00, 24.99, 30.00, 45.00, 60.00]):.2f}",
            "amount2": f"${base + rng.choice([10, 15, 20, 25]):.2f}", "amount3": f"${base:.2f}",
            "order": f"ORD-{rng.randint(100000, 999999)}", "street": f"{rng.randint(2, 480)} {rng.choice(STREETS)}",
            "tracking": "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(16)),
            "rep": rng.choice([s[1] for s in STAFF if s[3] == Role.AGENT]), "when": rng.choice(WHEN_PHRASES),
        }  # fmt: skip
        self.scenario = rng.choice(SCENARIOS[rtype.slug])
        self.used: set[str] = set()
        self.replied = False
        self.asked: tuple[str, str] | None = None  # the fact the rep asked for and its answer

    def plan(self, force: set[str]) -> list[str]:
        rng, target = self.rng, self.target
        steps = ["open"]
        if target == Status.NEW:  # waiting in a queue, perhaps moved or chased already
            roll = rng.random()
            if roll < 0.25:
                steps.append("transfer")
            elif roll < 0.45:
                steps.append("customer")
            elif roll < 0.55:
                steps.append("wait_escalation")
            elif roll < 0.7:
                steps.append("note")
            return steps
        steps.append(rng.choice(["take", "take", "assign", "reply"]))
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4])):
            kind = rng.choices(["reply", "customer", "note", "call_out", "ask"], [3, 3, 2, 2, 1])[0]
            steps += ["ask", "set_pending", "customer"] if kind == "ask" else [kind]
        if rng.random() < 0.2 or "transfer" in force:
            steps += ["transfer", "take", "reply"]
        if rng.random() < 0.18 or "escalation" in force:
            steps += ["escalate", "take_escalation", "call_out"]
            steps += ["handback", "note"] if rng.random() < 0.5 else []
        if target in (Status.RESOLVED, Status.CLOSED):
            steps += ["resolve", "reopen", "reply", "resolve"] if rng.random() < 0.15 or force else ["resolve"]
        elif target == Status.OPEN:
            steps += ["resolve", "reopen"] if rng.random() < 0.12 else ["reply"] if rng.random() < 0.5 else []
        elif target == Status.PENDING:
            steps += ["ask", "set_pending"]
        if target in (Status.OPEN, Status.PENDING) and (rng.random() < 0.12 or "waiting" in force):
            steps.append("wait_escalation")
        return steps

    def schedule(self, steps: list[str]) -> list[datetime]:
        """Natural gaps between steps, squeezed when the story would run past its deadline
        (now, or for a closed case the end of the reopen window before now)."""
        gaps = [min(self.rng.expovariate(1 / mean), cap) if mean else 0.0 for mean, cap in (GAPS[s] for s in steps)]
        if self.target == Status.CLOSED:
            deadline = self.b.now - timedelta(days=settings.REOPEN_WINDOW_DAYS, hours=8)
        else:
            deadline = self.b.now - timedelta(minutes=2)
        available = (deadline - self.created).total_seconds() / 60
        scale = min(1.0, 0.95 * available / sum(gaps)) if sum(gaps) else 1.0
        times, t = [], self.created
        for gap in gaps:
            t += timedelta(minutes=gap * scale)
            times.append(t)
        # Staff work 08:00-19:00: a step that falls at night waits for the morning, when
        # the rest of the story still fits before the deadline.
        shift = timedelta(0)
        for i, step in enumerate(steps):
            t = times[i] + shift
            if step not in CUSTOMER_STEPS and not 8 <= t.hour < 19:
                morning = (t + timedelta(days=1 if t.hour >= 19 else 0)).replace(hour=8, minute=self.rng.randint(0, 50))
                if times[-1] + shift + (morning - t) <= deadline:
                    shift += morning - t
            times[i] += shift
        return times

    def run(self, force: set[str]) -> None:
        steps = self.plan(force)
        for step, moment in zip(steps, self.schedule(steps), strict=True):
            with clock.at(moment):
                getattr(self, f"_{step}")()
        if self.target == Status.CLOSED and self.case.status == Status.RESOLVED and self.case.resolved_at:
            # The worker closes resolved cases when the reopen window has passed.
            moment = self.case.resolved_at + timedelta(days=settings.REOPEN_WINDOW_DAYS, hours=self.rng.uniform(1, 6))
            with clock.at(min(moment, self.b.now - timedelta(minutes=1))):
                self.do(act.do_close, self.case, acting_user=None)

    # --- helpers --------------------------------------------------------------------

    def do(self, action: Any, *args: Any, **kwargs: Any) -> Any:
        """Run an action and keep the case it returns (or its entry's case): the actions
        hand back the row they locked and changed, so nothing needs reloading."""
        result = action(*args, **kwargs)
        self.case = result if isinstance(result, Case) else result.case
        return result

    def text(self, template: str, **extra: str) -> str:
        return template.format(**self.ctx, **extra)

    def pick(self, options: list[str], **extra: str) -> str:
        """A text from `options`, preferring one this case has not used yet."""
        fresh = [o for o in options if o not in self.used] or options
        choice = self.rng.choice(fresh)
        self.used.add(choice)
        return self.text(choice, **extra)

    def agent(self) -> User:
        return self.rng.choice(self.b.agents[self.case.department.slug])

    def supervisor(self) -> User:
        return self.rng.choice(self.b.supervisors[self.case.department.slug])

    def worker(self) -> User:
        return self.case.owner or self.agent()

    def voice(self, body: str) -> str:
        """Most customers are calm; some are frustrated, a few angry."""
        roll = self.rng.random()
        if roll < 0.22:
            return f"{body} {self.rng.choice(FRUSTRATED)}"
        return f"{body}\n\n{self.rng.choice(ANGRY)}" if roll < 0.30 else body

    @property
    def values(self) -> dict[str, str]:
        """The facts a request type may ask for, as this customer would give them."""
        d1, ctx = self.d1.date().isoformat(), self.ctx
        return {"account_number": ctx["acct"], "statement_date": d1, "amount": ctx["amount"].lstrip("$"),
                "order_number": ctx["order"], "tracking_number": ctx["tracking"], "since_date": d1,
                "outage_dates": f"{d1} to {(self.d1 + timedelta(days=2)).date().isoformat()}",
                "services": ctx["service"], "service_address": ctx["street"], "contact_date": d1,
                "end_date": (self.created + timedelta(days=30)).date().isoformat(), "rep_name": ctx["rep"]}  # fmt: skip

    def facts(self) -> dict[str, str]:
        values = self.values
        return {n["key"]: values[n["key"]] for n in self.rtype.needs if n["key"] in values and self.rng.random() < 0.85}

    def phone(self) -> str:
        return next((p.value for p in self.contact.points.all() if p.kind == ContactPoint.Kind.PHONE), "")

    def reply(self, templates: list[str], who: User | None = None, **extra: str) -> None:
        who = who or self.worker()
        body = self.pick(templates, agent=who.first_name, **extra)
        self.do(act.do_add_reply, self.case, body=body, acting_user=who,
                compose_seconds=demo_metrics.compose_seconds(self.case.pk, body))  # fmt: skip
        self.replied = True

    def call(self, body: str, direction: str = "inbound", who: User | None = None) -> None:
        self.do(act.do_log_call, self.case, body=body, acting_user=who or self.worker(), direction=direction,
                duration_seconds=self.rng.randint(40, 1500), phone=self.phone(),
                data=demo_metrics.call_data(self.case.pk, clock.now()))  # fmt: skip

    def email(self, body: str) -> None:
        """A message from a customer without a portal login, as the e-mail channel records it."""
        if self.case.status != Status.CLOSED:
            inbound = act.Inbound(subject=f"Re: [{self.case.ref}] {self.case.subject}", body=body,
                                  channel=Channel.EMAIL, contact=self.contact)  # fmt: skip
            self.do(act.do_receive_message, inbound, case=self.case, account=self.account,
                    request_type=self.rtype)  # fmt: skip

    # --- steps ----------------------------------------------------------------------

    def _open(self) -> None:
        rng, rtype = self.rng, self.rtype
        subject, body, goal = (self.text(t) for t in self.scenario)
        priority = rng.choices(["low", "normal", "high", "urgent"], [2, 12, 4, 1])[0]
        if rtype.slug in ("outage", "complaint") or "Home Phone" in subject:
            priority = rng.choice(["high", "high", "urgent"])
        body = self.voice(body)
        base = act.Opening(account=self.account, contact=self.contact, request_type=rtype, subject=subject,
                           body=body, goal=goal, facts=self.facts(), priority=priority,
                           channel=Channel.PORTAL)  # fmt: skip
        earlier = None
        if self.customer and self.target == Status.NEW and rng.random() < 0.3:  # writing again about a closed case
            earlier = (Case.objects.filter(account=self.account, status=Status.CLOSED, closed_at__lt=clock.now())
                       .order_by("-closed_at").first())  # fmt: skip
        if earlier is not None:
            self.do(act.check_customer_writes, earlier, body=rng.choice(LINKED_MESSAGES), acting_user=self.customer,
                    channel=Channel.PORTAL)  # fmt: skip
        elif self.customer is not None:
            channel = rng.choice([Channel.PORTAL, Channel.PORTAL, Channel.EMAIL])
            self.do(act.do_open_case, replace(base, channel=channel), acting_user=self.customer)
        elif rng.random() < 0.35:  # an e-mail from someone without a portal login
            inbound = act.Inbound(subject=subject, body=body, channel=Channel.EMAIL, contact=self.contact)
            self.do(act.do_receive_message, inbound, case=None, account=self.account, request_type=rtype)
        else:  # a call or chat, recorded by the agent who took it
            channel = rng.choice([Channel.PHONE, Channel.PHONE, Channel.PHONE, Channel.CHAT])
            taker = rng.choice(self.b.agents[rtype.department.slug])
            opening = replace(base, channel=channel, author_name=self.contact.name)
            self.do(act.do_open_case, opening, acting_user=taker)
            if channel == Channel.PHONE and self.target != Status.NEW:
                self.do(act.do_assign, self.case, taker, acting_user=taker)

    def _take(self) -> None:
        if self.case.owner_id is None:
            agent = self.agent()
            self.do(act.do_assign, self.case, agent, acting_user=agent)

    def _assign(self) -> None:
        if self.case.owner_id is None:
            self.do(act.do_assign, self.case, self.agent(), acting_user=self.supervisor())

    def _reply(self) -> None:
        self.reply(AGENT_REPLIES)

    def _customer(self) -> None:
        """The customer answers a question, reacts to a reply, or chases."""
        if self.asked:
            body, self.asked = self.pick(ANSWERS, label=self.asked[0], value=self.asked[1]), None
            called = f"{self.ctx['first']} called with the details we asked for: {body}"
        else:
            tech = TECH_FOLLOW_UPS if self.rtype.slug in TECH_TYPES else []
            body = self.pick(AFTER_REPLY + tech) if self.replied else self.voice(self.pick(CHASES + tech))
            called = self.pick(CALLS_IN)
        if self.customer is not None:
            channel = self.case.channel if self.case.channel in (Channel.PORTAL, Channel.EMAIL) else Channel.PORTAL
            self.do(act.do_add_reply, self.case, body=body, acting_user=self.customer, channel=channel)
        elif self.case.status == Status.PENDING or self.case.channel == Channel.EMAIL or self.rng.random() < 0.3:
            self.email(body)
        else:
            self.call(called)

    def _note(self) -> None:
        options = NOTES.get(self.rtype.slug, []) + GENERIC_NOTES
        self.do(act.do_add_note, self.case, body=self.pick(options), acting_user=self.worker())

    def _call_out(self) -> None:
        self.call(self.pick(CALLS_OUT), direction="outbound")

    def _ask(self) -> None:
        needs = [(n["label"].lower(), self.values.get(n["key"], "")) for n in self.rtype.needs]
        self.asked = asked = self.rng.choice([n for n in needs if n[1]] or [("best time to call", "after 5pm")])
        self.reply(ASKS, need=f"the {asked[0]}")

    def _set_pending(self) -> None:
        if self.case.status == Status.OPEN:
            self.do(act.do_set_pending, self.case, acting_user=self.worker())

    def _transfer(self) -> None:
        rng, case = self.rng, self.case
        here = case.department.slug
        target = rng.choice(
            [d for d in TRANSFER_TO[self.rtype.slug] if d != here] or [d for d in self.b.depts if d != here]
        )
        owner = rng.choice(self.b.agents[target]) if case.status != Status.NEW and rng.random() < 0.5 else None
        summary = (
            f"{self.contact.name} (account {self.account.number}): {case.subject}. "
            f"{f'Customer wants: {case.goal} ' if case.goal else ''}Done so far: "
            f"{rng.choice(GENERIC_NOTES[1:])} Next for {self.b.depts[target].name}: {NEXT_STEP[target]}."
        )
        self.do(act.do_transfer, case, self.b.depts[target], summary=summary, owner=owner, acting_user=self.worker())

    def _escalate(self) -> None:
        if self.case.escalated or self.case.status == Status.CLOSED:
            return
        if self.customer is not None and self.rng.random() < 0.4:
            self.do(act.do_escalate, self.case, reason=self.pick(ESCALATIONS_CUSTOMER), acting_user=self.customer,
                    channel=Channel.PORTAL)  # fmt: skip
        else:
            reasons = ESCALATIONS_STAFF + (CREDIT_ESCALATIONS if self.rtype.slug in CREDIT_TYPES else [])
            self.do(act.do_escalate, self.case, reason=self.pick(reasons), acting_user=self.worker())

    _wait_escalation = _escalate  # the same action, left waiting for a supervisor

    def _take_escalation(self) -> None:
        if self.case.escalated:
            sup = self.supervisor()
            self.do(act.do_take_escalation, self.case, acting_user=sup)
            self.do(act.do_add_note, self.case, body=self.pick(TAKEN_NOTES), acting_user=sup)

    def _handback(self) -> None:
        sup = self.case.owner
        if sup is not None and sup.role == Role.SUPERVISOR and self.case.is_active:
            agent = self.agent()
            note = self.pick(HANDBACKS, agent=agent.first_name)
            self.do(act.do_add_note, self.case, body=note, acting_user=sup)
            self.do(act.do_assign, self.case, agent, acting_user=sup)

    def _resolve(self) -> None:
        if self.case.escalated:  # a supervisor decides before anyone resolves
            self._take_escalation()
        who = self.worker()
        resolution = self.pick(RESOLUTIONS[self.rtype.slug])
        self.reply(RESOLVE_REPLIES, who, resolution=resolution)
        self.do(act.do_resolve, self.case, note=resolution, acting_user=who)

    def _reopen(self) -> None:
        if self.case.status != Status.RESOLVED:
            return
        body = self.pick(REOPEN_BY_TYPE.get(self.rtype.slug, REOPEN_MESSAGES))
        if self.customer is not None:
            self.do(act.do_add_reply, self.case, body=body, acting_user=self.customer, channel=Channel.PORTAL)
        elif self.case.channel == Channel.EMAIL or self.rng.random() < 0.3:
            self.email(body)
        else:
            who = self.worker()
            self.call(f"{self.ctx['first']} called back: {body}", who=who)
            self.do(act.do_reopen, self.case, reason=f"Customer called back: {body}", acting_user=who)
