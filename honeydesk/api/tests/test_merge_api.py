"""Merge and split through the API (issue 17, part 3)."""

from __future__ import annotations

from honeydesk.cases import actions


def test_it_merges_and_shows_the_merged_case_with_its_survivor(cast):
    dup, survivor = cast.duplicate(), cast.alice_case
    api = cast.api(cast.billing_agent)
    path = f"/cases/{dup.ref}/merge"
    assert api.post(path, {"into": survivor.ref}).json()["error"]["code"] == "version_required"
    stale = api.post(path, {"into": survivor.ref, "version": dup.version + 5})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    done = api.post(path, {"into": survivor.ref, "version": dup.version})
    assert done.status_code == 200, done.json()
    assert done.json()["merged"]["merged_into"] == survivor.ref and done.json()["merged"]["status"] == "closed"
    assert done.json()["into"]["ref"] == survivor.ref
    # The customer reads the merged case with its pointer, and both cases' messages on the survivor.
    alice = cast.api(cast.alice)
    assert alice.get(f"/cases/{dup.ref}").json()["merged_into"] == survivor.ref
    timeline = alice.get(f"/cases/{survivor.ref}/timeline").json()
    assert {e["case"] for e in timeline} == {dup.ref, survivor.ref}
    assert "Billed twice again." in [e["body"] for e in timeline]


def test_it_refuses_different_accounts_without_confirmation_and_cases_out_of_sight(cast):
    api = cast.api(cast.supervisor)
    bob_case, alice_case = cast.bob_case, cast.alice_case
    refused = api.post(f"/cases/{bob_case.ref}/merge", {"into": alice_case.ref, "version": bob_case.version})
    assert refused.status_code == 422
    assert "confirm_different_accounts" in refused.json()["error"]["fields"]
    # An agent cannot merge into a case of another department: it does not exist for them.
    dup = cast.duplicate()
    hidden = cast.api(cast.billing_agent).post(
        f"/cases/{dup.ref}/merge", {"into": bob_case.ref, "version": dup.version, "confirm_different_accounts": True}
    )
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert cast.fresh(dup).merged_into_id is None
    confirmed = api.post(
        f"/cases/{bob_case.ref}/merge",
        {"into": alice_case.ref, "version": bob_case.version, "confirm_different_accounts": True},
    )
    assert confirmed.status_code == 200


def test_it_splits_a_message_into_a_new_case(cast):
    case = cast.alice_case
    message = actions.do_add_reply(case, body="And my modem is down.", acting_user=cast.alice)
    api = cast.api(cast.supervisor)
    path = f"/cases/{case.ref}/entries/{message.pk}/split"
    version = cast.fresh(case).version
    unknown = api.post(path, {"request_type": "nope", "version": version})
    assert unknown.status_code == 422 and "request_type" in unknown.json()["error"]["fields"]
    opened = case.entries.filter(kind="event").first()
    not_a_message = api.post(f"/cases/{case.ref}/entries/{opened.pk}/split", {"version": version})
    assert not_a_message.status_code == 422
    elsewhere = api.post(f"/cases/{cast.bob_case.ref}/entries/{message.pk}/split", {"version": version})
    assert elsewhere.status_code == 404
    made = api.post(path, {"request_type": "repair", "subject": "Modem down", "version": version})
    assert made.status_code == 201, made.json()
    new = made.json()
    assert new["linked_case"] == case.ref and new["request_type"] == "repair" and new["account"] == "1000001"
    assert cast.api(cast.alice).get(f"/cases/{new['ref']}/timeline").json()[1]["body"] == "And my modem is down."


def test_it_splits_a_note_out_staying_internal(cast):
    case = cast.alice_case
    note = actions.do_add_note(case, body="Asked about a second line too.", acting_user=cast.billing_agent)
    api = cast.api(cast.billing_agent)
    made = api.post(
        f"/cases/{case.ref}/entries/{note.pk}/split", {"subject": "Second line", "version": cast.fresh(case).version}
    )
    assert made.status_code == 201, made.json()
    staff_view = api.get(f"/cases/{made.json()['ref']}/timeline").json()
    assert [(e["kind"], e["visibility"]) for e in staff_view if e["kind"] != "event"] == [("note", "internal")]
    theirs = cast.api(cast.alice).get(f"/cases/{made.json()['ref']}/timeline").json()
    assert "Asked about a second line too." not in [e["body"] for e in theirs]


def test_it_undoes_a_merge_for_whoever_sees_both_cases(cast):
    bob_case, survivor = cast.bob_case, cast.alice_case
    sup = cast.api(cast.supervisor)
    merged = sup.post(
        f"/cases/{bob_case.ref}/merge",
        {"into": survivor.ref, "version": bob_case.version, "confirm_different_accounts": True},
    )
    assert merged.status_code == 200
    path = f"/cases/{bob_case.ref}/unmerge"
    version = cast.fresh(bob_case).version
    # Each agent sees only one of the two cases: for them there is nothing to undo.
    for agent in (cast.billing_agent, cast.repair_agent):
        hidden = cast.api(agent).post(path, {"reason": "Not the same", "version": version})
        assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert cast.api(cast.bob).post(path, {"reason": "Not the same", "version": version}).status_code == 404
    assert sup.post(path, {"reason": "Not the same"}).json()["error"]["code"] == "version_required"
    assert sup.post(path, {"version": version}).status_code == 422  # a reason is required
    stale = sup.post(path, {"reason": "Not the same", "version": version - 1})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert cast.fresh(bob_case).merged_into_id == survivor.pk
    done = sup.post(path, {"reason": "Not the same household", "version": version})
    assert done.status_code == 200, done.json()
    assert done.json()["unmerged"]["merged_into"] is None and done.json()["unmerged"]["status"] == "new"
    assert done.json()["survivor"]["ref"] == survivor.ref
    assert cast.fresh(bob_case).merged_into_id is None
    again = sup.post(path, {"reason": "Not the same", "version": cast.fresh(bob_case).version})
    assert again.status_code == 409  # not merged any more
    timeline = sup.get(f"/cases/{survivor.ref}/timeline").json()
    assert {e["case"] for e in timeline} == {survivor.ref}
