"""The dashboard, its CSV exports and a rep's own page."""

from __future__ import annotations

import csv
import html as htmllib
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from honeydesk.accounts.models import Role
from honeydesk.cases import actions
from honeydesk.metrics import rollups
from honeydesk.testing import make_staff

pytestmark = pytest.mark.django_db

MON = datetime(2026, 3, 2, tzinfo=UTC)


@pytest.fixture
def worked(desk: Any, clock: Any) -> Any:
    """bianca answers alice in 90 min and resolves; rafael answers bob in 5 h."""
    clock.move_to(MON + timedelta(hours=10, minutes=30))
    actions.do_add_reply(desk.alice_case, body="On it.", acting_user=desk.billing_agent, compose_seconds=120)
    actions.do_resolve(desk.fresh(desk.alice_case), note="Done.", acting_user=desk.billing_agent)
    clock.move_to(MON + timedelta(hours=14))
    actions.do_add_reply(desk.bob_case, body="On it.", acting_user=desk.repair_agent, compose_seconds=300)
    rollups.refresh()
    return desk


def _table(html: str, name: str) -> list[list[str]]:
    block = re.search(rf'<table class="metrics-table" data-table="{name}">(.*?)</table>', html, re.S)
    assert block is not None
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([htmllib.unescape(re.sub(r"<[^>]+>", "", c).strip()) for c in cells])
    return rows


def test_it_shows_supervisors_every_table_and_the_csv_has_the_same_numbers(worked: Any) -> None:
    client = worked.client(worked.supervisor)
    page = client.get("/desk/metrics/?period=week")
    assert page.status_code == 200
    html = page.content.decode()
    for name in ("rep", "request_type", "department", "channel", "week"):
        shown = _table(html, name)
        download = client.get(f"/desk/metrics/{name}.csv?period=week")
        assert download["Content-Type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(download.content.decode()))) == shown
    reps = {row[0]: row for row in _table(html, "rep")}
    header = _table(html, "rep")[0]
    # bianca: first response 1h 30m, written handle time 2m 00s, resolved first time.
    bianca = dict(zip(header, reps["Bianca"], strict=True))
    assert bianca["Time to first response"] == "1h 30m"
    assert bianca["Handle time per written reply"] == "2m 00s"
    assert bianca["First-contact resolution"] == "100%"
    assert "Abusive messages received" in header  # supervisors see rep protection figures
    # Charts: data in a json_script block and the vendored library, no inline script.
    assert 'id="metrics-data" type="application/json"' in html
    assert "vendor/chart-4.5.1.umd.min.js" in html
    assert not re.search(r"<script(?![^>]*(src=|application/json))", html)
    assert " style=" not in html


def _grid(html: str, section: str) -> list[list[str]]:
    """The weekday x hour table of a dashboard section, cell by cell (a cell's lines joined
    by "|": the best-time table shows expected calls over the average wait)."""
    block = re.search(rf'aria-labelledby="{section}".*?<table[^>]*>(.*?)</table>', html, re.S)
    assert block is not None
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", block.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append([htmllib.unescape(re.sub(r"<[^>]+>", "", c.replace("<br>", "|")).strip()) for c in cells])
    return rows


def test_it_downloads_the_heatmap_and_the_best_time_table_with_the_page_numbers(worked: Any) -> None:
    from honeydesk.metrics.tests.test_besttime import _calls

    _calls(worked, weeks=5, per_slot=3)  # answered calls over the five weeks before today
    client = worked.client(worked.supervisor)
    html = client.get("/desk/metrics/?period=week").content.decode()
    assert 'href="/desk/metrics/heatmap.csv?period=week"' in html
    assert 'href="/desk/metrics/best-time.csv?period=week"' in html

    heat = _grid(html, "heat-title")
    download = client.get("/desk/metrics/heatmap.csv?period=week")
    assert download["Content-Type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(download.content.decode()))) == heat
    # The cast's two cases came in on Monday at 09:00: two contacts in that cell.
    assert heat[1][0] == "Monday" and heat[1][1 + 9] == "2"

    shown = _grid(html, "calls-title")
    hours = shown[0][1:]
    expected = [["Day", "Hour", "Expected calls", "Average wait"]] + [
        [row[0], hours[h], *cell.split("|")] for row in shown[1:] for h, cell in enumerate(row[1:]) if cell
    ]
    download = client.get("/desk/metrics/best-time.csv?period=week")
    lines = list(csv.reader(io.StringIO(download.content.decode())))
    assert lines == expected
    # Tuesday 14:00: 15 calls in the 8 weeks read = 1.9 a week, each waiting 30 s.
    assert ["Tuesday", "14", "1.9", "30s"] in lines
    assert len(lines) == 1 + 5 * 8  # Monday to Friday, 09 to 17


def test_it_downloads_the_period_at_a_glance_with_the_tiles_figures(worked: Any) -> None:
    client = worked.client(worked.supervisor)
    html = client.get("/desk/metrics/?period=week").content.decode()
    assert 'href="/desk/metrics/total.csv?period=week"' in html
    tiles = re.findall(r"<dt><abbr[^>]*>(.*?)</abbr></dt><dd>(.*?)</dd>", html)
    download = client.get("/desk/metrics/total.csv?period=week")
    header, row = list(csv.reader(io.StringIO(download.content.decode())))
    assert header == ["Period", *(htmllib.unescape(label) for label, _ in tiles)]
    assert row == ["2026-02-24 to 2026-03-02", *(htmllib.unescape(value) for _, value in tiles)]
    assert dict(zip(header, row, strict=True))["Time to first response"] == "3h 15m"  # (1.5 h + 5 h) / 2


def test_it_keeps_spreadsheet_formulas_out_of_the_metrics_csv(worked: Any) -> None:
    worked.billing_agent.first_name = "=HYPERLINK(1)"
    worked.billing_agent.save(update_fields=["first_name"])
    download = worked.client(worked.supervisor).get("/desk/metrics/rep.csv?period=week")
    labels = [row[0] for row in csv.reader(io.StringIO(download.content.decode()))]
    assert any(label.startswith("'=HYPERLINK(1)") for label in labels)
    assert not any(label.startswith("=") for label in labels)


def test_it_refuses_the_dashboard_to_reps_and_customers(worked: Any) -> None:
    for user in (worked.billing_agent, worked.alice, None):
        client = worked.client(user)
        assert client.get("/desk/metrics/").status_code in (404, 302)
        for name in ("rep", "heatmap", "best-time"):
            assert client.get(f"/desk/metrics/{name}.csv").status_code in (404, 302)
    assert worked.client(worked.supervisor).get("/desk/metrics/nothing.csv").status_code == 404


def _mine(client: Any) -> dict[str, tuple[str, str]]:
    html = client.get("/desk/metrics/mine/?period=week").content.decode()
    return {
        r[0]: (r[1], r[2])
        for r in re.findall(
            r"<tr><th scope=\"row\">(?:<abbr[^>]*>)?(.*?)(?:</abbr>)?</th><td>(.*?)</td><td>(.*?)</td></tr>", html
        )
    }


def _reply_as(worked: Any, clock: Any, rep: Any, day: int, seconds: int) -> None:
    """`rep` answers a new billing case of alice's with `seconds` of composing."""
    clock.move_to(MON + timedelta(days=day, hours=9))
    case = actions.do_open_case(
        actions.Opening(
            account=worked.alice_account,
            contact=worked.alice_contact,
            request_type=worked.billing_type,
            subject="Another",
            body="Another question.",
            channel="portal",
        ),
        acting_user=worked.alice,
    )
    clock.move_to(MON + timedelta(days=day, hours=9, minutes=30))
    actions.do_add_reply(case, body="Sure.", acting_user=rep, compose_seconds=seconds)


def test_it_shows_a_rep_own_figures_against_the_team_median_only_from_three_reps(worked: Any, clock: Any) -> None:
    # Two billing reps with written handle time: bianca 120 s, olga 60 s. A median of two
    # would give olga's figure away (2 x 1m 30s - 2m 00s), so there is none.
    olga = make_staff("olga", Role.AGENT, worked.billing, first_name="Olga")
    _reply_as(worked, clock, olga, 1, 60)
    rollups.refresh()
    client = worked.client(worked.billing_agent)
    page = client.get("/desk/metrics/mine/?period=week")
    assert page.status_code == 200
    html = page.content.decode()
    rows = _mine(client)
    assert rows["Handle time per written reply"] == ("2m 00s", "not enough data to compare")
    assert "1m 30s" not in html
    assert "Olga" not in html and "Rafael" not in html
    assert "Abusive messages received" not in html

    # A third billing rep with a figure: bianca 120 s, olga 60 s, pia 30 s -> median 1m 00s.
    pia = make_staff("pia", Role.AGENT, worked.billing, first_name="Pia")
    _reply_as(worked, clock, pia, 2, 30)
    rollups.refresh()
    client = worked.client(worked.billing_agent)  # a day later: a fresh sign-in
    rows = _mine(client)
    assert rows["Handle time per written reply"] == ("2m 00s", "1m 00s")
    # First responses: bianca 90 min (alice's case), olga and pia 30 min each: median 30 min.
    assert rows["Time to first response"] == ("1h 30m", "30m 00s")
    # Resolutions: only bianca resolved, so no team figure for them.
    assert rows["Time to resolution"][1] == "not enough data to compare"
    html = client.get("/desk/metrics/mine/?period=week").content.decode()
    assert "Olga" not in html and "Pia" not in html


def test_it_stores_the_composer_typing_time_on_the_reply(desk: Any) -> None:
    client = desk.client(desk.billing_agent)
    case = desk.fresh(desk.alice_case)
    page = client.get(f"/desk/cases/{case.ref}/").content.decode()
    assert 'name="compose_seconds"' in page and "honeydesk/typing.js" in page
    answer = client.post(
        f"/desk/cases/{case.ref}/compose/",
        {"mode": "reply", "body": "Refund sent.", "version": case.version, "compose_seconds": "95"},
    )
    assert answer.status_code in (200, 302)
    client.post(f"/desk/cases/{case.ref}/compose/", {"mode": "note", "body": "Checked.", "compose_seconds": "junk"})
    reply = case.entries.get(kind="outbound")
    assert reply.data["compose_seconds"] == 95
    assert "compose_seconds" not in (case.entries.filter(kind="note").last().data or {})


def test_it_shows_the_figures_once_the_worker_folded_the_changes(desk: Any, clock: Any) -> None:
    from honeydesk.jobs import schedule

    rollups.refresh()
    clock.move_to(MON + timedelta(hours=10, minutes=30))
    actions.do_add_reply(desk.alice_case, body="On it.", acting_user=desk.billing_agent, compose_seconds=120)
    client = desk.client(desk.supervisor)

    def bianca() -> dict[str, str]:
        """Bianca's row of the rep table (empty cells when she has none)."""
        rows = _table(client.get("/desk/metrics/?period=week").content.decode(), "rep")
        return dict(zip(rows[0], next((r for r in rows if r[0] == "Bianca"), [""] * len(rows[0])), strict=True))

    # The action only marked the case: the dashboard has not moved yet.
    assert bianca()["Rep"] == ""  # no row for bianca
    task = next(t for t in schedule.periodic() if t.name == "metrics-rollups")
    assert task.run(lambda: False) is True  # the worker's round: everything folded
    assert bianca()["Handle time per written reply"] == "2m 00s"
    assert bianca()["Time to first response"] == "1h 30m"
