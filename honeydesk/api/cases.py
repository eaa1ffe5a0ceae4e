"""Cases, their timeline and the workflow actions. Thin: access -> action -> schema."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import HttpRequest
from ninja import Query, Router
from ninja import Status as Reply

from honeydesk.accounts.models import Department, User
from honeydesk.api import schemas as s
from honeydesk.api.serialize import case_dict, entry_dict
from honeydesk.cases import access, actions, properties, queries
from honeydesk.cases.models import Attachment, Case, CaseField, RequestType, Status, TimelineEntry
from honeydesk.cases.queries import page_of
from honeydesk.cases.search import Hit, Order
from honeydesk.lib.errors import InvalidInput, VersionRequired

router = Router(tags=["cases"])

CASE_RELATED = ("account", "department", "owner", "request_type")


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined, no-any-return]


def _uploads(items: list[s.AttachmentIn]) -> list[actions.Upload]:
    uploads = []
    for i, item in enumerate(items):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput.field(f"attachments.{i}.content_base64", "Not valid base64.") from None
        uploads.append(actions.Upload(item.filename, item.content_type, content))
    return uploads


def _encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = raw.partition(":")
        if kind != "id":
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput.field("cursor", "Not a cursor this API gave out.") from None


def required_version(payload: s.VersionIn) -> int:
    """Writes that change a case need the version the caller saw (409 without it)."""
    if payload.version is None:
        raise VersionRequired()
    return payload.version


@router.get("/cases", response={200: s.CaseList, **s.errors(*s.READ)}, summary="List or search the cases you can see")
def list_cases(request: HttpRequest, filters: Query[s.CaseFilters]) -> dict[str, Any]:
    user = _user(request)
    cases = access.cases_visible_to(user).select_related(*CASE_RELATED).order_by("-id")
    if filters.status:
        wanted = [v.strip() for v in filters.status.split(",")]
        unknown = [v for v in wanted if v not in Status.values]
        if unknown:
            raise InvalidInput.field("status", f"Unknown status {', '.join(unknown)}; use {', '.join(Status.values)}.")
        cases = cases.filter(status__in=wanted)
    if filters.owner:
        if not user.is_staff_member:
            # Customers do not learn staff sign-in names, not even whether one exists.
            raise InvalidInput.field("owner", "Customers cannot filter by owner.")
        if filters.owner == "none":
            cases = cases.filter(owner__isnull=True)
        elif filters.owner == "me":
            cases = cases.filter(owner=user)
        else:
            # An unknown name is a typo to report, not a silently empty list.
            owner_id = User.objects.filter(username=filters.owner).values_list("pk", flat=True).first()
            if owner_id is None:
                raise InvalidInput.field("owner", f"Unknown owner {filters.owner!r}; use me, none or a username.")
            cases = cases.filter(owner_id=owner_id)
    if filters.department:
        department_id = Department.objects.filter(slug=filters.department).values_list("pk", flat=True).first()
        if department_id is None:
            raise InvalidInput.field("department", f"Unknown department {filters.department!r}.")
        cases = cases.filter(department_id=department_id)
    if filters.request_type:
        type_id = RequestType.objects.filter(slug=filters.request_type).values_list("pk", flat=True).first()
        if type_id is None:
            raise InvalidInput.field("request_type", f"Unknown request type {filters.request_type!r}.")
        cases = cases.filter(request_type_id=type_id)
    if filters.updated_since:
        cases = cases.filter(updated_at__gte=filters.updated_since)
    if filters.tag or filters.field:
        cases = _desk_filters(user, filters, cases)
    if filters.q is not None and filters.q.strip():
        return _search(user, filters, cases)
    if filters.cursor:
        cases = cases.filter(id__lt=_decode_cursor(filters.cursor))
    page = page_of(cases.order_by("-id"), 0, filters.limit + 1)
    more = len(page) > filters.limit
    page = page[: filters.limit]
    if user.is_staff_member:
        # page_of reads its rows itself: the tags are fetched for the page, in one query.
        prefetch_related_objects(page, "tags")
    return {
        "items": [case_dict(c, staff=user.is_staff_member) for c in page],
        "next_cursor": _encode_cursor(page[-1].pk) if more else None,
    }


def _desk_filters(user: User, filters: s.CaseFilters, cases: QuerySet[Case]) -> QuerySet[Case]:
    if not user.is_staff_member:
        # Tags and custom fields are staff's record of a case.
        raise InvalidInput.field("tag" if filters.tag else "field", "Customers cannot filter by tags or fields.")
    if filters.tag:
        cases = properties.with_tag(cases, filters.tag)
    if filters.field:
        key, _, value = filters.field.partition(":")
        found = CaseField.objects.filter(key=key).first()
        if found is None:
            raise InvalidInput.field("field", f"Unknown custom field {key!r}; see GET /case-fields.")
        cases = properties.with_field(cases, found, value, "field")
    return cases


def _search(user: User, filters: s.CaseFilters, cases: QuerySet[Case]) -> dict[str, Any]:
    """The same search as the workspace's (and the portal's, for a customer's token),
    with this endpoint's filters inside it; the cursor pages through every match."""
    found = queries.search_cases(
        user, filters.q or "", within=cases, order=Order(filters.order), after=filters.cursor, size=filters.limit
    )
    staff = user.is_staff_member
    if staff:
        prefetch_related_objects([hit.case for hit in found.hits], "tags")
    return {
        "items": [{**case_dict(hit.case, staff=staff), "highlights": _highlights(hit)} for hit in found.hits],
        "next_cursor": found.next_cursor,
    }


def _highlights(hit: Hit) -> list[dict[str, Any]]:
    out = []
    for field, parts, entry in (
        ("subject", hit.subject, None),
        ("customer", hit.customer, None),
        ("timeline", hit.snippet.parts if hit.snippet else [], hit.snippet.entry.pk if hit.snippet else None),
    ):
        text, ranges = "", []
        for piece, matched in parts:
            if matched:
                ranges.append((len(text), len(text) + len(piece)))
            text += piece
        if ranges:
            out.append({"field": field, "text": text, "ranges": ranges, "entry": entry})
    return out


@router.post("/cases", response={201: s.CaseOut, **s.errors(*s.WRITE)}, summary="Open a case")
def create_case(request: HttpRequest, payload: s.CaseCreate) -> Reply[dict[str, Any]]:
    user = _user(request)
    if not user.is_staff_member:
        # Priority and channel are staff's judgement; a customer's case starts normal, via the API.
        if payload.priority != "normal":
            raise InvalidInput.field("priority", "Only staff set the priority of a case.")
        if payload.channel != "api":
            raise InvalidInput.field("channel", "Cases customers open through the API are on the api channel.")
    accounts = access.accounts_visible_to(user)
    if payload.account_number:
        account = access.account_numbered(user, payload.account_number)
    elif not user.is_staff_member and accounts.count() == 1:
        account = accounts.first()
    else:
        raise InvalidInput.field("account_number", "Account number is required.")
    if account is None:
        raise InvalidInput.field("account_number", "No such account.")
    request_type = queries.request_type_by_slug(payload.request_type)
    if request_type is None:
        raise InvalidInput.field("request_type", f"Unknown request type {payload.request_type!r}.")
    contact = None
    if payload.contact_id is not None:
        contact = account.contacts.filter(pk=payload.contact_id).first()
        if contact is None:
            raise InvalidInput.field("contact_id", "That contact is not on this account.")
    elif not user.is_staff_member:
        contact = account.contacts.filter(user=user).first()
    opening = actions.Opening(
        account=account,
        request_type=request_type,
        subject=payload.subject,
        body=payload.body,
        goal=payload.goal,
        priority=payload.priority,
        contact=contact,
        facts=payload.facts,
        channel=payload.channel,
        uploads=_uploads(payload.attachments),
    )
    case = actions.do_open_case(opening, acting_user=user)
    # An agent may open a case for another department, which they then cannot see: they
    # still get what they created (201), not a 404 for a case that exists.
    # The new case carries its relations already; its creator may see it (or, an agent
    # opening it for another department, is told what was created once).
    return Reply(201, case_dict(case, staff=user.is_staff_member))


@router.get("/cases/{ref}", response={200: s.CaseOut, **s.errors(*s.READ)}, summary="Get a case by reference")
def get_case(request: HttpRequest, ref: str) -> dict[str, Any]:
    user = _user(request)
    return case_dict(access.case_for(user, ref), staff=user.is_staff_member)


@router.get(
    "/cases/{ref}/timeline",
    response={200: list[s.EntryOut], **s.errors(*s.READ)},
    summary="The case's timeline, oldest first",
)
def timeline(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    user = _user(request)
    case = access.case_for(user, ref)
    entries = (
        access.entries_visible_to(user, case)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )
    return [entry_dict(e, staff=user.is_staff_member) for e in entries]


def _entry_response(user: User, entry: TimelineEntry) -> Reply[dict[str, Any]]:
    entry = TimelineEntry.objects.select_related("author").prefetch_related("attachments").get(pk=entry.pk)
    return Reply(201, entry_dict(entry, staff=user.is_staff_member))


@router.post("/cases/{ref}/replies", response={201: s.EntryOut, **s.errors(*s.WRITE)}, summary="Add a public message")
def add_reply(request: HttpRequest, ref: str, payload: s.ReplyIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    case = access.case_for(user, ref)
    version = required_version(payload)
    uploads = _uploads(payload.attachments)
    if user.is_staff_member:
        entry = actions.do_add_reply(
            case, body=payload.body, acting_user=user, channel="api", uploads=uploads, expected_version=version
        )
    else:
        # A customer writing after the reopen window starts a new case linked to this one,
        # exactly as a portal message or an e-mail would.
        entry = actions.check_customer_writes(
            case, body=payload.body, acting_user=user, channel="api", uploads=uploads, expected_version=version
        )
    return _entry_response(user, entry)


@router.post(
    "/cases/{ref}/notes", response={201: s.EntryOut, **s.errors(*s.WRITE)}, summary="Add an internal note (staff)"
)
def add_note(request: HttpRequest, ref: str, payload: s.NoteIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    access.require_staff(user)
    case = access.case_for(user, ref)
    entry = actions.do_add_note(case, body=payload.body, acting_user=user, uploads=_uploads(payload.attachments))
    return _entry_response(user, entry)


@router.post("/cases/{ref}/calls", response={201: s.EntryOut, **s.errors(*s.WRITE)}, summary="Log a call (staff)")
def add_call(request: HttpRequest, ref: str, payload: s.CallIn) -> Reply[dict[str, Any]]:
    user = _user(request)
    access.require_staff(user)
    case = access.case_for(user, ref)
    entry = actions.do_log_call(
        case,
        body=payload.body,
        acting_user=user,
        direction=payload.direction,
        duration_seconds=payload.duration_seconds,
        phone=payload.phone,
        public=payload.public,
    )
    return _entry_response(user, entry)


def staff_case(request: HttpRequest, ref: str) -> tuple[User, Case]:
    user = _user(request)
    access.require_staff(user)
    return user, access.case_for(user, ref)


def _done(user: User, case: Case) -> dict[str, Any]:
    # Re-read through the door: after a transfer the actor may no longer see the case.
    fresh = access.cases_visible_to(user).select_related(*CASE_RELATED).filter(pk=case.pk).first()
    return case_dict(fresh or Case.objects.select_related(*CASE_RELATED).get(pk=case.pk), staff=user.is_staff_member)


def _staff_member(username: str, field: str = "owner") -> User:
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None or not found.is_staff_member:
        raise InvalidInput.field(field, f"No staff member {username!r}.")
    return found


@router.post("/cases/{ref}/assign", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Assign (or take) a case")
def assign(request: HttpRequest, ref: str, payload: s.AssignIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    owner = _staff_member(payload.owner)
    case = actions.do_assign(case, owner, acting_user=user, expected_version=required_version(payload), channel="api")
    return _done(user, case)


@router.post(
    "/cases/{ref}/transfer", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Transfer with a hand-off summary"
)
def transfer(request: HttpRequest, ref: str, payload: s.TransferIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    department = Department.objects.filter(slug=payload.department).first()
    if department is None:
        raise InvalidInput.field("department", f"Unknown department {payload.department!r}.")
    owner = _staff_member(payload.owner) if payload.owner else None
    case = actions.do_transfer(
        case,
        department,
        summary=payload.summary,
        owner=owner,
        acting_user=user,
        expected_version=required_version(payload),
        channel="api",
    )
    return _done(user, case)


@router.post(
    "/cases/{ref}/move", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Move to another customer account"
)
def move(request: HttpRequest, ref: str, payload: s.MoveIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    account = access.account_numbered(user, payload.account_number)
    if account is None:
        raise InvalidInput.field("account_number", f"No account {payload.account_number!r}.")
    if payload.contact_id is not None:
        contact = account.contacts.filter(pk=payload.contact_id).first()
        if contact is None:
            raise InvalidInput.field("contact_id", "That contact is not on this account.")
    else:
        only = list(account.contacts.all()[:2])
        contact = only[0] if len(only) == 1 else None
    case = actions.do_move_to_account(
        case,
        account,
        contact=contact,
        remember_phone=payload.remember_phone,
        acting_user=user,
        expected_version=required_version(payload),
        channel="api",
    )
    return _done(user, case)


@router.post(
    "/cases/{ref}/escalate",
    response={200: s.CaseOut, **s.errors(*s.WRITE)},
    summary="Ask for a supervisor, with a reason",
)
def escalate(request: HttpRequest, ref: str, payload: s.EscalateIn) -> dict[str, Any]:
    user = _user(request)
    case = access.case_for(user, ref)
    case = actions.do_escalate(
        case, reason=payload.reason, acting_user=user, expected_version=required_version(payload), channel="api"
    )
    return _done(user, case)


@router.post(
    "/cases/{ref}/take-escalation",
    response={200: s.CaseOut, **s.errors(*s.WRITE)},
    summary="Supervisor takes the escalation",
)
def take_escalation(request: HttpRequest, ref: str, payload: s.VersionIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    case = actions.do_take_escalation(case, acting_user=user, expected_version=required_version(payload))
    return _done(user, case)


@router.post(
    "/cases/{ref}/resolve", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Resolve with a resolution note"
)
def resolve(request: HttpRequest, ref: str, payload: s.ResolveIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    case = actions.do_resolve(
        case, note=payload.note, acting_user=user, expected_version=required_version(payload), channel="api"
    )
    return _done(user, case)


@router.post("/cases/{ref}/reopen", response={200: s.CaseOut, **s.errors(*s.WRITE)}, summary="Reopen a resolved case")
def reopen(request: HttpRequest, ref: str, payload: s.ReopenIn) -> dict[str, Any]:
    user, case = staff_case(request, ref)
    case = actions.do_reopen(
        case, reason=payload.reason, acting_user=user, expected_version=required_version(payload), channel="api"
    )
    return _done(user, case)
