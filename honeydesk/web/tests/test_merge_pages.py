"""Merge and split in the workspace and the portal (issue 17, part 3)."""

from __future__ import annotations

from django.urls import reverse

from honeydesk.cases import actions
from honeydesk.cases.models import Case


def test_it_merges_from_the_case_page_after_showing_both_cases(cast):
    dup, survivor = cast.duplicate(), cast.alice_case
    rep = cast.client(cast.billing_agent)
    assert b'id="merge-box"' in rep.get(reverse("web:case", args=[dup.ref])).content
    url = reverse("web:merge_case", args=[dup.ref])
    shown = rep.get(url, {"into": survivor.ref, "version": dup.version}).content.decode()
    assert dup.ref in shown and survivor.ref in shown and "Charged twice in March" in shown
    assert "different customer accounts" not in shown and "confirm_different_accounts" not in shown
    assert cast.fresh(dup).merged_into_id is None  # showing changes nothing
    done = rep.post(url, {"into": survivor.ref, "version": dup.version})
    assert done.status_code == 302 and done["Location"] == reverse("web:case", args=[survivor.ref])
    assert cast.fresh(dup).merged_into_id == survivor.pk
    # The merged case's pages lead to the survivor, in the workspace and the portal.
    assert rep.get(reverse("web:case", args=[dup.ref]))["Location"] == reverse("web:case", args=[survivor.ref])
    portal = cast.client(cast.alice).get(reverse("web:portal_case", args=[dup.ref]))
    assert portal["Location"] == reverse("web:portal_case", args=[survivor.ref])
    page = rep.get(reverse("web:case", args=[survivor.ref])).content.decode()
    assert "Billed twice again." in page and f"From {dup.ref} (merged)" in page
    theirs = cast.client(cast.alice).get(reverse("web:portal_case", args=[survivor.ref])).content.decode()
    assert "Billed twice again." in theirs and f"From {dup.ref}" in theirs


def test_it_asks_again_when_the_accounts_differ(cast):
    sup = cast.client(cast.supervisor)
    bob_case = cast.bob_case
    url = reverse("web:merge_case", args=[bob_case.ref])
    shown = sup.get(url, {"into": cast.alice_case.ref}).content.decode()
    assert "different customer accounts" in shown and 'name="confirm_different_accounts"' in shown
    refused = sup.post(url, {"into": cast.alice_case.ref, "version": bob_case.version})
    assert refused.status_code == 422 and "confirm that they are the same request" in refused.content.decode()
    assert cast.fresh(bob_case).merged_into_id is None
    stale = sup.post(url, {"into": cast.alice_case.ref, "version": bob_case.version - 1 or 99})
    assert stale.status_code == 409
    done = sup.post(url, {"into": cast.alice_case.ref, "version": bob_case.version, "confirm_different_accounts": "1"})
    assert done.status_code == 302 and cast.fresh(bob_case).merged_into_id == cast.alice_case.pk
    # Bob cannot see Alice's case: his portal keeps the closed case's own page, which says where it went.
    own = cast.client(cast.bob).get(reverse("web:portal_case", args=[bob_case.ref]))
    assert own.status_code == 200 and f"Merged into {cast.alice_case.ref}" in own.content.decode()


def test_it_keeps_cases_out_of_sight_out_of_a_merge(cast):
    dup = cast.duplicate()
    rep = cast.client(cast.billing_agent)
    url = reverse("web:merge_case", args=[dup.ref])
    hidden = rep.post(url, {"into": cast.bob_case.ref, "version": dup.version, "confirm_different_accounts": "1"})
    assert hidden.status_code == 422 and "no case" in hidden.content.decode()
    missing = rep.get(url, {"into": "HD-999999"}).content.decode()
    assert "There is no case HD-999999 that you can see." in missing
    assert cast.fresh(dup).merged_into_id is None
    assert cast.client(cast.repair_agent).get(url).status_code == 404
    assert cast.client(cast.alice).get(url).status_code == 404


def test_it_splits_a_message_from_the_case_page(cast):
    case = cast.alice_case
    message = actions.do_add_reply(case, body="Also the modem is down.", acting_user=cast.alice)
    sup = cast.client(cast.supervisor)
    url = reverse("web:split_entry", args=[case.ref, message.pk])
    assert url.encode() in sup.get(reverse("web:case", args=[case.ref])).content
    assert "Also the modem is down." in sup.get(url).content.decode()
    version = cast.fresh(case).version
    done = sup.post(url, {"request_type": cast.repair_type.pk, "subject": "Modem down", "version": version})
    new = Case.objects.get(linked_case=case)
    assert done.status_code == 302 and done["Location"] == reverse("web:case", args=[new.ref])
    assert new.subject == "Modem down" and new.request_type == cast.repair_type
    assert cast.client(cast.alice).get(url).status_code == 404
    assert sup.get(reverse("web:split_entry", args=[case.ref, 2**63 + 5])).status_code == 404


def test_it_undoes_a_merge_from_the_survivors_page(cast):
    from honeydesk.cases import merging

    dup, survivor = cast.duplicate(), cast.alice_case
    merging.do_merge_cases(dup, survivor, acting_user=cast.billing_agent)
    rep = cast.client(cast.billing_agent)
    url = reverse("web:unmerge_case", args=[dup.ref])
    # Led from the merged case's page to the survivor's, which offers the undo.
    followed = rep.get(reverse("web:case", args=[dup.ref]), follow=True).content.decode()
    assert 'id="unmerge-box"' in followed and url in followed
    form = rep.get(url).content.decode()
    assert dup.ref in form and survivor.ref in form and 'name="reason"' in form
    version = cast.fresh(dup).version
    no_reason = rep.post(url, {"reason": " ", "version": version})
    assert no_reason.status_code == 422 and "Reason is required" in no_reason.content.decode()
    assert rep.post(url, {"reason": "Two bills", "version": version - 1}).status_code == 409
    assert cast.fresh(dup).merged_into_id == survivor.pk
    # Only staff who see both cases: others get what a missing page gets.
    assert cast.client(cast.repair_agent).get(url).status_code == 404
    assert cast.client(cast.alice).post(url, {"reason": "x", "version": version}).status_code == 404
    done = rep.post(url, {"reason": "Two different bills", "version": version})
    assert done.status_code == 302 and done["Location"] == reverse("web:case", args=[dup.ref])
    page = rep.get(reverse("web:case", args=[dup.ref]))
    assert page.status_code == 200 and "Two different bills" in page.content.decode()  # its own page again
    assert 'id="unmerge-box"' not in rep.get(reverse("web:case", args=[survivor.ref])).content.decode()
    assert rep.get(url).status_code == 404  # nothing left to undo
    theirs = cast.client(cast.alice).get(reverse("web:portal_case", args=[dup.ref])).content.decode()
    assert "handled on its own again" in theirs and "Two different bills" not in theirs


def test_it_splits_a_note_from_the_case_page(cast):
    case = cast.alice_case
    note = actions.do_add_note(case, body="Also wants a second line.", acting_user=cast.billing_agent)
    rep = cast.client(cast.billing_agent)
    url = reverse("web:split_entry", args=[case.ref, note.pk])
    assert url.encode() in rep.get(reverse("web:case", args=[case.ref])).content
    assert "stays internal" in rep.get(url).content.decode()
    done = rep.post(
        url, {"request_type": cast.billing_type.pk, "subject": "Second line", "version": cast.fresh(case).version}
    )
    new = Case.objects.get(linked_case=case)
    assert done.status_code == 302 and new.entries.get(kind="note").visibility == "internal"
    reply = actions.do_add_reply(case, body="Sent already.", acting_user=cast.billing_agent)
    page = rep.get(reverse("web:case", args=[case.ref])).content.decode()
    assert reverse("web:split_entry", args=[case.ref, reply.pk]) not in page  # sent replies stay put
