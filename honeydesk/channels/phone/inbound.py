"""Call events from the telephony system (CTI): the phone channel's way in.

`do_record_call_event` is the whole pipeline for one event:

- The caller is matched to a contact by number, normalised to E.164.
- `ringing` is recorded, nothing more.
- `answered` with talk time, or `ended` (with talk time, or after an `answered`), becomes
  ONE call-log entry per call (kind call, channel phone) on the caller's active case, or
  on a new case. Later events of the same call point at that same entry.
- `wrapup_ended`: the rep's after-call work on the call ended. It points at the call's
  call-log entry (nothing is added to the timeline) and gives the call's wrap-up for
  handle time: `wrapup_seconds` when the CTI sends it, else the time from the call's
  `ended` event to this one. `wrapup_seconds` on any other event is refused (422).
- `missed` and `abandoned` create a call-back task for the department (or fold into an
  open one for the same number) and leave an internal note on the caller's active case.
- The same event delivered again (same call_id and event) changes nothing and answers
  what the first delivery answered, with `duplicate: true`.

Decisions (see also policy.py for the due-time rule):

- **Which department.** The queue name picks a request type: one whose slug equals the
  queue, else the first active one (call-first types before others) of the department
  whose slug or name equals the queue. With no match, the caller's active case decides
  the department, else the default request type (`PHONE_DEFAULT_REQUEST_TYPE` slug,
  default "general"; else the first active call-first type; else the first active type).
- **Which case.** When the queue names a department, the caller's most recent active case
  *in that department* (a call to the repair line is about the repair, not the bill);
  otherwise their most recent active case anywhere. The caller's own cases come before
  other cases on their account. No active case: a new one, of the request type above.
- **Unknown callers** (a number no contact has) get cases on one placeholder customer
  account, "Unidentified callers" (number UNIDENTIFIED), with no contact and the number
  in the subject. A second call from the same unknown number lands on the same active
  case. Withheld numbers ("anonymous", "private", ... or none at all) get a new case per
  call and no call-back task: there is nobody to call.
- **The agent** (a staff username) is the acting user of the call log and owns a new
  case if they may work in its department. An agent name that is not a staff member is
  kept in the call data, and the posting user acts instead: the call is never lost
  because the CTI's agent list and ours disagree.
- Events of one call fill each other's gaps: an `ended` without caller, queue or agent
  takes them from the call's earlier events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from honeydesk.accounts.actions import do_create_account, find_contact_by_point
from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount, Department, Role, User
from honeydesk.cases import actions as case_actions
from honeydesk.cases.models import ACTIVE_STATUSES, Case, Channel, RequestType
from honeydesk.channels.phone.models import (
    CallEvent,
    CallEventKind,
)
from honeydesk.channels.phone.outbound import callback_for_missed
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition
from honeydesk.lib.phones import to_e164

UNIDENTIFIED_ACCOUNT_NUMBER = "UNIDENTIFIED"
UNIDENTIFIED_ACCOUNT_NAME = "Unidentified callers"
DEFAULT_REQUEST_TYPE_SLUG = "general"
WITHHELD_MARKERS = frozenset({"anonymous", "private", "withheld", "restricted", "unknown", "unavailable"})
MAX_SECONDS = 24 * 3600

_http_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class CallEventData:
    """One event as the CTI posted it."""

    call_id: str
    event: str
    caller: str = ""
    queue: str = ""
    agent: str = ""
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    recording_url: str = ""
    at: datetime | None = None
    wrapup_seconds: int | None = None


@dataclass(frozen=True)
class CallResult:
    call_id: str
    event: str
    case: str | None
    entry_id: int | None
    callback_task: int | None
    duplicate: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "event": self.event,
            "case": self.case,
            "entry_id": self.entry_id,
            "callback_task": self.callback_task,
            "duplicate": self.duplicate,
        }


@dataclass(frozen=True)
class _Clean:
    call_id: str
    event: str
    caller_raw: str
    caller_e164: str  # "" when withheld or not given
    caller_given: bool
    queue: str
    agent: str
    wait_seconds: int | None
    talk_seconds: int | None
    recording_url: str
    at: datetime | None
    wrapup_seconds: int | None = None


# --- validation ---------------------------------------------------------------------


def check_call_event(data: CallEventData) -> _Clean:
    """Every problem at once, by field, as InvalidInput (422); nothing is written."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    call_id = (data.call_id or "").strip()
    if not call_id:
        bad("call_id", "call_id is required.")
    elif len(call_id) > 100:
        bad("call_id", "call_id is at most 100 characters.")
    if data.event not in CallEventKind.values:
        bad("event", f"Unknown event {data.event!r}; use one of {', '.join(CallEventKind.values)}.")

    caller_raw = (data.caller or "").strip()
    caller_e164 = ""
    if len(caller_raw) > 64:
        bad("caller", "The caller number is at most 64 characters.")
    elif caller_raw and caller_raw.lower() not in WITHHELD_MARKERS:
        caller_e164 = to_e164(caller_raw) or ""
        if not caller_e164:
            bad("caller", f"{caller_raw!r} is not a valid phone number.")

    queue = (data.queue or "").strip()
    if len(queue) > 80:
        bad("queue", "The queue name is at most 80 characters.")
    agent = (data.agent or "").strip()
    if len(agent) > 150:
        bad("agent", "The agent username is at most 150 characters.")
    for name, value in (
        ("wait_seconds", data.wait_seconds),
        ("talk_seconds", data.talk_seconds),
        ("wrapup_seconds", data.wrapup_seconds),
    ):
        if value is not None and not (0 <= value <= MAX_SECONDS):
            bad(name, f"{name} must be between 0 and {MAX_SECONDS} seconds.")
    if data.wrapup_seconds is not None and data.event != CallEventKind.WRAPUP_ENDED:
        bad("wrapup_seconds", "wrapup_seconds comes with the wrapup_ended event only.")

    recording_url = (data.recording_url or "").strip()
    if recording_url:
        try:
            if len(recording_url) > 500:
                raise ValidationError("too long")
            _http_url(recording_url)
        except ValidationError:
            bad("recording_url", "The recording URL must be an http(s) URL of at most 500 characters.")

    at = data.at
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at, timezone.get_default_timezone())

    if errors:
        raise InvalidInput("The call event is not valid.", fields=errors)
    return _Clean(
        call_id=call_id,
        event=data.event,
        caller_raw=caller_raw,
        caller_e164=caller_e164,
        caller_given=bool(caller_raw),
        queue=queue,
        agent=agent,
        wait_seconds=data.wait_seconds,
        talk_seconds=data.talk_seconds,
        recording_url=recording_url,
        at=at,
        wrapup_seconds=data.wrapup_seconds,
    )


# --- look-ups -----------------------------------------------------------------------


def _staff_named(username: str) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    return user if user is not None and user.is_staff_member else None


def request_type_for_queue(queue: str) -> RequestType | None:
    """The request type a call to this queue is about, or None when the queue names nothing."""
    if not queue:
        return None
    active = RequestType.objects.filter(active=True).select_related("department")
    found = active.filter(slug__iexact=queue).first()
    if found is not None:
        return found
    department = Department.objects.filter(Q(slug__iexact=queue) | Q(name__iexact=queue)).first()
    if department is None:
        return None
    # Call-first types ("call" sorts before "write") are what a phone line is for.
    return active.filter(department=department).order_by("best_channel", "name").first()


def default_request_type() -> RequestType:
    active = RequestType.objects.filter(active=True).select_related("department")
    slug = getattr(settings, "PHONE_DEFAULT_REQUEST_TYPE", DEFAULT_REQUEST_TYPE_SLUG)
    found = (
        active.filter(slug=slug).first()
        or active.filter(best_channel=RequestType.BestChannel.CALL).order_by("name").first()
        or active.order_by("name").first()
    )
    if found is None:
        raise InvalidTransition("No request types are set up, so a phone call cannot open a case.")
    return found


def _active_case(contact: Contact | None, e164: str, department: Department | None) -> Case | None:
    """The case this caller's call belongs on (see the module docstring)."""
    active = Case.objects.filter(status__in=ACTIVE_STATUSES).select_related("department", "owner")
    if department is not None:
        active = active.filter(department=department)
    if contact is not None:
        return (
            active.filter(contact=contact).order_by("-updated_at", "-id").first()
            or active.filter(account_id=contact.account_id).order_by("-updated_at", "-id").first()
        )
    if e164:
        earlier = (
            CallEvent.objects.filter(caller_e164=e164, case__isnull=False, case__in=active.filter(contact=None))
            .select_related("case__department", "case__owner")
            .order_by("-received_at", "-id")
            .first()
        )
        return earlier.case if earlier is not None else None
    return None


def unidentified_account() -> CustomerAccount:
    account = CustomerAccount.objects.filter(number=UNIDENTIFIED_ACCOUNT_NUMBER).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return do_create_account(
                number=UNIDENTIFIED_ACCOUNT_NUMBER, name=UNIDENTIFIED_ACCOUNT_NAME, acting_user=None
            )
    except (IntegrityError, InvalidInput):  # created meanwhile by a concurrent call
        return CustomerAccount.objects.get(number=UNIDENTIFIED_ACCOUNT_NUMBER)


def _may_own(user: User, department: Department) -> bool:
    return user.role != Role.AGENT or user.departments.filter(pk=department.pk).exists()


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "unknown"
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _who(contact: Contact | None, clean: _Clean) -> str:
    number = clean.caller_e164 or "a withheld number"
    return f"{contact.name} ({number})" if contact is not None else number


# --- the pipeline -------------------------------------------------------------------


def _result(event: CallEvent, *, duplicate: bool) -> CallResult:
    return CallResult(
        call_id=event.call_id,
        event=event.event,
        case=event.case.ref if event.case_id and event.case else None,
        entry_id=event.entry_id,
        callback_task=event.callback_id,
        duplicate=duplicate,
    )


def _stored(call_id: str, event: str) -> CallEvent | None:
    return CallEvent.objects.select_related("case").filter(call_id=call_id, event=event).first()


def do_record_call_event(data: CallEventData, *, acting_user: User) -> CallResult:
    """Record one CTI event and do what it means (see the module docstring). Idempotent."""
    clean = check_call_event(data)
    stored = _stored(clean.call_id, clean.event)
    if stored is not None:
        return _result(stored, duplicate=True)
    try:
        with transaction.atomic():
            event = _record(clean, acting_user=acting_user)
    except IntegrityError:
        # A concurrent delivery of the same event won the unique key; answer as it did.
        stored = _stored(clean.call_id, clean.event)
        if stored is None:
            raise
        return _result(stored, duplicate=True)
    return _result(event, duplicate=False)


def _record(clean: _Clean, *, acting_user: User) -> CallEvent:
    now = clock.now()
    earlier = list(CallEvent.objects.filter(call_id=clean.call_id).select_related("agent", "case", "entry"))
    caller_raw, caller_e164 = clean.caller_raw, clean.caller_e164
    if not clean.caller_given:
        source = next((e for e in earlier if e.caller_raw), None)
        if source is not None:
            caller_raw, caller_e164 = source.caller_raw, source.caller_e164
    queue = clean.queue or next((e.queue for e in earlier if e.queue), "")
    agent_username = clean.agent or next((e.agent_username for e in earlier if e.agent_username), "")
    agent = _staff_named(agent_username)
    contact = find_contact_by_point(ContactPoint.Kind.PHONE, caller_e164) if caller_e164 else None

    # Claim the idempotency key first: a concurrent duplicate fails here, before any work.
    event = CallEvent.objects.create(
        call_id=clean.call_id,
        event=clean.event,
        caller_raw=caller_raw,
        caller_e164=caller_e164,
        queue=queue,
        agent_username=agent_username,
        agent=agent,
        wait_seconds=clean.wait_seconds,
        talk_seconds=clean.talk_seconds,
        wrapup_seconds=clean.wrapup_seconds,
        recording_url=clean.recording_url,
        occurred_at=clean.at or now,
        received_at=now,
        posted_by=acting_user,
        contact=contact,
    )
    clean = replace(clean, caller_raw=caller_raw, caller_e164=caller_e164, queue=queue, agent=agent_username)
    if clean.event in (CallEventKind.ANSWERED, CallEventKind.ENDED):
        _log_conversation(event, clean, earlier, contact=contact, agent=agent, acting_user=acting_user)
    elif clean.event in (CallEventKind.MISSED, CallEventKind.ABANDONED):
        _missed(event, clean, contact=contact, acting_user=acting_user)
    elif clean.event == CallEventKind.WRAPUP_ENDED:
        _wrapped_up(event, earlier)
    return event


def _wrapped_up(event: CallEvent, earlier: list[CallEvent]) -> None:
    """The wrap-up points at the call's call-log entry, so its case's figures are read
    again; a call never logged (not answered) has no handle time to add it to."""
    logged = next(
        (e for e in earlier if e.entry_id is not None and e.event in (CallEventKind.ANSWERED, CallEventKind.ENDED)),
        None,
    )
    if logged is not None:
        event.case, event.entry = logged.case, logged.entry
        event.save(update_fields=["case", "entry"])


def _talked(clean: _Clean, earlier: list[CallEvent]) -> bool:
    if clean.talk_seconds:
        return True
    answered_before = any(e.event == CallEventKind.ANSWERED for e in earlier)
    return clean.event == CallEventKind.ENDED and answered_before


def _log_conversation(
    event: CallEvent,
    clean: _Clean,
    earlier: list[CallEvent],
    *,
    contact: Contact | None,
    agent: User | None,
    acting_user: User,
) -> None:
    logged = next((e for e in earlier if e.entry_id is not None), None)
    if logged is not None:
        # One call, one call-log entry: later events of the call point at it.
        event.case, event.entry = logged.case, logged.entry
        event.save(update_fields=["case", "entry"])
        return
    if not _talked(clean, earlier):
        return  # answered, talk time still unknown: the `ended` event will log it
    actor = agent or acting_user
    request_type = request_type_for_queue(clean.queue)
    department = request_type.department if request_type else None
    case = _active_case(contact, clean.caller_e164, department)
    if case is None:
        case = _open_phone_case(clean, contact, request_type or default_request_type(), actor=actor, agent=agent)
    data: dict[str, Any] = {
        "call_id": clean.call_id,
        "queue": clean.queue,
        "wait_seconds": clean.wait_seconds,
        "talk_seconds": clean.talk_seconds,
        "recording_url": clean.recording_url,
    }
    if clean.agent and agent is None:
        data["agent"] = clean.agent  # named by the CTI, but not one of our staff
    line = f" on the {clean.queue} line" if clean.queue else ""
    body = (
        f"Call from {_who(contact, clean)}{line}, answered by {actor.display_name}. "
        f"Waited {_duration(clean.wait_seconds)}, talked {_duration(clean.talk_seconds)}."
    )
    entry = case_actions.do_log_call(
        case,
        body=body,
        acting_user=actor,
        direction="inbound",
        duration_seconds=clean.talk_seconds,
        phone=clean.caller_e164,
        public=True,
        channel=Channel.PHONE,
        data=data,
    )
    event.case, event.entry = case, entry
    event.save(update_fields=["case", "entry"])


def _open_phone_case(
    clean: _Clean, contact: Contact | None, request_type: RequestType, *, actor: User, agent: User | None
) -> Case:
    account = contact.account if contact is not None else unidentified_account()
    who = contact.name if contact is not None else (clean.caller_e164 or "a withheld number")
    line = f" on the {clean.queue} line" if clean.queue else ""
    opening = case_actions.Opening(
        account=account,
        contact=contact,
        request_type=request_type,
        subject=f"Phone call from {who}"[:200],
        body=f"Inbound call{line} from {_who(contact, clean)}.",
        channel=Channel.PHONE,
        author_name=who,
    )
    case = case_actions.do_open_case(opening, acting_user=actor)
    if agent is not None and _may_own(agent, case.department):
        case = case_actions.do_assign(case, agent, acting_user=agent, channel=Channel.PHONE)
    return case


def _missed(event: CallEvent, clean: _Clean, *, contact: Contact | None, acting_user: User) -> None:
    request_type = request_type_for_queue(clean.queue)
    department = request_type.department if request_type else None
    case = _active_case(contact, clean.caller_e164, department)
    if department is None:
        department = case.department if case is not None else default_request_type().department
    task = None
    if clean.caller_e164:
        task = callback_for_missed(
            clean.caller_e164,
            clean.event,
            department=department,
            contact=contact,
            case=case,
            called_at=event.occurred_at,
        )
        event.callback = task
    event.case = case
    event.save(update_fields=["callback", "case"])
    if case is not None:
        what = "hung up after waiting" if clean.event == CallEventKind.ABANDONED else "missed call"
        waited = f" (waited {_duration(clean.wait_seconds)})" if clean.wait_seconds is not None else ""
        line = f" on the {clean.queue} line" if clean.queue else ""
        then = (
            f" Call-back task #{task.pk} is due {timezone.localtime(task.due_at):%Y-%m-%d %H:%M}."
            if task is not None
            else " The number was withheld, so no call-back is possible."
        )
        note = case_actions.do_add_note(
            case,
            body=f"{what.capitalize()} from {_who(contact, clean)}{line}{waited}.{then}",
            acting_user=acting_user,
        )
        event.entry = note
        event.save(update_fields=["entry"])
