from datetime import date

import pytest
import time_machine

from honeydesk.credits import actions
from honeydesk.credits.policy import ensure_default_policy

NOW = "2026-03-10 10:00:00+00:00"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def credits(frozen, cast):
    ensure_default_policy()
    return cast


def ask(amount="40.00", **extra):
    fields = {
        "amount": amount,
        "reason": "Three days without internet.",
        "period_start": date(2026, 3, 2),
        "period_end": date(2026, 3, 4),
    }
    fields.update(extra)
    return actions.Ask(**fields)
