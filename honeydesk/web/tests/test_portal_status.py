"""The customer's status badge (issue 18): it says what the customer should understand and
tells the same story as "What happens next" — after a transfer it reads "Passed to Repair",
not the staff's "New" beside a sentence that explains the case was passed on."""

from __future__ import annotations

import re

from honeydesk.cases import actions
from honeydesk.cases.models import Case
from honeydesk.web.views.portal_next import Situation, badge, next_step


def _badges(html: str) -> list[str]:
    return re.findall(r'<span class="status status-[a-z]+">([^<]+)</span>', html)


def _now(cast) -> tuple[str, str]:
    case = Case.objects.select_related("department", "owner").get(pk=cast.alice_case.pk)
    return badge(case).label, next_step(case, Situation.for_cases([case]))


def _transfer_to_repair(cast) -> None:
    actions.do_assign(cast.alice_case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_add_reply(cast.fresh(cast.alice_case), body="Looking into it.", acting_user=cast.billing_agent)
    actions.do_transfer(cast.fresh(cast.alice_case), cast.repair, summary="Line fault", acting_user=cast.billing_agent)


def test_after_a_transfer_the_badge_says_passed_to_the_team_everywhere_the_customer_looks(cast):
    _transfer_to_repair(cast)
    assert cast.fresh(cast.alice_case).status == "new"  # for staff it is back in a queue
    c = cast.client(cast.alice)
    ref = cast.alice_case.ref

    page = c.get(f"/portal/cases/{ref}/").content.decode()
    assert _badges(page) == ["Passed to Repair"]
    assert "passed to our Repair team" in page

    home = c.get("/portal/").content.decode()
    card = home.split(f"Reference <strong>{ref}</strong>", 1)[1].split("</article>", 1)[0]
    assert _badges(card) == ["Passed to Repair"] and "passed to our Repair team" in card

    found = c.get("/portal/search/?q=Charged").content.decode()
    assert ref in found and _badges(found) == ["Passed to Repair"]

    record = c.get(f"/portal/cases/{ref}/record/").content.decode()
    assert "status: Passed to Repair" in record and "status: New" not in record

    # The workspace keeps the staff's words.
    desk = cast.client(cast.repair_agent).get(f"/desk/cases/{ref}/").content.decode()
    assert "Passed to Repair" not in desk


def test_the_badge_and_what_happens_next_agree_at_every_stage(cast):
    case = cast.alice_case
    assert _now(cast)[0] == "Received" and _now(cast)[1].startswith("Your request is with our Billing team.")

    actions.do_assign(case, cast.billing_agent, acting_user=cast.billing_agent)
    actions.do_add_reply(cast.fresh(case), body="Looking into it.", acting_user=cast.billing_agent)
    label, told = _now(cast)
    assert label == "In progress" and told == "Bianca from Billing owns your case and is working on it."

    actions.do_set_pending(cast.fresh(case), acting_user=cast.billing_agent)
    label, told = _now(cast)
    assert label == "Waiting for your answer" and told.startswith("We are waiting for your answer.")

    actions.do_add_reply(cast.fresh(case), body="Here it is.", acting_user=cast.alice, channel="portal")
    actions.do_escalate(cast.fresh(case), reason="Needs approval", acting_user=cast.billing_agent)
    label, told = _now(cast)
    assert label == "With a supervisor" and told.startswith("A supervisor from Billing")

    actions.do_take_escalation(cast.fresh(case), acting_user=cast.supervisor)
    actions.do_transfer(cast.fresh(case), cast.repair, summary="Line fault", acting_user=cast.supervisor)
    label, told = _now(cast)
    assert label == "Passed to Repair" and told.startswith("Your case has been passed to our Repair team")

    actions.do_assign(cast.fresh(case), cast.repair_agent, acting_user=cast.repair_agent)
    actions.do_add_reply(cast.fresh(case), body="Line fixed.", acting_user=cast.repair_agent)
    label, told = _now(cast)
    assert label == "In progress" and told.startswith("Rafael from Repair owns your case")

    actions.do_resolve(cast.fresh(case), note="Fixed", acting_user=cast.repair_agent)
    label, told = _now(cast)
    assert label == "Solved" and told.startswith("We believe this is solved.")

    actions.do_close(cast.fresh(case), acting_user=None)
    label, told = _now(cast)
    assert label == "Closed" and told.startswith("This case is closed.")


def test_a_new_request_reads_received_not_new(cast):
    page = cast.client(cast.alice).get(f"/portal/cases/{cast.alice_case.ref}/").content.decode()
    assert _badges(page) == ["Received"] and '<span class="status status-new">Received</span>' in page
