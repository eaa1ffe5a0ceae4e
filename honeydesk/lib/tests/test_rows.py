"""The hand-built INSERT and UPDATE of the hot write paths (honeydesk.lib.rows) must
write exactly what Django's save() writes, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Model
from django.db.models.signals import post_save

from honeydesk.accounts.models import Contact, ContactPoint, CustomerAccount
from honeydesk.cases.models import Case, Status, TimelineEntry
from honeydesk.channels.email.models import Message
from honeydesk.jobs.models import Job
from honeydesk.lib import clock, rows


def stored(obj: Model, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The row as the database holds it, read back through the ORM."""
    values = type(obj).objects.filter(pk=obj.pk).values()[0]  # type: ignore[attr-defined]
    return {k: v for k, v in values.items() if k not in ("id", *skip)}


def twins(cast) -> list[tuple[Model, Model, tuple[str, ...]]]:
    """Pairs of equal new instances of every model the hot paths insert, with the
    columns that must differ between the two (unique ones)."""
    now = clock.now().replace(microsecond=123456)
    case_kwargs = dict(
        subject="Modem blinks red",
        request_type=cast.repair_type,
        goal="A working line",
        facts={"modem": "X1", "nested": [1, "two", None]},
        account=cast.alice_account,
        contact=cast.alice_contact,
        department=cast.repair,
        channel="email",
        linked_case=cast.alice_case,
        created_at=now,
        updated_at=now,
    )
    entry_kwargs = dict(
        case=cast.alice_case,
        kind=TimelineEntry.Kind.INBOUND,
        author=None,
        author_name="Alice Ames",
        channel="email",
        visibility=TimelineEntry.Visibility.PUBLIC,
        body="Ünïcode and 'quotes' and %s and %(name)s",
        data={"analysis": {"tone": "calm", "score": 0.25}, "email": {"to": ["a@b.test"]}},
        created_at=now,
    )

    def message(key: str) -> Message:
        return Message(
            direction=Message.Direction.IN,
            state=Message.State.STORED,
            dedupe_key=key,
            message_id=key,
            sender="alice@example.test",
            recipients="billing@honeydesk.test",
            subject="Re: bill",
            case=cast.alice_case,
            raw=b"From: a\r\n\r\n\x00\xff binary",
            size=22,
            created_at=now,
            data={"template": "t", "context": {"missing": ["meter reading"]}},
        )

    def job() -> Job:
        return Job(
            func="honeydesk.x.y", payload={"message_id": 7}, run_after=now + timedelta(seconds=5), created_at=now
        )

    account_a = CustomerAccount(number="R-1", name="Row One", services=["fibre"], created_at=now)
    account_b = CustomerAccount(number="R-2", name="Row One", services=["fibre"], created_at=now)
    return [
        (Case(**case_kwargs), Case(**case_kwargs), ()),
        (TimelineEntry(**entry_kwargs), TimelineEntry(**entry_kwargs), ()),
        (message("k1"), message("k2"), ("dedupe_key", "message_id")),
        (job(), job(), ()),
        (account_a, account_b, ("number",)),
        (
            Contact(account=cast.alice_account, name="Second Person", created_at=now),
            Contact(account=cast.alice_account, name="Second Person", created_at=now),
            (),
        ),
    ]


def test_insert_writes_what_save_writes(cast):
    for saved, inserted, unique in twins(cast):
        saved.save()
        rows.insert(inserted)
        assert inserted.pk is not None and inserted.pk != saved.pk
        assert not inserted._state.adding
        assert stored(inserted, skip=unique) == stored(saved, skip=unique), type(saved).__name__


def test_a_new_case_gets_its_reference_and_generated_column(cast):
    case = rows.insert(
        Case(
            subject="x",
            request_type=cast.billing_type,
            account=cast.alice_account,
            department=cast.billing,
            channel="portal",
            created_at=clock.now(),
            updated_at=clock.now(),
        )
    )
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.ref == case.ref == f"HD-{case.pk:06d}"
    assert fresh.status == Status.NEW and fresh.version == case.version
    # `active` is computed by the database; the insert must leave it out.
    assert Case.objects.filter(pk=case.pk, active=True).exists()


def test_insert_many_gives_each_object_its_own_id_in_order(cast):
    entries = [
        TimelineEntry(
            case=cast.bob_case,
            kind=TimelineEntry.Kind.NOTE,
            channel="web",
            visibility=TimelineEntry.Visibility.INTERNAL,
            body=f"note {n}",
            created_at=clock.now(),
        )
        for n in range(5)
    ]
    rows.insert_many(entries)
    assert [e.pk for e in entries] == sorted(e.pk for e in entries)
    for entry in entries:
        assert TimelineEntry.objects.get(pk=entry.pk).body == entry.body


def test_unique_violation_is_djangos_integrity_error(cast):
    rows.insert(CustomerAccount(number="DUP-1", name="First"))
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(CustomerAccount(number="DUP-1", name="Second"))
    assert CustomerAccount.objects.filter(number="DUP-1").count() == 1


def test_a_saved_object_or_mixed_models_are_refused(cast):
    with pytest.raises(TypeError):
        rows.insert(cast.alice_account)
    with pytest.raises(TypeError):
        rows.insert_many([CustomerAccount(number="M-1", name="m"), Contact(account=cast.alice_account, name="m")])


def test_models_with_save_receivers_are_refused(cast):
    def receiver(**kwargs):  # pragma: no cover - never called
        pass

    post_save.connect(receiver, sender=ContactPoint, weak=False, dispatch_uid="test-rows")
    try:
        rows._plans.pop(ContactPoint, None)
        with pytest.raises(TypeError, match="signal receivers"):
            rows.insert(ContactPoint(contact=cast.alice_contact, kind="email", value="new@example.test"))
    finally:
        post_save.disconnect(sender=ContactPoint, dispatch_uid="test-rows")
        rows._plans.pop(ContactPoint, None)


def test_update_writes_what_save_update_fields_writes(cast):
    one, two = cast.fresh(cast.alice_case), cast.fresh(cast.bob_case)
    later = clock.now() + timedelta(hours=1)
    for case in (one, two):
        case.status = Status.PENDING
        case.owner = cast.billing_agent
        case.version += 1
        case.updated_at = later
        case.facts = {"changed": True}
    fields = ["status", "owner", "facts", "version", "updated_at"]
    one.save(update_fields=fields)
    rows.update(two, fields)
    a, b = Case.objects.get(pk=one.pk), Case.objects.get(pk=two.pk)
    for name in ("status", "owner_id", "facts", "version", "updated_at"):
        assert getattr(a, name) == getattr(b, name), name
    assert b.subject == cast.bob_case.subject  # fields not named are left alone


def test_update_of_a_row_that_is_gone_fails(cast):
    ghost = cast.fresh(cast.alice_case)
    ghost.pk = 10**9
    with pytest.raises(DatabaseError):
        rows.update(ghost, ["subject"])


def field_values(obj: Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_fetch_reads_what_the_orm_reads(cast):
    """Datetimes, JSON, booleans and nullable keys come back converted, as through the ORM."""
    case = cast.fresh(cast.alice_case)
    case.facts = {"meter": "A-1", "list": [1, 2]}
    case.escalated = True
    case.save()
    sql = f"SELECT {rows.columns(Case, 'c')}, 41 + 1 FROM cases_case c WHERE c.id = %s"
    [(fetched, extra)] = rows.fetch(Case, sql, [case.pk], extra=1)
    assert field_values(fetched) == field_values(Case.objects.get(pk=case.pk))
    assert extra == (42,)
    assert fetched.created_at.tzinfo is not None and fetched.escalated is True
    assert not fetched._state.adding
    account_sql = f"SELECT {rows.columns(CustomerAccount, 'a')} FROM accounts_customeraccount a WHERE a.number = %s"
    assert rows.fetch(CustomerAccount, account_sql, ["no-such-number"]) == []
    [(account, _)] = rows.fetch(CustomerAccount, account_sql, [cast.alice_account.number])
    assert field_values(account) == field_values(CustomerAccount.objects.get(pk=cast.alice_account.pk))


def test_query_counters_still_see_every_statement(cast):
    """The direct SQLite path steps aside while queries are logged, so the tests that
    keep query counts flat count these statements too."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        account = rows.insert(CustomerAccount(number="Q-1", name="Counted", created_at=clock.now()))
        account.name = "Counted again"
        rows.update(account, ["name"])
        sql = f"SELECT {rows.columns(CustomerAccount, 'a')} FROM accounts_customeraccount a WHERE a.id = %s"
        [(found, _)] = rows.fetch(CustomerAccount, sql, [account.pk])
    assert found.name == "Counted again"
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements == ["INSERT", "UPDATE", "SELECT"]
