"""What `honeydesk worker` does besides running queued jobs, registered by the apps
that own the work (in their `AppConfig.ready()`), so that the job system imports none
of them:

- `every(name, seconds)(func)`: a periodic task. `func(stop)` does one round and returns
  True when it finished, False when it ran out of time with work left (the worker then
  comes back after its next round of jobs and feeds, not an interval later). `seconds`
  None means the worker's `--housekeeping-interval`. Tasks must be idempotent: several
  workers may run the same task, and a task may run twice;
- `add_feed(feed)`: a source of inbound work (the e-mail channel's mailboxes): polled
  every `--poll-interval` seconds and, where the source can tell, woken early.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Stop = Callable[[], bool]


@dataclass(frozen=True)
class Periodic:
    name: str
    run: Callable[[Stop], bool]
    seconds: float | None


class Feed(Protocol):
    """Inbound work the worker fetches. `wake(key)` (called from any thread) asks the
    worker to poll `key` (a mailbox id) soon; `poll` runs in the worker's loop."""

    name: str

    def start(self, wake: Callable[[int], None], *, listen: bool, renewal: float) -> None: ...

    def poll(self, stop: Stop, *, woken: set[int], everything: bool) -> None: ...

    def stop(self) -> None: ...


_periodic: dict[str, Periodic] = {}
_feeds: dict[str, Feed] = {}


def every(name: str, seconds: float | None = None) -> Callable[[Callable[[Stop], bool]], Callable[[Stop], bool]]:
    def register(func: Callable[[Stop], bool]) -> Callable[[Stop], bool]:
        _periodic[name] = Periodic(name, func, seconds)
        return func

    return register


def add_feed(feed: Feed) -> None:
    _feeds[feed.name] = feed


def periodic() -> list[Periodic]:
    return list(_periodic.values())


def feeds() -> list[Feed]:
    return list(_feeds.values())
