"""How the case layer reaches people, without knowing which channels exist.

`honeydesk.cases.notify` decides *that* someone is told (a reply was sent, a case was
opened, a supervisor is needed) and builds a `Notice`; this registry hands it to the
channels that can carry it. Each channel app registers an `Outbound` in its
`AppConfig.ready()` (a line in the channel's `apps.py`), so the case layer imports no
channel and a new channel is a new folder plus that line.

A notice goes to the first registered channel, in registration order, that can reach
its recipients. When none can (a customer with no address on file), nothing is sent:
the case's timeline is the record, a notification is a copy.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from honeydesk.accounts.models import User
    from honeydesk.cases.models import Case, TimelineEntry


@dataclass(frozen=True)
class Notice:
    """One message to people about a case.

    `template` names what is said (the channel renders it: `emails/<template>.txt` for
    mail). With `staff` empty the notice is for the customer (the case's contact);
    otherwise for those members of staff. `automatic` is set for messages no person
    wrote (RFC 3834's Auto-Submitted value for mail), so that other robots do not answer.
    """

    case: Case
    template: str
    label: str = ""
    entry: TimelineEntry | None = None
    staff: Sequence[User] = ()
    automatic: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def to_customer(self) -> bool:
        return not self.staff


class Outbound(Protocol):
    """What a channel offers the case layer. `send` runs inside the caller's
    transaction and only records what is to be sent (a row and a job), never talks to
    a server: a change is never undone because a mail server is down. It returns False,
    recording nothing, when the channel cannot reach the notice's recipients (no
    address on file)."""

    name: str

    def send(self, notice: Notice) -> bool: ...


_outbound: list[Outbound] = []


def register(channel: Outbound) -> None:
    """Add a channel (once per name: apps may be set up twice in tests)."""
    if all(existing.name != channel.name for existing in _outbound):
        _outbound.append(channel)


def registered() -> list[str]:
    return [channel.name for channel in _outbound]


_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("honeydesk_notices_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Inside, nothing is delivered: replayed history (the demo, data generators) runs
    the real actions but must not tell anybody anything, now or later."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def is_quiet() -> bool:
    """True inside `quiet`: work that would only tell people (a notification job, an
    in-app notification) is not queued, while the record it would write is written at once."""
    return _quiet.get()


def deliver(notice: Notice) -> str | None:
    """Send `notice` on the first channel that reaches its recipients; the channel's
    name, or None when nobody could be reached (or inside `quiet`)."""
    if _quiet.get():
        return None
    for channel in _outbound:
        if channel.send(notice):
            return channel.name
    return None
