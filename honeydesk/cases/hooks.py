"""What feature apps hear about changes to cases, without the case layer importing them.

Every timeline entry is written by `timeline.add_entries`, so "entries were added to a
case" is the one moment every change passes through: a customer wrote, a rep answered
or logged a call, the owner or status changed, a case was escalated or transferred.
Feature apps subscribe in their `AppConfig.ready()`:

    hooks.on_entries("policy.sla")(sla.entries_added)

A listener runs inside the action's transaction with the case row locked, after the
entries are stored; it may write its own rows and put entries on the same case (they
reach the listeners in turn), and what it raises fails the action. Listeners run in
registration order, once per name (apps may be set up twice in tests).

A feature that keeps fields on the case row itself from its first moment (the service
level's due times) may also fill them in before the new case's row is written, so they go
in with its INSERT rather than in an UPDATE right after it:

    hooks.on_opening("policy.sla")(sla.opening)

An opening listener gets the unsaved case (no id yet, no entries) and sets fields on it;
it writes nothing. Its `on_entries` listener then sees the "opened" entry as usual and
finds those fields already right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from honeydesk.cases.models import Case, TimelineEntry

Listener = Callable[["Case", "Sequence[TimelineEntry]"], None]
OpeningListener = Callable[["Case"], None]

_listeners: dict[str, Listener] = {}
_opening: dict[str, OpeningListener] = {}


def on_entries(name: str) -> Callable[[Listener], Listener]:
    def register(func: Listener) -> Listener:
        _listeners.setdefault(name, func)
        return func

    return register


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    for listener in list(_listeners.values()):
        listener(case, entries)


def on_opening(name: str) -> Callable[[OpeningListener], OpeningListener]:
    def register(func: OpeningListener) -> OpeningListener:
        _opening.setdefault(name, func)
        return func

    return register


def case_opening(case: Case) -> None:
    for listener in list(_opening.values()):
        listener(case)


def listeners() -> list[str]:
    return list(_listeners)
