"""What the quality loop does when entries are added to a case (`cases.hooks`): a
resolution asks the customer, a reopening withdraws the unanswered survey, closing the
case stops reminders. Runs in the action's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.quality import surveys

Event = TimelineEntry.Event


def entries_added(case: Case, entries: Sequence[TimelineEntry]) -> None:
    for entry in entries:
        if entry.kind != TimelineEntry.Kind.EVENT:
            continue
        if entry.event == Event.RESOLVED:
            surveys.on_resolved(case, entry)
        elif entry.event == Event.REOPENED:
            surveys.on_reopened(case, entry.created_at)
        elif entry.event == Event.CLOSED:
            surveys.on_closed(case)
