from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine

from honeydesk.metrics import rollups

# Monday 2 March 2026, 09:00 UTC (tests run with TIME_ZONE=UTC).
START = "2026-03-02 09:00:00+00:00"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(clock: Any, cast: Any) -> Any:
    return cast


def by(measure: str, *dims: str) -> dict[Any, tuple[int, int]]:
    """(count, total) of a measure from scratch, summed by the named key fields."""
    index = {name: i for i, name in enumerate(rollups.KEY_FIELDS)}
    out: dict[Any, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for key, (count, total) in rollups.from_scratch().items():
        if key[index["measure"]] != measure:
            continue
        k = tuple(key[index[d]] for d in dims)
        k1 = k[0] if len(k) == 1 else k
        c, t = out[k1]
        out[k1] = (c + count, t + total)
    return dict(out)


def incremental_matches() -> bool:
    rollups.refresh()
    return rollups.stored() == rollups.from_scratch()
