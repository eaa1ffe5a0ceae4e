"""Best time to call, from the roll-ups' answered calls (wait by weekday and hour)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from honeydesk.metrics import besttime, rollups
from honeydesk.metrics.models import Rollup

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 2)  # a Monday


def _calls(desk: Any, weeks: int, per_slot: int) -> None:
    """`weeks` weeks before TODAY, Monday-Friday 09-17: `per_slot` calls each hour, waiting
    30 s Tuesday-Thursday 14:00-16:00 and 120 s at every other hour."""
    rows = []
    for w in range(1, weeks + 1):
        monday = TODAY - timedelta(weeks=w)
        for d in range(5):
            for hour in range(9, 17):
                wait = 30 if d in (1, 2, 3) and hour in (14, 15) else 120
                rows.append(
                    Rollup(
                        day=monday + timedelta(days=d),
                        hour=hour,
                        rep_id=desk.repair_agent.pk,
                        department_id=desk.repair.pk,
                        request_type_id=desk.repair_type.pk,
                        channel="phone",
                        measure="call_wait",
                        count=per_slot,
                        total=per_slot * wait,
                    )
                )
    Rollup.objects.bulk_create(rows)
    rollups.derive()  # the weekday x hour table the pattern reads


def test_it_names_the_fastest_days_and_hours_in_plain_words(desk: Any) -> None:
    # 5 weeks x 40 slots x 3 calls = 600 calls. Tue-Thu 14-16 waits 30 s against an
    # overall average of (6 x 30 + 34 x 120) / 40 = 106.5 s: well under 80 % of it.
    _calls(desk, weeks=5, per_slot=3)
    p = besttime.pattern(TODAY, department_id=desk.repair.pk)
    assert p.calls == 600 and p.weeks_with_calls == 5
    assert p.forecast()[1][14] == round(15 / besttime.WEEKS, 1)  # 15 calls over the 8 weeks read
    assert besttime.advice(desk.repair_type, TODAY) == "Calls are answered fastest Tuesday to Thursday, 2-4 pm."
    # A request type best handled in writing gets no advice to call.
    assert besttime.advice(desk.billing_type, TODAY) is None


def test_each_department_s_advice_is_read_once_a_day_and_again_after_a_fold(desk: Any) -> None:
    """Every acknowledgement of a new case asks; the weeks it reads change only by a fold."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _calls(desk, weeks=3, per_slot=3)  # too few weeks: no advice yet
    assert besttime.advice(desk.repair_type, TODAY) is None
    with CaptureQueriesContext(connection) as ctx:
        assert besttime.advice(desk.repair_type, TODAY) is None
    assert len(ctx.captured_queries) == 0
    Rollup.objects.all().delete()
    _calls(desk, weeks=5, per_slot=3)  # the fold (`derive`) in this process forgets the advice
    assert besttime.advice(desk.repair_type, TODAY) == "Calls are answered fastest Tuesday to Thursday, 2-4 pm."
    with CaptureQueriesContext(connection) as ctx:
        besttime.advice(desk.repair_type, TODAY)
        besttime.advice(desk.repair_type, TODAY + timedelta(days=1))  # a new day reads again
    assert len(ctx.captured_queries) == 1


def test_it_says_nothing_with_too_little_data(desk: Any) -> None:
    _calls(desk, weeks=3, per_slot=3)  # 3 weeks: fewer than MIN_WEEKS
    assert besttime.advice(desk.repair_type, TODAY) is None
    Rollup.objects.all().delete()
    _calls(desk, weeks=5, per_slot=0)
    assert besttime.advice(desk.repair_type, TODAY) is None


def test_it_leaves_the_line_out_of_the_portal_and_acknowledgement_without_data(
    desk: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core import mail

    from honeydesk.cases import actions

    settings.JOBS_RUN_AFTER_COMMIT = True

    def open_case() -> None:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_open_case(
                actions.Opening(
                    account=desk.bob_account,
                    contact=desk.bob_contact,
                    request_type=desk.repair_type,
                    subject="Again",
                    body="Offline again.",
                    channel="portal",
                ),
                acting_user=desk.bob,
            )
        assert mail.outbox, "the acknowledgement was sent"

    page = desk.client(desk.bob).get(f"/portal/cases/{desk.bob_case.ref}/").content.decode()
    assert "answered fastest" not in page
    open_case()
    assert not any("answered fastest" in str(m.body) for m in mail.outbox)
    _calls(desk, weeks=5, per_slot=3)
    page = desk.client(desk.bob).get(f"/portal/cases/{desk.bob_case.ref}/").content.decode()
    assert "Calls are answered fastest Tuesday to Thursday, 2-4 pm." in page
    open_case()
    assert any("Calls are answered fastest Tuesday to Thursday, 2-4 pm." in str(m.body) for m in mail.outbox)
