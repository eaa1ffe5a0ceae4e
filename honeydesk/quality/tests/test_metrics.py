"""Satisfaction, survey response and recovery completion on the metrics dashboards,
checked against a small data set computed by hand (issue 13, part 6)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest

from honeydesk.cases import actions
from honeydesk.cases.models import Case
from honeydesk.metrics import rollups
from honeydesk.quality import actions as quality
from honeydesk.quality.models import Recovery, Survey

from .conftest import resolve

pytestmark = pytest.mark.django_db


def _case(cast: Any, subject: str, request_type: Any = None) -> Case:
    return actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=request_type or cast.billing_type,
            subject=subject,
            body="Help, please.",
            channel="portal",
        ),
        acting_user=cast.alice,
    )


def _resolved(cast: Any, case: Case, rep: Any) -> Survey:
    if cast.fresh(case).owner_id != rep.pk:
        actions.do_assign(cast.fresh(case), rep, acting_user=cast.supervisor)
    resolve(cast, case, rep)
    return Survey.objects.filter(case=case, superseded_at__isnull=True).latest("id")


def _answer(survey: Survey, rating: int, solved: bool) -> None:
    quality.do_answer_survey(survey, quality.Answer(rating=rating, solved=solved), via=Survey.Via.PORTAL)


def _contact(cast: Any, survey: Survey, outcome: str) -> None:
    recovery = Recovery.objects.get(survey=survey)
    quality.do_record_contact(
        recovery, quality.Contacted(outcome=outcome, write="call", text="Called."), acting_user=cast.supervisor
    )


@pytest.fixture
def surveyed(cast: Any, frozen: Any) -> Any:
    """Six resolutions, written out (bianca = billing agent, rafael = repair agent):

    S1 alice's case, bianca      rated 5, solved      satisfied
    S2 bob's case, rafael        rated 2, not solved  unhappy -> R1, closed at once (in time)
    S3 case 3, bianca            never answered
    S4 case 4, bianca            withdrawn: the case was reopened before an answer (not counted)
    S5 case 4 again, bianca      rated 4, not solved  unhappy -> R2, closed ten days later (late)
    S6 case 5 (repair), rafael   rated 1, solved      unhappy -> R3, "no answer": still open
    """
    s1 = _resolved(cast, cast.alice_case, cast.billing_agent)
    s2 = _resolved(cast, cast.bob_case, cast.repair_agent)
    _resolved(cast, _case(cast, "Third"), cast.billing_agent)
    fourth = _case(cast, "Fourth")
    _resolved(cast, fourth, cast.billing_agent)
    actions.do_reopen(cast.fresh(fourth), acting_user=cast.billing_agent, reason="Not done after all")
    s5 = _resolved(cast, fourth, cast.billing_agent)
    s6 = _resolved(cast, _case(cast, "Fifth", cast.repair_type), cast.repair_agent)
    _answer(s1, 5, True)
    _answer(s2, 2, False)
    _answer(s5, 4, False)
    _answer(s6, 1, True)
    _contact(cast, s2, "resolved")
    frozen.shift(timedelta(days=10))  # well past one business day
    _contact(cast, s5, "credit_offered")
    _contact(cast, s6, "no_answer")
    rollups.refresh()
    return cast


def test_it_figures_satisfaction_response_and_recovery_as_computed_by_hand(surveyed: Any) -> None:
    assert Survey.objects.count() == 6 and Recovery.objects.count() == 3
    body = surveyed.api(surveyed.supervisor).get("/metrics", group="total", period="month").json()
    total = body["rows"][0]
    # Mean rating of the four answers: (5 + 2 + 4 + 1) / 4 = 3.0.
    assert total["values"]["satisfaction"] == 3.0 and total["shown"]["satisfaction"] == "3.0"
    # Rated 4 or 5: S1 and S5, 2 of 4 answers.
    assert total["values"]["satisfied"] == 0.5
    # Asked: S1, S2, S3, S5, S6 (S4 withdrawn); answered: all but S3, 4 of 5.
    assert total["values"]["survey_response"] == 0.8 and total["shown"]["survey_response"] == "80%"
    # Recoveries R1 (closed in time), R2 (closed late), R3 (open): 2 of 3 closed, 1 of 3 in time.
    assert total["values"]["recovery_closed"] == pytest.approx(2 / 3)
    assert total["values"]["recovery_on_time"] == pytest.approx(1 / 3)
    assert {m["key"]: m["unit"] for m in body["metrics"]}["satisfaction"] == "score"
    # By rep: bianca's answers 5 and 4 (mean 4.5, both satisfied; asked S1, S3, S5: 2 of 3
    # answered); rafael's 2 and 1 (mean 1.5, none satisfied; both answered).
    reps = {
        r["label"]: r["values"] for r in surveyed.api(surveyed.supervisor).get("/metrics", group="rep").json()["rows"]
    }
    assert (reps["Bianca"]["satisfaction"], reps["Bianca"]["satisfied"]) == (4.5, 1.0)
    assert reps["Bianca"]["survey_response"] == pytest.approx(2 / 3)
    assert (reps["Rafael"]["satisfaction"], reps["Rafael"]["satisfied"], reps["Rafael"]["survey_response"]) == (
        1.5,
        0.0,
        1.0,
    )
    # The same definitions on the page and in its CSV.
    client = surveyed.client(surveyed.supervisor)
    rows = list(csv.reader(io.StringIO(client.get("/desk/metrics/channel.csv?period=month").content.decode())))
    portal = dict(zip(rows[0], next(r for r in rows if r[0] == "Portal"), strict=True))
    assert portal["Satisfaction (mean rating)"] == "3.0"
    assert portal["Survey response rate"] == "80%"
    assert portal["Recoveries completed"] == "67%" and portal["Recoveries completed in time"] == "33%"
    page = client.get("/desk/metrics/?period=month").content.decode()
    assert "Recoveries completed in time" in page and "Satisfied customers (4-5)" in page


def test_it_keeps_recovery_figures_from_reps_and_equals_a_rebuild(surveyed: Any) -> None:
    mine = surveyed.api(surveyed.billing_agent).get("/metrics", group="total", period="month").json()
    keys = {m["key"] for m in mine["metrics"]}
    assert {"satisfaction", "satisfied", "survey_response"} <= keys
    assert not {"recovery_closed", "recovery_on_time"} & keys  # supervisors' work
    assert mine["rows"][0]["values"]["satisfaction"] == 4.5  # only bianca's own answers
    incremental = rollups.stored()
    assert incremental == rollups.from_scratch()
    assert {k[-1] for k in incremental} >= {"satisfaction", "survey_response", "recovery_on_time"}
    rollups.rebuild()
    assert rollups.stored() == incremental
