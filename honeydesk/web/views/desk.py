"""The agent workspace: queues, the case page, its composer and actions, search."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from honeydesk.accounts.actions import find_contact_by_point
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, Role, User
from honeydesk.cases import access, actions, queries, tone_guard
from honeydesk.cases.models import (
    Case,
    Escalation,
    Priority,
    Proposal,
    RequestType,
    Status,
    TimelineEntry,
    Tone,
    parse_ref,
)
from honeydesk.cases.search import Order
from honeydesk.intelligence.suggest import suggest
from honeydesk.lib import clock
from honeydesk.lib.errors import DomainError, InvalidInput, VersionRequired
from honeydesk.rules.engine import away_ids, is_away
from honeydesk.web.rows import queue_rows
from honeydesk.web.views import desk_tools, merging, promises
from honeydesk.web.views.common import page, parse_int, required_version, staff_required, user_of

PAGE_SIZE = 50
# Nobody pages 10,000 pages into a queue; a bigger number is clamped, not a server error.
MAX_PAGE = 10_000


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    cases, key, filters = desk_tools.filtered_queue(request, user)
    # Escalations are worked longest-waiting first; other queues show recent changes first.
    default_sort = "waiting" if key == "escalated" else "updated"
    sort = request.GET.get("sort", default_sort)
    if sort not in queries.SORTS:
        sort = default_sort
    if sort == "priority":
        cases = queries.with_priority_rank(cases)
    elif sort == "waiting":
        cases = queries.with_waiting_since(cases)
    cases = cases.order_by(*queries.SORTS[sort])
    # No COUNT(*) over the whole queue for the pager: the tab count already says it.
    page_number = min(parse_int(request.GET.get("page")) or 1, MAX_PAGE)
    start = (page_number - 1) * PAGE_SIZE
    rows = queries.page_of(cases, start, PAGE_SIZE + 1)
    if key == "escalated":
        prefetch_related_objects(
            rows,
            Prefetch(
                "escalations",
                queryset=Escalation.objects.filter(taken_at__isnull=True).select_related("requested_by"),
                to_attr="open_escalations",
            ),
            Prefetch(
                "proposals",
                queryset=Proposal.objects.filter(kind=Proposal.Kind.ESCALATE, decided_at__isnull=True),
                to_attr="open_proposals",
            ),
        )
    context: dict[str, Any] = {
        "queue_key": key,
        "tabs": [
            (q, n) for q, n in zip(queries.visible_queues(user), queries.queue_counts(user).values(), strict=True)
        ],
        "rows": queue_rows(rows[:PAGE_SIZE]),
        "has_next": len(rows) > PAGE_SIZE,
        "page_number": page_number,
        "sort": sort,
        "sorts": list(queries.SORT_LABELS.items()),
        "filters": filters,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "request_types": RequestType.objects.filter(active=True).only("slug", "name"),
        "departments": Department.objects.all() if user.sees_everything else user.departments.all(),
        "staff": _assignable_staff(user) if user.sees_everything else [],
    }
    return page(request, "desk/queue.html", "desk/_queue_rows.html", context)


def _assignable_staff(user: User) -> list[User]:
    """Everyone who may own cases, by name; those away are marked (`away`)."""
    people = list(
        User.objects.filter(role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMIN], is_active=True).order_by(
            "first_name", "username"
        )
    )
    away = away_ids([u.pk for u in people])
    for person in people:
        person.away = person.pk in away  # type: ignore[attr-defined]
    return people


@require_POST
@staff_required
def bulk_assign(request: HttpRequest) -> HttpResponse:
    """Supervisors reassign several cases at once; each one is its own action."""
    user = user_of(request)
    if not user.sees_everything:
        messages.error(request, "Only supervisors reassign cases in bulk.")
        return redirect("web:queue")
    back = _next_url(request)
    owner = User.objects.filter(pk=parse_int(request.POST.get("owner")) or 0, is_active=True).first()
    picked = request.POST.getlist("cases")
    if owner is None or not picked:
        messages.error(request, "Choose the cases and the new owner.")
        return redirect(back)
    moved, failed = 0, []
    for value in picked[:200]:
        # Each box carries "HD-000123@7": the case and the version the queue showed.
        ref, _, seen = value.partition("@")
        try:
            version = parse_int(seen)
            if version is None:
                raise VersionRequired()
            case = access.case_for(user, ref)
            actions.do_assign(case, owner, acting_user=user, expected_version=version)
            moved += 1
        except DomainError as exc:
            failed.append(f"{ref}: {exc.message}")
    if moved:
        messages.success(request, f"{moved} case(s) now owned by {owner.display_name}.")
    for problem in failed[:10]:
        messages.error(request, problem)
    return redirect(back)


def _next_url(request: HttpRequest) -> str:
    """Where to go back to: a page of this site only (never an address another site
    slipped into the form)."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return reverse("web:queue")


def _case_context(request: HttpRequest, case: Case, **extra: Any) -> dict[str, Any]:
    user = user_of(request)
    # The cases merged into this one: listed on the page and read by the timeline's door.
    merged = Prefetch("merged_cases", queryset=Case.objects.only("id", "subject", "merged_into"))
    prefetch_related_objects([case], merged)
    entries = list(queries.case_page_entries(user, case))
    points = list(case.contact.points.all()) if case.contact else []
    return {
        "case": case,
        "entries": entries,
        "panel": queries.customer_panel(user, case),
        "escalation": queries.open_escalation(case),
        "departments": Department.objects.exclude(pk=case.department_id),
        "staff": _department_staff(case),
        "contact_points": points,
        "is_supervisor": user.sees_everything,
        "reopen_deadline": actions.reopen_deadline(case),
        "facts": _labelled_facts(case),
        "now": clock.now(),
        "hints": tone_guard.DEESCALATION_HINTS.get(Tone(case.attention), []),
        "boundary_reply": tone_guard.BOUNDARY_REPLY.format(problem=case.subject.lower()),
        "suggestions": suggest(f"{case.subject} {_first_message(case, entries)}", public_only=False),
        **promises.case_extras(user, case, entries, points),
        **extra,
    }


def _labelled_facts(case: Case) -> list[tuple[str, str]]:
    """The customer's facts under the labels their request type gives them."""
    labels = {n["key"]: n.get("label", n["key"]) for n in case.request_type.needs}
    return [(labels.get(k, k.replace("_", " ").capitalize()), str(v)) for k, v in case.facts.items() if v]


def _first_message(case: Case, timeline: list[TimelineEntry]) -> str:
    """The case's own first message (not a merged case's), from its timeline in time order."""
    inbound = TimelineEntry.Kind.INBOUND
    return next((e.body for e in timeline if e.kind == inbound and e.case_id == case.pk), "")


def _department_staff(case: Case) -> list[tuple[str, Sequence[User]]]:
    """Who may own the case, grouped: the department's available reps first, the one
    with the fewest open cases at the top (so the default choice is the most available
    rep), then its reps who are away (the rules give them no new work either), then the
    supervisors, then the admins. Each person carries `open_cases` and `away`."""
    agents = User.objects.filter(is_active=True, role=Role.AGENT, departments=case.department_id).values("id")
    # Each person's open cases counted on the (owner, active) index, and whether they are
    # away, in the same statement as the people.
    load = Case.objects.filter(owner=OuterRef("pk"), active=1).order_by().values("owner").annotate(n=Count("id"))
    people = list(
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=agents) | Q(role__in=[Role.SUPERVISOR, Role.ADMIN]))
        .annotate(open_cases=Coalesce(Subquery(load.values("n")), 0), away=is_away(OuterRef("pk")))
    )
    people.sort(key=lambda u: (u.open_cases, u.first_name, u.username))
    reps = [u for u in people if u.role == Role.AGENT]
    groups = [
        (f"{case.department.name} reps, fewest open cases first", [u for u in reps if not u.away]),
        (f"{case.department.name} reps who are away", [u for u in reps if u.away]),
        ("Supervisors", [u for u in people if u.role == Role.SUPERVISOR]),
        ("Admins", [u for u in people if u.role == Role.ADMIN]),
    ]
    return [(label, members) for label, members in groups if members]


@require_GET
@staff_required
def case_page(request: HttpRequest, ref: str) -> HttpResponse:
    case = access.case_for(user_of(request), ref)
    if moved := merging.followed(user_of(request), case, "web:case"):
        messages.info(
            request,
            f"{case.ref} was merged into this case; its entries are marked with its reference. "
            "To undo the merge, open “Merged into this case”.",
        )
        return moved
    return page(request, "desk/case.html", None, _case_context(request, case))


def _after_action(
    request: HttpRequest,
    ref: str,
    error: DomainError | None = None,
    form: dict[str, str] | None = None,
    *,
    draft: bool = False,
) -> HttpResponse:
    """Re-render the case's main region (htmx) or redirect back (plain form post). `draft`:
    the form holds text for the composer (a macro's reply), which a redirect would drop, so
    a plain post is answered with the whole page instead."""
    user = user_of(request)
    try:
        case = access.case_for(user, ref)
    except DomainError:
        # The action moved the case out of this person's sight (a transfer).
        messages.success(request, f"{ref} was handed over.")
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("web:queue")
            return response
        return redirect("web:queue")
    if error is None and not draft and not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:case", ref=case.ref)
    form = form or {}
    coach = _coach_reading(user, case, form.get("body", "")) if form.get("mode", "reply") == "reply" else None
    context = _case_context(request, case, error=error, form=form, coach=coach)
    status = 200 if error is None or request.htmx else error.status  # type: ignore[attr-defined]
    return page(request, "desk/case.html", "desk/_case_main.html", context, status=status)


def _act(request: HttpRequest, ref: str, run: Any) -> HttpResponse:
    user = user_of(request)
    case = access.case_for(user, ref)
    try:
        run(user, case)
    except DomainError as exc:
        return _after_action(request, ref, exc, {k: str(v) for k, v in request.POST.items()})
    return _after_action(request, ref)


@require_POST
@staff_required
def compose(request: HttpRequest, ref: str) -> HttpResponse:
    mode = request.POST.get("mode", "reply")
    body = request.POST.get("body", "")
    uploads = [actions.Upload.from_file(f) for f in request.FILES.getlist("attachments")]
    # Focused typing time measured by typing.js (handle time); missing or odd: unmeasured.
    composed = parse_int(request.POST.get("compose_seconds"))
    compose_seconds = composed if composed is not None and composed <= 24 * 3600 else None

    def run(user: User, case: Case) -> None:
        if mode == "note":
            actions.do_add_note(case, body=body, acting_user=user, uploads=uploads, compose_seconds=compose_seconds)
        elif mode == "call":
            minutes = request.POST.get("minutes", "").strip()
            if minutes and not minutes.isdigit():
                raise InvalidInput.field("minutes", "Minutes must be a whole number.")
            actions.do_log_call(
                case,
                body=body,
                acting_user=user,
                direction=request.POST.get("direction", "inbound"),
                duration_seconds=int(minutes) * 60 if minutes else None,
            )
        else:
            actions.do_add_reply(
                case,
                body=body,
                acting_user=user,
                uploads=uploads,
                expected_version=required_version(request),
                compose_seconds=compose_seconds,
            )

    return _act(request, ref, run)


@require_POST
@staff_required
def case_action(request: HttpRequest, ref: str, name: str) -> HttpResponse:
    post = request.POST

    def run(user: User, case: Case) -> None:
        version = required_version(request)
        if name == "take":
            actions.do_assign(case, user, acting_user=user, expected_version=version)
        elif name == "assign":
            owner = User.objects.filter(pk=parse_int(post.get("owner")) or 0, is_active=True).first()
            if owner is None:
                raise InvalidInput.field("owner", "Choose who should own the case.")
            actions.do_assign(case, owner, acting_user=user, expected_version=version)
        elif name == "transfer":
            department = Department.objects.filter(pk=parse_int(post.get("department")) or 0).first()
            if department is None:
                raise InvalidInput.field("department", "Choose the department to transfer to.")
            actions.do_transfer(
                case, department, summary=post.get("summary", ""), acting_user=user, expected_version=version
            )
        elif name == "escalate":
            actions.do_escalate(case, reason=post.get("reason", ""), acting_user=user, expected_version=version)
        elif name == "take-escalation":
            actions.do_take_escalation(case, acting_user=user, expected_version=version)
        elif name == "pending":
            actions.do_set_pending(case, acting_user=user, expected_version=version)
        elif name == "resolve":
            actions.do_resolve(case, note=post.get("note", ""), acting_user=user, expected_version=version)
        elif name == "reopen":
            actions.do_reopen(case, reason=post.get("reason", ""), acting_user=user, expected_version=version)
        elif name in desk_tools.CASE_ACTIONS:
            desk_tools.CASE_ACTIONS[name](post, user, case, version)
        elif name == "move":
            account, contact = _move_target(user, post.get("account", ""), post.get("contact", ""))
            actions.do_move_to_account(
                case,
                account,
                contact=contact,
                remember_phone=_caller_number(case) if post.get("remember") else "",
                acting_user=user,
                expected_version=version,
            )
        else:
            raise InvalidInput.field("action", f"Unknown action {name!r}.")

    return _act(request, ref, run)


def _move_target(user: User, number: str, who: str) -> tuple[CustomerAccount, Contact | None]:
    """The account typed by number, and on it the contact typed by e-mail or phone (or
    its only contact when none is typed)."""
    account = access.accounts_visible_to(user).filter(number=number.strip()).first()
    if account is None:
        raise InvalidInput.field("account", f"There is no account {number.strip()!r}.")
    contacts = list(account.contacts.all()[:2])
    if not who.strip():
        return account, contacts[0] if len(contacts) == 1 else None
    kind = ContactPoint.Kind.EMAIL if "@" in who else ContactPoint.Kind.PHONE
    contact = find_contact_by_point(kind, who)
    if contact is None or contact.account_id != account.pk:
        raise InvalidInput.field("contact", f"No contact on account {account.number} has {who.strip()!r}.")
    return account, contact


def _caller_number(case: Case) -> str:
    """The number the case's latest call came from, for "remember this number"."""
    from honeydesk.channels.phone.models import CallEvent

    number = (
        CallEvent.objects.filter(case=case)
        .exclude(caller_e164="")
        .order_by("-id")
        .values_list("caller_e164", flat=True)
        .first()
    )
    if not number:
        raise InvalidInput.field("remember", "No call with a caller's number is on this case.")
    return number


SEARCH_FILTERS = {"status": Status.values, "priority": Priority.values}


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """Words, names, numbers or a reference, among the cases this person may see, with
    the queue's filters in the same query; ranked, highlighted, paged by cursor."""
    user = user_of(request)
    query = request.GET.get("q", "")[:200]
    order = Order.NEWEST if request.GET.get("order") == Order.NEWEST else Order.RELEVANCE
    filters: dict[str, Any] = {key: request.GET.get(key, "") for key in (*SEARCH_FILTERS, "department")}
    cases = access.cases_visible_to(user)
    for key, allowed in SEARCH_FILTERS.items():
        if filters[key] in allowed:
            cases = cases.filter(**{key: filters[key]})
    departments = Department.objects.all() if user.sees_everything else user.departments.all()
    if filters["department"]:
        cases = cases.filter(department__in=[d.pk for d in departments if d.slug == filters["department"]])
    cases, more = desk_tools.desk_filters(request, cases)
    filters.update(more)
    try:
        found = queries.search_cases(user, query, within=cases, order=order, after=request.GET.get("after") or None)
    except InvalidInput:  # a cursor from another search: start again at the first page
        found = queries.search_cases(user, query, within=cases, order=order)
    hits = found.hits
    if len(hits) == 1 and parse_ref(query) and query.strip().upper().startswith("HD"):
        return redirect("web:case", ref=hits[0].case.ref)
    context = {
        "q": query,
        "hits": hits,
        "order": order.value,
        "orders": [("relevance", "Best match"), ("newest", "Newest first")],
        "filters": filters,
        "statuses": Status.choices,
        "priorities": Priority.choices,
        "departments": departments,
        "next_cursor": found.next_cursor,
        "first_page": not request.GET.get("after"),
    }
    return page(request, "desk/search.html", None, context)


COACH_CHECKS = [
    ("acknowledges_problem", "Acknowledges the specific problem"),
    ("empathy_or_apology", "Empathy or apology"),
    ("validates_feelings", "Validates feelings"),
    ("takes_ownership", "Takes ownership (I will…)"),
    ("concrete_next_step", "Concrete next step"),
    ("next_step_has_time", "A time for that step"),
    ("uses_customer_name", "Uses the customer's name"),
]
COACH_WARNINGS = [
    ("blames_customer", "Blames the customer"),
    ("defensive_or_policy_hiding", "Defensive or hides behind policy"),
    ("jargon", "Unexplained jargon"),
]


def _coach_reading(user: User, case: Case, draft: str) -> dict[str, Any] | None:
    """The listening coach's reading of a reply draft (None for an empty one): what the
    coach view answers as the rep types, and what the case page shows at once when it comes
    back with a draft in the composer (a macro's reply), so that reading is never left to a
    second request from the browser."""
    if not draft.strip():
        return None
    from honeydesk.intelligence.analyze import analyze_draft

    last = (
        access.entries_visible_to(user, case)
        .filter(kind="inbound")
        .order_by("-created_at", "-id")
        .values_list("body", flat=True)
        .first()
    )
    name = case.contact.name.split(" ")[0] if case.contact and case.contact.name else None
    result = analyze_draft(draft, last or case.subject, name)
    flags = result["flags"]
    return {
        "grade": result["grade"],
        "checks": [(label, flags[key]) for key, label in COACH_CHECKS],
        "warnings": [(label, flags[key]) for key, label in COACH_WARNINGS if flags[key]["value"]],
    }


@require_POST
@staff_required
def coach(request: HttpRequest, ref: str) -> HttpResponse:
    """The listening coach: checks the rep's draft as they type (htmx, debounced)."""
    user = user_of(request)
    case = access.case_for(user, ref)
    reading = None
    if request.POST.get("mode", "reply") == "reply":
        reading = _coach_reading(user, case, request.POST.get("body", "")[:20_000])
    if reading is None:
        return HttpResponse("")
    return page(request, "desk/_coach.html", "desk/_coach.html", reading)
