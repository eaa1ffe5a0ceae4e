"""The workspace for a full shift (issue 18): queue orders, select-all for bulk changes,
the customer's contact points, readable durations and tone reasons, and whom the
"Assign to" list offers first."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from honeydesk.accounts.models import Role
from honeydesk.cases import actions
from honeydesk.intelligence.learned import TONE_REASON_KINDS
from honeydesk.intelligence.tone import REASON_LABELS
from honeydesk.lib import clock
from honeydesk.rules.actions import do_set_availability
from honeydesk.testing import make_staff
from honeydesk.web.templatetags.ui import duration, tone_reason

DESK_JS = Path(__file__).resolve().parents[1] / "static" / "honeydesk" / "desk.js"


def _order(page: str, *refs: str) -> list[str]:
    """The references in the order the page lists them."""
    return sorted(refs, key=page.index)


def test_the_escalations_queue_puts_the_longest_waiting_first(cast):
    start = clock.now()
    # Bob's case is asked about first and waits longest; Alice's is escalated (so
    # updated) later, and was opened earlier: neither "recently updated" nor "oldest"
    # gives the waiting order.
    with clock.at(start + timedelta(minutes=10)):
        actions.do_escalate(cast.fresh(cast.bob_case), reason="Third outage", acting_user=cast.repair_agent)
    with clock.at(start + timedelta(minutes=50)):
        actions.do_escalate(cast.fresh(cast.alice_case), reason="Wants a manager", acting_user=cast.billing_agent)
    c = cast.client(cast.supervisor)
    refs = cast.bob_case.ref, cast.alice_case.ref
    with clock.at(start + timedelta(hours=1)):
        default = c.get("/desk/?queue=escalated").content.decode()
        updated = c.get("/desk/?queue=escalated&sort=updated").content.decode()
    assert _order(default, *refs) == [cast.bob_case.ref, cast.alice_case.ref]
    assert '<option value="waiting" selected>Longest waiting</option>' in default
    assert "waiting 50 minutes" in default and "waiting 10 minutes" in default
    assert _order(updated, *refs) == [cast.alice_case.ref, cast.bob_case.ref]


def test_oldest_first_sorts_by_when_the_case_was_opened_not_by_its_last_change(cast):
    # Alice's case was opened first; a note makes it the most recently changed.
    with clock.at(clock.now() + timedelta(minutes=5)):
        actions.do_add_note(cast.fresh(cast.alice_case), body="Looking", acting_user=cast.billing_agent)
    c = cast.client(cast.supervisor)
    refs = cast.alice_case.ref, cast.bob_case.ref
    oldest = c.get("/desk/?queue=department&sort=oldest").content.decode()
    newest = c.get("/desk/?queue=department&sort=created").content.decode()
    updated = c.get("/desk/?queue=department&sort=updated").content.decode()
    assert _order(oldest, *refs) == [cast.alice_case.ref, cast.bob_case.ref]
    assert _order(newest, *refs) == [cast.bob_case.ref, cast.alice_case.ref]
    # Reversing "recently updated" would give Bob's case first: that is not "oldest".
    assert _order(updated, *refs) == [cast.alice_case.ref, cast.bob_case.ref]
    with clock.at(clock.now() + timedelta(minutes=10)):
        actions.do_add_note(cast.fresh(cast.bob_case), body="Node checked", acting_user=cast.repair_agent)
    oldest = c.get("/desk/?queue=department&sort=oldest").content.decode()
    assert _order(oldest, *refs) == [cast.alice_case.ref, cast.bob_case.ref]


def test_a_supervisor_can_select_every_case_on_the_page_for_a_bulk_change(cast):
    page = cast.client(cast.supervisor).get("/desk/?queue=department").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="cases" value="(HD-\d+@\d+)"', page)
    assert sorted(boxes) == sorted(f"{c.ref}@{c.version}" for c in (cast.alice_case, cast.bob_case))
    # The header box names the row boxes it ticks, and sits in the bulk form with them.
    select_all = re.search(r'<input type="checkbox" data-select-all="(\w+)" aria-label="([^"]+)">', page)
    assert select_all and select_all.group(1) == "cases" and select_all.group(2) == "Select all cases on this page"
    form = page[page.index('action="/desk/bulk-assign/"') : page.index("</form>", page.index("/desk/bulk-assign/"))]
    assert "data-select-all" in form and 'name="cases"' in form and 'name="owner"' in form
    assert "/static/honeydesk/desk.js" in page
    # desk.js ticks every box named by the header's data-select-all in the same table.
    script = DESK_JS.read_text()
    assert 'el.matches("[data-select-all]")' in script
    assert "el.dataset.selectAll" in script and "box.checked = el.checked" in script
    # Agents have no bulk change, so no select-all either.
    agent = cast.client(cast.billing_agent).get("/desk/?queue=department").content.decode()
    assert "data-select-all" not in agent and 'name="cases"' not in agent


def test_the_case_page_shows_how_to_reach_the_customer(cast):
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
    assert '<a href="mailto:alice@example.test">alice@example.test</a>' in page
    assert '<a href="tel:+14155550101">(415) 555-0101</a>' in page
    assert 'aria-label="How to reach Alice Archer"' in page


def test_it_shows_a_four_minute_call_as_4_min(cast):
    c = cast.client(cast.billing_agent)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    c.post(f"{url}compose/", {"mode": "call", "body": "Called Alice back", "minutes": "4"})
    page = c.get(url).content.decode()
    assert "Inbound call, 4 min" in page
    assert "240 s" not in page


def test_durations_read_as_people_say_them():
    assert duration(40) == "40 s"
    assert duration(240) == "4 min"
    assert duration(3900) == "1 h 5 min"
    assert duration(7200) == "2 h"
    assert duration(86400 + 3 * 3600) == "1 day 3 h"
    assert duration(2 * 86400) == "2 days"
    assert duration(None) == duration("x") == duration(-5) == ""


def test_it_names_the_reasons_for_a_tone_in_words(cast):
    case = actions.do_open_case(
        actions.Opening(
            account=cast.alice_account,
            contact=cast.alice_contact,
            request_type=cast.billing_type,
            subject="Bill",
            body="Fuck you, you useless moron. Fix my bill.",
            channel="portal",
        ),
        acting_user=cast.alice,
    )
    page = cast.client(cast.billing_agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert '<span class="reason">Cursing at a person</span>' in page
    assert '<span class="reason">Insult</span>' in page
    assert "Cursingatperson" not in page and ">Cursing at person<" not in page
    # Every reason the tone rules give has a label a person wrote.
    assert set(TONE_REASON_KINDS) <= set(REASON_LABELS)
    assert tone_reason("cursing_at_person") == "Cursing at a person"
    assert tone_reason("something_new") == "Something new"


def _assign_select(page: str) -> str:
    start = page.index('<select id="assign-owner"')
    return page[start : page.index("</select>", start)]


def _assign_options(page: str) -> list[str]:
    return re.findall(r"<option [^>]*>([^<]+)</option>", _assign_select(page))


def _assign_groups(page: str) -> list[str]:
    return re.findall(r'<optgroup label="([^"]+)">', _assign_select(page))


def test_assign_to_offers_the_departments_available_reps_first_then_those_away(cast):
    busy = make_staff("beatrix", Role.AGENT, cast.billing, first_name="Beatrix")
    idle_away = make_staff("basil", Role.AGENT, cast.billing, first_name="Basil")
    for _ in range(2):
        case = actions.do_open_case(
            actions.Opening(
                account=cast.alice_account,
                contact=cast.alice_contact,
                request_type=cast.billing_type,
                subject="Another question",
                body="body",
                channel="portal",
            ),
            acting_user=cast.alice,
        )
        actions.do_assign(case, busy, acting_user=cast.supervisor)
    do_set_availability(idle_away, away=True)
    url = f"/desk/cases/{cast.alice_case.ref}/"
    page = cast.client(cast.billing_agent).get(url).content.decode()
    # Basil has the fewest cases but is away: the default (first) is Bianca, the
    # available rep with the fewest open cases; Repair's rep is not offered at all.
    assert _assign_options(page) == [
        "Bianca (0 open)",
        "Beatrix (2 open)",
        "Basil, away (0 open)",
        "Sam (0 open)",
        "Ada (0 open)",
    ]
    assert _assign_groups(page) == [
        "Billing reps, fewest open cases first",
        "Billing reps who are away",
        "Supervisors",
        "Admins",
    ]
    assert "selected" not in _assign_select(page)  # nobody owns it: the browser starts on Bianca
    # Back from being away: Basil leads the list again.
    do_set_availability(idle_away, away=False)
    page = cast.client(cast.billing_agent).get(url).content.decode()
    assert _assign_options(page)[:3] == ["Basil (0 open)", "Bianca (0 open)", "Beatrix (2 open)"]
    assert "Billing reps who are away" not in page
    # An owned case keeps its owner chosen, wherever they are in the list.
    actions.do_assign(cast.fresh(cast.alice_case), busy, acting_user=cast.supervisor)
    page = cast.client(cast.billing_agent).get(url).content.decode()
    assert re.search(rf'<option value="{busy.pk}" selected>Beatrix \(3 open\)</option>', page)


def test_the_bulk_reassignment_list_marks_who_is_away(cast):
    do_set_availability(cast.billing_agent, away=True)
    page = cast.client(cast.supervisor).get("/desk/?queue=department").content.decode()
    assert f'<option value="{cast.billing_agent.pk}">Bianca (Agent, away)</option>' in page
    assert f'<option value="{cast.repair_agent.pk}">Rafael (Agent)</option>' in page
