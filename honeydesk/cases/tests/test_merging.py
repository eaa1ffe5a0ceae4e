"""Merge a duplicate into another case and split a message out (issue 17, part 3)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from honeydesk.cases import access, actions, merging
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.channels.email.inbound import ingest
from honeydesk.channels.email.models import Message
from honeydesk.lib import clock
from honeydesk.lib.errors import InvalidInput, InvalidTransition, StaleVersion
from honeydesk.metrics.definitions import facts_for_cases

Event = TimelineEntry.Event


def mails(template: str) -> list[Message]:
    return list(Message.objects.filter(direction=Message.Direction.OUT, data__template=template))


def test_it_merges_keeping_every_entry_in_time_order_with_the_source_marked(cast):
    survivor = cast.alice_case
    start = clock.now()
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        dup = cast.duplicate("Billed twice again, see March.")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        actions.do_add_reply(survivor, body="Looking into it", acting_user=cast.billing_agent)
    with time_machine.travel(start + timedelta(minutes=15), tick=False):
        actions.do_add_reply(dup, body="Any news?", acting_user=cast.alice)
    before = {e.pk: (e.case_id, e.body) for e in TimelineEntry.objects.filter(case__in=[survivor, dup])}
    version = cast.fresh(dup).version
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        merged = merging.do_merge_cases(dup, survivor, acting_user=cast.billing_agent, expected_version=version)
    assert merged.pk == survivor.pk
    dup = cast.fresh(dup)
    assert dup.status == Status.CLOSED and dup.merged_into_id == survivor.pk and dup.closed_at is not None
    # Nothing moved or changed: every old entry is where it was, as it was.
    for pk, (case_id, body) in before.items():
        entry = TimelineEntry.objects.get(pk=pk)
        assert (entry.case_id, entry.body) == (case_id, body)
    shown = list(access.entries_visible_to(cast.billing_agent, survivor))
    assert set(before) <= {e.pk for e in shown}
    assert [(e.created_at, e.pk) for e in shown] == sorted((e.created_at, e.pk) for e in shown)
    bodies = [e.body for e in shown if e.kind in ("inbound", "outbound")]
    assert bodies == ["I was billed $89.99 twice.", "Billed twice again, see March.", "Looking into it", "Any news?"]
    assert {e.case_id for e in shown if e.body == "Any news?"} == {dup.pk}  # marked by its own case
    [merged_event] = dup.entries.filter(event=Event.MERGED)
    assert merged_event.visibility == "public" and survivor.ref in merged_event.body
    [merged_in] = survivor.entries.filter(event=Event.MERGED_IN)
    assert merged_in.visibility == "public" and merged_in.data["source"] == dup.ref
    assert merged_in.data["entries"] == dup.entries.count() - 2  # counted before the merge's own two
    # The customer reads the duplicate's public entries on the survivor, never its notes.
    actions.do_add_note(survivor, body="INTERNAL second note", acting_user=cast.billing_agent)
    theirs = list(access.entries_visible_to(cast.alice, survivor))
    assert "Any news?" in [e.body for e in theirs]
    assert all(e.visibility == "public" for e in theirs)
    with pytest.raises(InvalidTransition):
        merging.do_merge_cases(dup, survivor, acting_user=cast.billing_agent)


def test_it_tells_the_customer_once(cast):
    dup = cast.duplicate()
    sent = Message.objects.filter(direction=Message.Direction.OUT).count()
    merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.billing_agent)
    assert Message.objects.filter(direction=Message.Direction.OUT).count() == sent + 1
    [notice] = mails("merged")
    assert notice.case_id == dup.pk and notice.recipients == "alice@example.test"
    assert notice.data["context"]["into"] == cast.alice_case.ref


def test_it_threads_the_customers_replies_to_the_merged_case_onto_the_survivor(cast):
    first = (
        b"From: Alice Archer <alice@example.test>\nTo: billing@honeydesk.test\nSubject: Charged twice\n"
        b"Message-ID: <dup-1@mail.example.test>\n\nMy March bill has the same charge twice.\n"
    )
    opened = ingest(first, "test")
    dup = Case.objects.get(pk=int(opened.case[3:]))
    assert dup.pk != cast.alice_case.pk
    merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.billing_agent)
    [notice] = mails("merged")
    # A reply to the customer's own first mail, and one to our notice of the merge.
    answers = [
        (b"dup-2@mail.example.test", b"dup-1@mail.example.test", b"Here is the statement."),
        (b"dup-3@mail.example.test", notice.message_id.encode(), b"Thanks for combining them."),
    ]
    for mid, parent, text in answers:
        raw = (
            b"From: Alice Archer <alice@example.test>\nTo: billing@honeydesk.test\nSubject: Re: Charged twice\n"
            b"Message-ID: <" + mid + b">\nIn-Reply-To: <" + parent + b">\n\n" + text + b"\n"
        )
        result = ingest(raw, "test")
        assert result.status == "stored" and result.case == cast.alice_case.ref
        entry = Message.objects.get(pk=result.message).entry
        assert entry.case_id == cast.alice_case.pk and entry.body == text.decode()
    assert cast.fresh(dup).status == Status.CLOSED  # the merged case was not reopened
    assert not Case.objects.filter(linked_case=dup).exists()  # nor a follow-up opened


def test_it_needs_a_confirmation_to_merge_cases_of_different_accounts(cast):
    bob_case, survivor = cast.bob_case, cast.alice_case
    with pytest.raises(InvalidInput) as refused:
        merging.do_merge_cases(bob_case, survivor, acting_user=cast.supervisor)
    assert merging.DIFFERENT_ACCOUNTS in refused.value.fields
    assert "different customer accounts" in refused.value.message
    assert cast.fresh(bob_case).version == bob_case.version and cast.fresh(bob_case).merged_into_id is None
    merging.do_merge_cases(bob_case, survivor, acting_user=cast.supervisor, confirm_different_accounts=True)
    assert cast.fresh(bob_case).merged_into_id == survivor.pk
    [merged_in] = survivor.entries.filter(event=Event.MERGED_IN)
    assert merged_in.visibility == "internal" and merged_in.data["different_accounts"] is True
    # Alice does not read Bob's messages on her case; staff do.
    assert "No internet since Monday." not in [e.body for e in access.entries_visible_to(cast.alice, survivor)]
    assert "No internet since Monday." in [e.body for e in access.entries_visible_to(cast.supervisor, survivor)]


def test_it_refuses_a_stale_version_and_impossible_merges(cast):
    dup = cast.duplicate()
    with pytest.raises(StaleVersion):
        merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.billing_agent, expected_version=dup.version - 1)
    with pytest.raises(InvalidInput):
        merging.do_merge_cases(dup, dup, acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):  # customers do not merge
        merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.alice)
    assert cast.fresh(dup).merged_into_id is None and not dup.entries.filter(event=Event.MERGED).exists()


def test_it_follows_earlier_merges_on_to_the_new_survivor(cast):
    first, second = cast.duplicate("one"), cast.duplicate("two")
    merging.do_merge_cases(first, second, acting_user=cast.billing_agent)
    merging.do_merge_cases(second, cast.alice_case, acting_user=cast.billing_agent)
    assert cast.fresh(first).merged_into_id == cast.alice_case.pk
    bodies = [e.body for e in access.entries_visible_to(cast.billing_agent, cast.alice_case)]
    assert "one" in bodies and "two" in bodies
    with pytest.raises(InvalidInput):  # into a merged case: told where it went
        merging.do_merge_cases(cast.duplicate(), first, acting_user=cast.billing_agent)


def test_it_splits_a_message_into_a_new_linked_case(cast):
    case = cast.alice_case
    upload = actions.Upload("bill.pdf", "application/pdf", b"%PDF-1.4 march")
    entry = actions.do_add_reply(case, body="Also my modem is down.", acting_user=cast.alice, uploads=[upload])
    new = merging.do_split_entry(
        case,
        entry,
        acting_user=cast.billing_agent,
        request_type=cast.repair_type,
        subject="Modem down",
        expected_version=cast.fresh(case).version,
    )
    assert (new.account, new.contact, new.linked_case_id) == (case.account, case.contact, case.pk)
    assert new.request_type == cast.repair_type and new.department == cast.repair and new.subject == "Modem down"
    [first] = new.entries.filter(kind="inbound")
    assert first.body == "Also my modem is down." and first.author == cast.alice
    assert first.data["split_from"]["entry"] == entry.pk
    assert [a.filename for a in first.attachments.all()] == ["bill.pdf"]
    [split] = case.entries.filter(event=Event.SPLIT)
    assert split.visibility == "public" and new.ref in split.body
    assert TimelineEntry.objects.get(pk=entry.pk).case_id == case.pk  # the message stays on record
    assert [m.case_id for m in mails("case_opened")][-1] == new.pk  # the customer gets the new reference
    with pytest.raises(StaleVersion):
        merging.do_split_entry(case, entry, acting_user=cast.billing_agent, expected_version=1)
    reply = actions.do_add_reply(case, body="We refunded it.", acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput) as sent:  # a staff reply went out on this case's thread
        merging.do_split_entry(case, reply, acting_user=cast.billing_agent)
    assert "thread" in sent.value.message
    with pytest.raises(InvalidInput):  # an event is the case's own decision
        merging.do_split_entry(case, split, acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):  # not a message of this case
        merging.do_split_entry(cast.bob_case, entry, acting_user=cast.supervisor)


def test_it_splits_a_merged_duplicates_message_back_out(cast):
    bob_case = cast.bob_case
    merging.do_merge_cases(bob_case, cast.alice_case, acting_user=cast.supervisor, confirm_different_accounts=True)
    message = bob_case.entries.get(kind="inbound")
    new = merging.do_split_entry(cast.alice_case, message, acting_user=cast.supervisor)
    # Back with the customer who wrote it.
    assert (new.account, new.contact) == (cast.bob_account, cast.bob_contact)


def test_it_puts_a_customers_message_on_a_merged_case_onto_the_survivor(cast):
    dup = cast.duplicate()
    merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.billing_agent)
    dup = cast.fresh(dup)  # as the portal and the API read it, through the door
    entry = actions.check_customer_writes(dup, body="One more detail.", acting_user=cast.alice, channel="api")
    assert entry.case_id == cast.alice_case.pk
    assert not Case.objects.filter(linked_case=dup).exists()


def _mail(mid: bytes, text: bytes, parent: bytes | None = None) -> bytes:
    reply = b"In-Reply-To: <" + parent + b">\n" if parent else b""
    return (
        b"From: Alice Archer <alice@example.test>\nTo: billing@honeydesk.test\nSubject: Charged twice\n"
        b"Message-ID: <" + mid + b">\n" + reply + b"\n" + text + b"\n"
    )


def test_it_undoes_a_merge_by_new_entries_on_both_cases(cast):
    survivor = cast.alice_case
    dup = Case.objects.get(pk=int(ingest(_mail(b"un-1@mail.example.test", b"My March bill twice."), "test").case[3:]))
    actions.do_assign(dup, cast.billing_agent, acting_user=cast.billing_agent)
    merging.do_merge_cases(dup, survivor, acting_user=cast.billing_agent)
    # While merged: the customer's reply to the duplicate's thread and a rep's answer land on the survivor.
    during = ingest(_mail(b"un-2@mail.example.test", b"Statement attached.", b"un-1@mail.example.test"), "test")
    assert during.case == survivor.ref
    answer = actions.do_add_reply(survivor, body="Thanks, checking both.", acting_user=cast.billing_agent)
    dup, survivor = cast.fresh(dup), cast.fresh(survivor)
    with pytest.raises(StaleVersion):
        merging.do_unmerge_case(dup, acting_user=cast.supervisor, reason="Two bills", expected_version=dup.version - 1)
    with pytest.raises(InvalidInput):
        merging.do_unmerge_case(dup, acting_user=cast.supervisor, reason="  ")
    with pytest.raises(InvalidInput):  # customers do not undo merges
        merging.do_unmerge_case(dup, acting_user=cast.alice, reason="Two bills")
    assert cast.fresh(dup).merged_into_id == survivor.pk
    assert not TimelineEntry.objects.filter(event=Event.UNMERGED).exists()
    sent = Message.objects.filter(direction=Message.Direction.OUT).count()
    back = merging.do_unmerge_case(
        dup, acting_user=cast.supervisor, reason="Two different invoices", expected_version=dup.version
    )
    assert back.pk == survivor.pk
    dup = cast.fresh(dup)
    assert dup.merged_into_id is None and dup.closed_at is None
    assert (dup.status, dup.owner) == (Status.OPEN, cast.billing_agent)  # reopened with its owner
    assert cast.fresh(survivor).version == survivor.version + 1
    # Both cases record who undid it and why, internally.
    for case in (dup, survivor):
        [why] = case.entries.filter(event=Event.UNMERGED, visibility="internal")
        assert why.author == cast.supervisor and "Two different invoices" in why.body
    # The customer is told once, on the duplicate's thread, and never the staff's reason.
    [told] = TimelineEntry.objects.filter(event=Event.UNMERGED, visibility="public")
    assert told.case_id == dup.pk and survivor.ref in told.body and "invoices" not in told.body
    assert Message.objects.filter(direction=Message.Direction.OUT).count() == sent + 1
    [notice] = mails("unmerged")
    assert notice.case_id == dup.pk and notice.recipients == "alice@example.test"
    # The survivor no longer reads the duplicate's entries; what was written on it meanwhile stays.
    shown = {e.pk: e for e in access.entries_visible_to(cast.supervisor, survivor)}
    assert all(e.case_id == survivor.pk for e in shown.values())
    assert Message.objects.get(pk=during.message).entry_id in shown and answer.pk in shown
    assert "My March bill twice." in [e.body for e in access.entries_visible_to(cast.alice, dup)]
    # The duplicate's thread is its own again.
    after = ingest(_mail(b"un-3@mail.example.test", b"One more thing.", b"un-1@mail.example.test"), "test")
    assert after.status == "stored" and after.case == dup.ref
    with pytest.raises(InvalidTransition):
        merging.do_unmerge_case(cast.fresh(dup), acting_user=cast.supervisor, reason="again")


def test_it_saves_nothing_of_an_unmerge_that_fails(cast, monkeypatch):
    dup = cast.duplicate()
    merging.do_merge_cases(dup, cast.alice_case, acting_user=cast.billing_agent)
    dup, survivor = cast.fresh(dup), cast.fresh(cast.alice_case)

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(merging.notify, "unmerged", broken)
    with pytest.raises(RuntimeError):
        merging.do_unmerge_case(dup, acting_user=cast.supervisor, reason="Two bills")
    assert (cast.fresh(dup).merged_into_id, cast.fresh(dup).status) == (survivor.pk, Status.CLOSED)
    assert cast.fresh(dup).version == dup.version and cast.fresh(survivor).version == survivor.version
    assert not TimelineEntry.objects.filter(event=Event.UNMERGED).exists()


def test_it_tells_only_the_customer_the_merge_told_when_accounts_differ(cast):
    bob_case, survivor = cast.bob_case, cast.alice_case
    merging.do_merge_cases(bob_case, survivor, acting_user=cast.supervisor, confirm_different_accounts=True)
    merging.do_unmerge_case(cast.fresh(bob_case), acting_user=cast.supervisor, reason="Not the same household")
    # Alice was never told of Bob's case, so she reads nothing of its undoing either.
    assert not survivor.entries.filter(event=Event.UNMERGED, visibility="public").exists()
    assert [e.body for e in access.entries_visible_to(cast.alice, survivor) if e.event == Event.UNMERGED] == []
    assert cast.fresh(bob_case).status == Status.NEW  # nobody owned it: back in the queue
    [notice] = mails("unmerged")
    assert notice.case_id == bob_case.pk
    assert bob_case.entries.filter(event=Event.UNMERGED, visibility="public").count() == 1


def test_it_brings_back_the_cases_that_followed_the_unmerged_one(cast):
    first, second = cast.duplicate("one"), cast.duplicate("two")
    merging.do_merge_cases(first, second, acting_user=cast.billing_agent)
    merging.do_merge_cases(second, cast.alice_case, acting_user=cast.billing_agent)
    merging.do_unmerge_case(cast.fresh(second), acting_user=cast.billing_agent, reason="A different month")
    assert cast.fresh(first).merged_into_id == second.pk  # merged into `second`, as before
    assert "one" in [e.body for e in access.entries_visible_to(cast.billing_agent, second)]
    assert "one" not in [e.body for e in access.entries_visible_to(cast.billing_agent, cast.alice_case)]
    [why] = second.entries.filter(event=Event.UNMERGED, visibility="internal")
    assert why.data["also"] == [first.ref]


def test_it_splits_a_note_out_and_keeps_it_internal(cast):
    case = cast.alice_case
    note = actions.do_add_note(case, body="Also asked about moving house in May.", acting_user=cast.billing_agent)
    sent = Message.objects.filter(direction=Message.Direction.OUT).count()
    new = merging.do_split_entry(case, note, acting_user=cast.billing_agent, subject="Moving house")
    assert (new.account, new.contact, new.linked_case_id, new.subject) == (
        case.account,
        case.contact,
        case.pk,
        "Moving house",
    )
    [copy] = new.entries.exclude(kind="event")
    assert (copy.kind, copy.visibility, copy.body, copy.author) == ("note", "internal", note.body, cast.billing_agent)
    assert copy.data["split_from"]["entry"] == note.pk
    [split] = case.entries.filter(event=Event.SPLIT)
    assert split.visibility == "internal" and new.ref in split.body and "note" in split.body
    assert Message.objects.filter(direction=Message.Direction.OUT).count() == sent  # nobody is told
    for shown in (access.entries_visible_to(cast.alice, new), access.entries_visible_to(cast.alice, case)):
        assert note.body not in [e.body for e in shown] and new.ref not in " ".join(e.body for e in shown)


def test_it_splits_a_call_log_out_and_counts_the_call_once(cast):
    case = cast.alice_case
    call = actions.do_log_call(
        case, body="Called: wants a second line.", acting_user=cast.billing_agent, duration_seconds=300
    )
    new = merging.do_split_entry(case, call, acting_user=cast.billing_agent, subject="Second line")
    [copy] = new.entries.filter(kind="call")
    assert (copy.visibility, copy.body, copy.data["duration_seconds"]) == ("public", call.body, 300)
    [split] = case.entries.filter(event=Event.SPLIT)
    assert split.visibility == "public" and "call log" in split.body
    assert [m.case_id for m in mails("case_opened")][-1] == new.pk  # the customer gets the new reference
    measures = [f.measure for case_id, f in facts_for_cases([case, new]) if f.measure in ("contacts", "handle_call")]
    counted = [case_id for case_id, f in facts_for_cases([case, new]) if f.measure == "handle_call"]
    assert counted == [case.pk] and measures.count("handle_call") == 1
    hidden = actions.do_log_call(case, body="Internal: line check.", acting_user=cast.billing_agent, public=False)
    other = merging.do_split_entry(case, hidden, acting_user=cast.billing_agent)
    assert other.entries.get(kind="call").visibility == "internal"
    assert case.entries.filter(event=Event.SPLIT).order_by("-id")[0].visibility == "internal"
