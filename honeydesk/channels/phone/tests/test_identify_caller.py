"""An unknown caller's case moves to the customer's account once the rep knows who it
is, optionally filing the number under the contact so the next call finds them."""

from __future__ import annotations

from typing import Any

import pytest

from honeydesk.accounts.actions import ContactData, do_add_contact
from honeydesk.accounts.models import ContactPoint
from honeydesk.cases import actions
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.channels.phone.inbound import UNIDENTIFIED_ACCOUNT_NUMBER
from honeydesk.lib.errors import InvalidInput

STRANGER = "+44 20 7946 0958"


def call(cast: Any, **fields: Any) -> dict[str, Any]:
    response = cast.api(cast.billing_agent).post("/calls", fields)
    assert response.status_code in (200, 201), response.json()
    return response.json()


def unknown_callers_case(cast: Any, call_id: str = "u-1") -> Case:
    ref = call(cast, call_id=call_id, event="ended", caller=STRANGER, queue="billing", talk_seconds=40)["case"]
    case = Case.objects.get(pk=int(ref.removeprefix("HD-")))
    assert case.account.number == UNIDENTIFIED_ACCOUNT_NUMBER
    return case


def test_a_rep_moves_the_case_to_the_callers_account_and_remembers_the_number(cast):
    case = unknown_callers_case(cast)
    rep = cast.client(cast.billing_agent)
    page = rep.get(f"/desk/cases/{case.ref}/").content.decode()
    assert "Move to another account" in page and "Remember the caller's number" in page
    r = rep.post(
        f"/desk/cases/{case.ref}/do/move/",
        {
            "account": cast.alice_account.number,
            "contact": "alice@example.test",
            "remember": "1",
            "version": case.version,
        },
    )
    assert r.status_code == 302, r.content.decode()[:500]
    moved = cast.fresh(case)
    assert (moved.account, moved.contact) == (cast.alice_account, cast.alice_contact)
    event = TimelineEntry.objects.get(case=case, event=TimelineEntry.Event.MOVED)
    assert event.visibility == "internal" and event.author == cast.billing_agent
    assert UNIDENTIFIED_ACCOUNT_NUMBER in event.body and cast.alice_account.number in event.body
    assert ContactPoint.objects.filter(contact=cast.alice_contact, kind="phone", value="+442079460958").exists()
    # Alice now sees the case as hers; the timeline came along.
    mine = {c["ref"] for c in cast.api(cast.alice).get("/cases").json()["items"]}
    assert case.ref in mine
    assert TimelineEntry.objects.filter(case=case, kind=TimelineEntry.Kind.CALL).count() == 1
    # The next call from that number is matched to Alice: it lands on her active case.
    again = call(cast, call_id="u-2", event="ended", caller=STRANGER, queue="billing", talk_seconds=20)
    assert again["case"] in {cast.alice_case.ref, case.ref}
    assert Case.objects.get(pk=int(again["case"].removeprefix("HD-"))).account == cast.alice_account


def test_moving_by_api_picks_the_only_contact_and_checks_the_version(cast):
    case = unknown_callers_case(cast)
    api = cast.api(cast.billing_agent)
    stale = api.post(
        f"/cases/{case.ref}/move", {"account_number": cast.bob_account.number, "version": case.version - 1}
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    r = api.post(
        f"/cases/{case.ref}/move",
        {"account_number": cast.bob_account.number, "remember_phone": STRANGER, "version": case.version},
    )
    assert r.status_code == 200, r.json()
    moved = cast.fresh(case)
    assert (moved.account, moved.contact) == (cast.bob_account, cast.bob_contact)
    assert ContactPoint.objects.filter(contact=cast.bob_contact, value="+442079460958").exists()


def test_bad_moves_are_refused_with_a_reason_and_change_nothing(cast):
    case = unknown_callers_case(cast)
    rep = cast.client(cast.billing_agent)
    url = f"/desk/cases/{case.ref}/do/move/"
    carol = do_add_contact(cast.alice_account, ContactData("Carol Archer", ["carol@example.test"]), acting_user=None)
    refusals = {
        "There is no account": {"account": "NOPE-1"},
        "No contact on account": {"account": cast.alice_account.number, "contact": "bob@example.test"},
        # Alice's account has two contacts now: remembering needs to know whose number it is.
        "Choose the contact whose number": {"account": cast.alice_account.number, "remember": "1"},
        "already belongs to": {"account": cast.bob_account.number, "contact": "", "remember": "1"},
    }
    # The stranger's number is Carol's already: filing it under Bob must be refused.
    ContactPoint.objects.create(contact=carol, kind="phone", value="+442079460958")
    for message, form in refusals.items():
        r = rep.post(url, {**form, "version": case.version})
        assert r.status_code == 422, (message, r.status_code)
        assert message in r.content.decode(), message
        fresh = cast.fresh(case)
        assert fresh.account.number == UNIDENTIFIED_ACCOUNT_NUMBER and fresh.version == case.version, message
    assert not TimelineEntry.objects.filter(case=case, event=TimelineEntry.Event.MOVED).exists()
    assert not ContactPoint.objects.filter(contact=cast.bob_contact, kind="phone", value="+442079460958").exists()


def test_a_customer_cannot_move_a_case(cast):
    r = cast.api(cast.alice).post(f"/cases/{cast.alice_case.ref}/move", {"account_number": cast.bob_account.number})
    assert r.status_code == 404
    with pytest.raises(InvalidInput, match="not an active member of staff"):  # the action itself refuses
        actions.do_move_to_account(cast.alice_case, cast.bob_account, acting_user=cast.alice)
    assert cast.fresh(cast.alice_case).account == cast.alice_account
