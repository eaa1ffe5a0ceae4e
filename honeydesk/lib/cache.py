"""A value read from the database and kept in this process for a short while.

For small, rarely edited tables that every request or message reads (request types,
department addresses): reading them each time cost about as much as the rest of opening
a case. The owner of the table drops the value at once when this process saves a row
(post_save/post_delete receivers in its apps.py); other processes see the change within
`seconds`. Two threads may both load after expiry; both get a correct value.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Any, ClassVar, Generic, TypeVar

T = TypeVar("T")


class Recent(Generic[T]):
    # Every instance, so that tests can start each from the database they see (a value
    # loaded in one test would otherwise outlive that test's rolled-back rows).
    _all: ClassVar[weakref.WeakSet[Recent[Any]]] = weakref.WeakSet()

    def __init__(self, load: Callable[[], T], seconds: float = 30.0) -> None:
        self._load = load
        self._seconds = seconds
        self._value: tuple[float, T] | None = None
        Recent._all.add(self)

    @classmethod
    def forget_all(cls) -> None:
        for instance in list(cls._all):
            instance.forget()

    def get(self) -> T:
        now = time.monotonic()
        cached = self._value
        if cached is None or now - cached[0] > self._seconds:
            cached = self._value = (now, self._load())
        return cached[1]

    def forget(self, **_: object) -> None:
        """Drop the value (usable as a signal receiver)."""
        self._value = None
