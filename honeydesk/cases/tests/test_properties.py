"""Priority, tags and custom fields on a case (issue 17): each change an action on record."""

from __future__ import annotations

import pytest

from honeydesk.accounts.models import AuditEvent
from honeydesk.cases import actions, properties
from honeydesk.cases.models import Case, CaseField, CaseTag, Tag, TimelineEntry
from honeydesk.lib.errors import InvalidInput, InvalidTransition, NotFound, StaleVersion

Event = TimelineEntry.Event


def events(case: Case, event: str) -> list[TimelineEntry]:
    return list(TimelineEntry.objects.filter(case=case, event=event).order_by("id"))


def test_it_changes_the_priority_on_record(cast):
    case = properties.do_set_priority(cast.alice_case, "urgent", acting_user=cast.billing_agent)
    assert cast.fresh(case).priority == "urgent"
    [entry] = events(case, Event.PRIORITY_CHANGED)
    assert entry.body == "Priority: Normal → Urgent" and entry.visibility == "internal"
    assert entry.data == {"from": "normal", "to": "urgent"} and entry.author == cast.billing_agent
    with pytest.raises(InvalidTransition):
        properties.do_set_priority(case, "urgent", acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):
        properties.do_set_priority(case, "whenever", acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):  # customers do not set priorities
        properties.do_set_priority(case, "low", acting_user=cast.alice)
    with pytest.raises(StaleVersion):
        properties.do_set_priority(case, "low", acting_user=cast.billing_agent, expected_version=1)


def test_it_adds_and_removes_tags_with_one_entry_per_change(cast):
    case = cast.alice_case
    now = properties.do_change_tags(case, add=["Billing dispute", "vip"], acting_user=cast.billing_agent)
    assert now == ["billing-dispute", "vip"] == properties.tags_of(case)
    now = properties.do_change_tags(case, add=["vip"], remove=["billing-dispute"], acting_user=cast.billing_agent)
    assert now == ["vip"]
    bodies = [e.body for e in events(case, Event.TAGS_CHANGED)]
    assert bodies == ["Tags added billing-dispute, vip", "Tags removed billing-dispute"]
    version = cast.fresh(case).version
    properties.do_change_tags(case, remove=["never-had"], acting_user=cast.billing_agent)
    assert cast.fresh(case).version == version, "no change, no entry"
    for bad in (["a b/c"], ["x" * 51], [""]):
        with pytest.raises(InvalidInput):
            properties.do_change_tags(case, add=bad, acting_user=cast.billing_agent)
    with pytest.raises(InvalidInput):
        properties.do_change_tags(case, add=["a"], remove=["a"], acting_user=cast.billing_agent)


def test_it_filters_cases_by_tag(cast):
    properties.do_change_tags(cast.alice_case, add=["refund"], acting_user=cast.admin)
    properties.do_change_tags(cast.bob_case, add=["outage"], acting_user=cast.admin)
    assert list(properties.with_tag(Case.objects.all(), "Refund")) == [cast.alice_case]
    assert list(properties.with_tag(Case.objects.all(), "unknown")) == []


def test_it_lets_admins_rename_and_merge_tags(cast):
    properties.do_change_tags(cast.alice_case, add=["refnd", "refund"], acting_user=cast.admin)
    properties.do_change_tags(cast.bob_case, add=["refnd"], acting_user=cast.admin)
    typo = Tag.objects.get(name="refnd")
    with pytest.raises(NotFound):
        properties.do_rename_tag(typo, "refunds", acting_user=cast.supervisor)
    with pytest.raises(InvalidInput, match="merge"):
        properties.do_rename_tag(typo, "refund", acting_user=cast.admin)
    moved = properties.do_merge_tags(typo, Tag.objects.get(name="refund"), acting_user=cast.admin)
    assert moved == 2
    assert properties.tags_of(cast.alice_case) == ["refund"] == properties.tags_of(cast.bob_case)
    assert not Tag.objects.filter(name="refnd").exists()
    properties.do_rename_tag(Tag.objects.get(name="refund"), "Refunds", acting_user=cast.admin)
    assert properties.tags_of(cast.bob_case) == ["refunds"]
    assert AuditEvent.objects.filter(target__startswith="tag refnd merged").exists()
    assert CaseTag.objects.count() == 2


@pytest.fixture
def fields(cast):
    order = CaseField.objects.create(key="order_number", label="Order number", kind="text")
    order.request_types.add(cast.billing_type)
    amount = CaseField.objects.create(key="amount", label="Amount", kind="number")
    when = CaseField.objects.create(key="visit_date", label="Visit date", kind="date")
    cause = CaseField.objects.create(
        key="cause", label="Cause", kind="choice", choices=["Meter", "Tariff"], required_at_resolution=True
    )
    checked = CaseField.objects.create(
        key="checked", label="Checked with customer", kind="checkbox", required_at_resolution=True
    )
    repair_only = CaseField.objects.create(key="engineer", label="Engineer", kind="text")
    repair_only.request_types.add(cast.repair_type)
    return {f.key: f for f in (order, amount, when, cause, checked, repair_only)}


def test_it_validates_every_kind_of_custom_field_and_writes_nothing_on_a_bad_value(cast, fields):
    case = cast.alice_case  # a billing case
    with pytest.raises(InvalidInput) as bad:
        properties.do_set_fields(
            case,
            {
                "amount": "12 euros",
                "visit_date": "31/03/2026",
                "cause": "Weather",
                "engineer": "x",
                "order_number": "A1",
            },
            acting_user=cast.billing_agent,
        )
    assert set(bad.value.fields) == {"fields.amount", "fields.visit_date", "fields.cause", "fields.engineer"}
    assert cast.fresh(case).custom == {} and not events(case, Event.FIELDS_CHANGED)
    properties.do_set_fields(
        case,
        {"amount": "1,250.5", "visit_date": "2026-03-31", "cause": "Meter", "checked": "on", "order_number": " A1 "},
        acting_user=cast.billing_agent,
    )
    assert cast.fresh(case).custom == {
        "amount": 1250.5,
        "visit_date": "2026-03-31",
        "cause": "Meter",
        "checked": True,
        "order_number": "A1",
    }
    properties.do_set_fields(case, {"amount": 12, "order_number": ""}, acting_user=cast.billing_agent)
    assert cast.fresh(case).custom["amount"] == 12 and "order_number" not in cast.fresh(case).custom
    last = events(case, Event.FIELDS_CHANGED)[-1]
    assert last.body == "Amount: 1250.5 → 12\nOrder number: A1 → —" and last.visibility == "internal"


def test_it_blocks_resolution_until_the_required_fields_are_set(cast, fields):
    case = cast.alice_case
    with pytest.raises(InvalidInput) as blocked:
        actions.do_resolve(case, note="Refunded", acting_user=cast.billing_agent)
    assert "cannot be resolved yet: fill in Cause, Checked with customer first" in blocked.value.message
    assert set(blocked.value.fields) == {"fields.cause", "fields.checked"}
    assert cast.fresh(case).status != "resolved"
    properties.do_set_fields(case, {"cause": "Tariff", "checked": True}, acting_user=cast.billing_agent)
    actions.do_resolve(case, note="Refunded", acting_user=cast.billing_agent)
    assert cast.fresh(case).status == "resolved"


def test_it_filters_cases_by_custom_field(cast, fields):
    properties.do_set_fields(cast.alice_case, {"cause": "Meter", "amount": 40}, acting_user=cast.admin)
    properties.do_set_fields(cast.bob_case, {"cause": "Tariff"}, acting_user=cast.admin)
    every = Case.objects.all()
    assert list(properties.with_field(every, fields["cause"], "Meter")) == [cast.alice_case]
    assert list(properties.with_field(every, fields["amount"], "40")) == [cast.alice_case]
    assert list(properties.with_field(every, fields["amount"], "")) == [cast.bob_case]
    assert list(properties.with_field(every, fields["checked"], "no")) == list(every)
    with pytest.raises(InvalidInput) as bad:
        properties.with_field(every, fields["amount"], "lots", "field")
    assert list(bad.value.fields) == ["field"]
