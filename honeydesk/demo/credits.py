"""Demo credits and outages, written through the real actions after the cases' stories.

On cases the stories left alone for a while (so every entry comes after the case's last
one), in the last weeks: a first credit request declined by the policy and the second
about the same issue relaxed up to the rep's authority; a request above an agent's limit
approved by a supervisor; an offer, a counter-offer, a second offer and an acceptance;
one request still waiting in the approvals queue. One resolved outage (its customers
told when it was fixed) and one still open (the portal's banner in its area). Customers
with a portal login act themselves; for the others the rep records what they said on
the phone. Deterministic for a seed; cases too young for a thread are skipped.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from honeydesk.accounts.models import Role, User
from honeydesk.cases.models import Case, Channel, Status
from honeydesk.credits import actions as credit
from honeydesk.credits.policy import ensure_default_policy
from honeydesk.lib import clock
from honeydesk.outages import actions as outage
from honeydesk.outages.models import Incident
from honeydesk.outages.reports import DEFAULT_SERVICES, detection_settings

H = timedelta(hours=1)
D = timedelta(days=1)


class _Demo:
    def __init__(self, builder: Any):
        self.b = builder
        self.now: datetime = builder.now
        self.rng = random.Random(f"{builder.seed}:credits")
        self.used: set[int] = set()
        self.staff: dict[str, User] = builder.staff

    def pick(
        self, *, idle: timedelta, types: tuple[str, ...] = (), area: str | None = None, no_outage: bool = False
    ) -> Case | None:
        """A case not closed, untouched for `idle` (so its thread fits before now),
        preferring portal customers and the given request types; `no_outage`: on an
        account outside every outage's area (a thread that shows the policy without one)."""
        cases = (
            Case.objects.exclude(status=Status.CLOSED)
            .filter(updated_at__lt=self.now - idle)
            .exclude(pk__in=self.used)
            # Some entries (internal events) leave updated_at alone: the thread must follow them too.
            .exclude(entries__created_at__gte=self.now - idle)
        )
        cases = cases.select_related("account", "department", "request_type").order_by("id")
        if area is not None:
            cases = cases.filter(account__service_area=area)
        if no_outage:
            cases = cases.exclude(account__service_area__in=Incident.objects.values("area"))
        found = list(cases)
        found.sort(key=lambda c: (c.account_id not in self.b.portal, c.request_type.slug not in types, c.pk))
        if not found:
            return None
        best = [c for c in found[:6] if (c.account_id in self.b.portal) == (found[0].account_id in self.b.portal)]
        case = self.rng.choice(best)
        self.used.add(case.pk)
        return case

    def customer(self, case: Case) -> tuple[User, str]:
        """Who speaks for the customer: their login in the portal, else the rep on the phone."""
        user = self.b.portal.get(case.account_id)
        return (user, Channel.PORTAL) if user is not None else (self.agent(case), Channel.PHONE)

    def agent(self, case: Case) -> User:
        agents: list[User] = self.b.agents.get(case.department.slug) or [
            u for u in self.staff.values() if u.role == Role.AGENT
        ]
        return agents[case.pk % len(agents)]

    def supervisor(self, case: Case) -> User:
        supervisors: list[User] = self.b.supervisors[case.department.slug]
        return supervisors[0]

    def ask(self, amount: str, reason: str, first: date, last: date) -> credit.Ask:
        return credit.Ask(amount=amount, reason=reason, period_start=first, period_end=last)

    # --- outages ------------------------------------------------------------------------

    def outages(self) -> str | None:
        """The resolved outage (returns its area, for the approval threads) and the open one."""
        settings_row = detection_settings()
        settings_row.services = settings_row.services or DEFAULT_SERVICES
        settings_row.save()
        settings_row.request_types.add(*[t for slug, t in self.b.types.items() if slug == "outage"])
        # The resolved outage is in the area with the most cases quiet for a week: its
        # customers' credit requests are the ones the policy grants.
        quiet = Case.objects.exclude(status=Status.CLOSED).filter(updated_at__lt=self.now - 6 * D)
        counts: dict[str, int] = {}
        for area_name in quiet.values_list("account__service_area", flat=True):
            counts[area_name] = counts.get(area_name, 0) + 1
        resolved_area = max(sorted(counts), key=lambda a: counts[a]) if counts else None
        if resolved_area is not None:
            kinds = ("outage", "repair")
            linked = self.pick(idle=12 * D, types=kinds, area=resolved_area) or self.pick(
                idle=8 * D, types=kinds, area=resolved_area
            )
            began = self.now - 11 * D
            if linked is not None:
                began = max(linked.updated_at + 2 * H, began)
            with clock.at(began + H):
                incident = outage.do_report_incident(
                    service="Internet",
                    area=resolved_area,
                    started_at=began,
                    next_update_at=began + 4 * H,
                    summary="A damaged fibre node; engineers are on site.",
                    acting_user=self.staff["priya"],
                )
            if linked is not None:
                with clock.at(began + timedelta(minutes=90)):
                    outage.do_link_case(incident, linked, acting_user=self.staff["priya"])
            with clock.at(began + 3 * H):
                outage.do_post_update(
                    incident,
                    body="The node is replaced; testing the lines now.",
                    next_update_at=began + 6 * H,
                    acting_user=self.staff["tom"],
                )
            with clock.at(began + 5 * H):
                outage.do_resolve_incident(
                    incident, resolution="The fibre node was replaced.", acting_user=self.staff["marcus"]
                )
        areas = sorted({a.service_area for a in self.b.accounts if a.pk in self.b.portal} - {resolved_area})
        if areas:
            area = self.rng.choice(areas)
            with clock.at(self.now - 2 * H):
                current = outage.do_report_incident(
                    service="Internet",
                    area=area,
                    started_at=self.now - 3 * H,
                    next_update_at=self.now + H,
                    summary="Internet is down in parts of the area after storm damage to a cabinet.",
                    acting_user=self.staff["tom"],
                )
            for case in Case.objects.filter(
                account__service_area=area, request_type__slug="outage", updated_at__lt=self.now - 2 * H
            ).exclude(status=Status.CLOSED):
                with clock.at(self.now - timedelta(minutes=90)):
                    outage.do_link_case(current, case, acting_user=self.staff["tom"])
        return resolved_area

    # --- credit threads -----------------------------------------------------------------

    def declined_then_relaxed(self) -> None:
        types = ("credit-request", "billing-explanation")
        case = self.pick(idle=6 * D, types=types, no_outage=True) or self.pick(idle=8 * D, types=types)
        if case is None:
            return
        who, channel = self.customer(case)
        agent = self.agent(case)
        t = case.updated_at + H
        first, last = timezone.localdate(t) - timedelta(days=6), timezone.localdate(t) - timedelta(days=4)
        with clock.at(t):
            req = credit.do_request_credit(
                case,
                self.ask("35.00", "The service kept dropping for three days.", first, last),
                acting_user=who,
                channel=channel,
            )
        with clock.at(t + 2 * H):
            credit.do_decide_credit(
                req,
                action="decline",
                acting_user=agent,
                note="I am sorry: I could find no outage or billing error for those days.",
            )
        with clock.at(t + 5 * D):
            again = credit.do_request_credit(
                case,
                self.ask(
                    "80.00", "It happened again and I lost a week of work calls.", first, last + timedelta(days=4)
                ),
                acting_user=who,
                channel=channel,
            )
        with clock.at(t + 5 * D + 3 * H):
            credit.do_decide_credit(
                again,
                action="grant",
                amount="50.00",
                acting_user=agent,
                note="As this is the second time, I have credited what I can.",
            )

    def approved_by_a_supervisor(self, area: str | None, *, pending: bool = False) -> None:
        idle = 2 * D if pending else 6 * D
        case = self.pick(idle=idle, types=("credit-request", "outage"), area=area) if area else None
        if case is None or area is None:
            return
        incident = Incident.objects.filter(area=area, status=Incident.Status.RESOLVED).first()
        if incident is None or incident.resolved_at is None:
            return
        who, channel = self.customer(case)
        t = max(case.updated_at, incident.resolved_at) + H
        day = timezone.localdate(incident.started_at)
        amount = "120.00" if pending else "150.00"
        with clock.at(t):
            req = credit.do_request_credit(
                case,
                self.ask(amount, "Our shop was offline during the outage.", day, day),
                acting_user=who,
                channel=channel,
            )
        with clock.at(t + H):
            credit.do_decide_credit(req, action="grant", acting_user=self.agent(case))
        if not pending:
            with clock.at(t + 4 * H):
                approval = req.approvals.get()
                credit.do_decide_approval(
                    approval,
                    approve=True,
                    note="Matches the outage; a business customer.",
                    message="Thank you for your patience.",
                    acting_user=self.supervisor(case),
                )

    def counter_offer_accepted(self) -> None:
        # The thread takes a day and six hours after the case's last change: two idle days
        # are enough, and asking for more left some build dates with no case to use.
        case = self.pick(idle=2 * D, types=("billing-explanation", "credit-request"))
        if case is None:
            return
        who, channel = self.customer(case)
        agent = self.agent(case)
        t = case.updated_at + H
        day = timezone.localdate(t) - timedelta(days=10)
        with clock.at(t):
            credit.do_flag_billing_error(
                case.account, description="Paperless discount missing from the last bill.", acting_user=agent
            )
        with clock.at(t + H):
            req = credit.do_request_credit(
                case,
                self.ask("60.00", "I was overcharged and it took hours to sort out.", day, day),
                acting_user=who,
                channel=channel,
            )
        with clock.at(t + 2 * H):
            credit.do_decide_credit(
                req, action="offer", amount="30.00", acting_user=agent, note="The missing discount comes to $30.00."
            )
        with clock.at(t + D):
            credit.do_answer_offer(
                req,
                answer="counter",
                amount="45.00",
                acting_user=who,
                channel=channel,
                note="I also paid a late fee because of the wrong bill.",
            )
        with clock.at(t + D + 2 * H):
            credit.do_decide_credit(
                req,
                action="offer",
                amount="40.00",
                acting_user=agent,
                note="Let us meet in the middle: the discount plus most of the fee.",
            )
        with clock.at(t + D + 5 * H):
            credit.do_answer_offer(req, answer="accept", acting_user=who, channel=channel)


def build(builder: Any) -> None:
    ensure_default_policy()
    demo = _Demo(builder)
    area = demo.outages()
    demo.declined_then_relaxed()
    demo.approved_by_a_supervisor(area)
    demo.counter_offer_accepted()
    demo.approved_by_a_supervisor(area, pending=True)
