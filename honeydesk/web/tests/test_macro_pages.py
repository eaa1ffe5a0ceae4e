"""Macros in the workspace (issue 17): the picker's search, applying, the macros page."""

from __future__ import annotations

from honeydesk.intelligence.models import Article
from honeydesk.macros import actions
from honeydesk.macros.actions import Draft


def test_it_finds_macros_and_articles_for_the_picker(cast):
    actions.do_save_macro(Draft(name="Refund sent", reply="Refunded"), acting_user=cast.billing_agent)
    actions.do_save_macro(Draft(name="Private", reply="Refunded"), acting_user=cast.supervisor)
    Article.objects.create(title="Refund times", body="Refunds take 5 days.")
    c = cast.client(cast.billing_agent)
    found = c.get(f"/desk/cases/{cast.alice_case.ref}/macros/?q=refund").json()
    assert [m["name"] for m in found["macros"]] == ["Refund sent"]
    assert found["articles"] == [{"name": "Refund times", "body": "Refunds take 5 days."}]
    assert cast.client(cast.repair_agent).get(f"/desk/cases/{cast.alice_case.ref}/macros/").status_code == 404


def test_it_applies_a_macro_and_puts_the_reply_in_the_composer(cast):
    macro = actions.do_save_macro(
        Draft(name="Tag it", reply="Hello {first_name}", add_tags=("vip",)), acting_user=cast.billing_agent
    )
    c, ref = cast.client(cast.billing_agent), cast.alice_case.ref
    shown = c.post(
        f"/desk/cases/{ref}/macros/{macro.pk}/apply/",
        {"version": cast.alice_case.version},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert ">Hello Alice</textarea>" in shown and 'aria-label="Remove tag vip"' in shown
    # The coach's reading of the reply comes with it (no second request to race the swap).
    coach = shown.split('id="coach"', 1)[1].split("</div>\n", 1)[0]
    assert "Listening coach:" in coach and "Uses the customer" in coach
    refused = c.post(f"/desk/cases/{ref}/macros/{macro.pk}/apply/", {"version": 1}, headers={"HX-Request": "true"})
    assert "changed" in refused.content.decode().lower()
    other = cast.client(cast.repair_agent).post(f"/desk/cases/{ref}/macros/{macro.pk}/apply/", {"version": 9})
    assert other.status_code == 404
    # Without JavaScript (a plain form post) the reply is not lost to a redirect either.
    cast.alice_case.refresh_from_db()
    plain = c.post(f"/desk/cases/{ref}/macros/{macro.pk}/apply/", {"version": cast.alice_case.version})
    assert plain.status_code == 200 and ">Hello Alice</textarea>" in plain.content.decode()


def test_it_keeps_macros_on_their_page_with_usage_for_supervisors(cast):
    c = cast.client(cast.billing_agent)
    told = c.post("/desk/macros/", {"name": "Bad", "reply": "Hi {nope}"}).content.decode()
    assert "Unknown placeholder {nope}" in told
    c.post("/desk/macros/", {"name": "Thanks", "reply": "Thank you, {first_name}.", "add_tags": "thanks"})
    macro = actions.macros_visible_to(cast.billing_agent).get(name="Thanks")
    assert macro.add_tags == ["thanks"]
    assert "Used (30 days / all)" not in c.get("/desk/macros/").content.decode()
    shared = cast.client(cast.supervisor).post(
        "/desk/macros/", {"name": "Shared", "scope": "shared", "reply": "Hello"}, follow=True
    )
    assert "Used (30 days / all)" in shared.content.decode()
    c.post(f"/desk/macros/{macro.pk}/", {"retire": "1"})
    assert not actions.macros_visible_to(cast.billing_agent).filter(name="Thanks").exists()


def test_a_macro_that_hands_the_case_over_tells_the_rep_where_its_reply_went(cast):
    macro = actions.do_save_macro(
        Draft(name="To repair", reply="Hi {first_name}, repair has it.", transfer_to=cast.repair, handoff="Modem."),
        acting_user=cast.billing_agent,
    )
    c, ref = cast.client(cast.billing_agent), cast.alice_case.ref
    answer = c.post(
        f"/desk/cases/{ref}/macros/{macro.pk}/apply/",
        {"version": cast.alice_case.version},
        headers={"HX-Request": "true"},
    )
    assert answer["HX-Redirect"] == "/desk/"
    queue = c.get("/desk/").content.decode()
    assert f"{ref} was handed over" in queue
    assert f"Its reply was not sent: it is on {ref} as an internal note for Repair." in queue
    case = cast.client(cast.repair_agent).get(f"/desk/cases/{ref}/").content.decode()
    assert "Hi Alice, repair has it." in case
