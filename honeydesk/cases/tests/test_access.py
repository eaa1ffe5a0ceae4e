"""The one door (access.py) and the account actions, below the API."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from honeydesk.accounts.actions import ContactData, do_add_contact, do_create_account, find_contact_by_point
from honeydesk.accounts.models import ContactPoint, User
from honeydesk.cases import access
from honeydesk.cases.models import TimelineEntry
from honeydesk.lib.errors import InvalidInput, NotFound


def test_it_filters_cases_by_role(cast):
    visible = {u.username: set(access.cases_visible_to(u).values_list("pk", flat=True)) for u in cast.everyone}
    a, b = cast.alice_case.pk, cast.bob_case.pk
    assert visible == {"alice": {a}, "bob": {b}, "bianca": {a}, "rafael": {b}, "sam": {a, b}, "ada": {a, b}}
    assert not access.cases_visible_to(AnonymousUser()).exists()


def test_it_hides_everything_from_deactivated_people(cast):
    for user in (cast.alice, cast.billing_agent, cast.admin):
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.refresh_from_db()
        assert not access.cases_visible_to(user).exists()
        assert not access.accounts_visible_to(user).exists()


def test_it_gives_one_answer_for_missing_and_forbidden(cast):
    with pytest.raises(NotFound) as forbidden:
        access.case_for(cast.alice, cast.bob_case.ref)
    with pytest.raises(NotFound) as missing:
        access.case_for(cast.alice, "HD-424242")
    with pytest.raises(NotFound) as garbage:
        access.case_for(cast.alice, "'; drop table cases; --")
    assert str(forbidden.value) == str(missing.value) == str(garbage.value)
    assert access.case_for(cast.alice, f"hd{cast.alice_case.pk}").pk == cast.alice_case.pk


def test_it_shows_customers_only_public_entries(cast):
    for_customer = access.entries_visible_to(cast.alice, cast.alice_case)
    for_agent = access.entries_visible_to(cast.billing_agent, cast.alice_case)
    assert not for_customer.filter(visibility=TimelineEntry.Visibility.INTERNAL).exists()
    assert for_agent.filter(kind=TimelineEntry.Kind.NOTE).exists()


def test_it_lets_customers_see_only_their_own_accounts_and_contacts(cast):
    assert list(access.accounts_visible_to(cast.alice)) == [cast.alice_account]
    assert list(access.contacts_visible_to(cast.bob)) == [cast.bob_contact]
    assert access.accounts_visible_to(cast.repair_agent).count() == 2
    with pytest.raises(NotFound):
        access.account_for(cast.alice, cast.bob_account.number)
    with pytest.raises(NotFound):
        access.require_staff(cast.alice)
    access.require_staff(cast.repair_agent)


def test_it_stores_contact_points_normalised_and_once(cast):
    contact = do_add_contact(
        cast.bob_account,
        ContactData("Bea Baker", ["Bea@Example.TEST", "bea@example.test "], ["(415) 555-0777", "+1 415 555 0777"]),
        acting_user=cast.admin,
    )
    assert sorted(contact.points.values_list("kind", "value")) == [
        ("email", "bea@example.test"),
        ("phone", "+14155550777"),
    ]
    assert find_contact_by_point(ContactPoint.Kind.PHONE, "415-555-0777") == contact
    assert find_contact_by_point(ContactPoint.Kind.EMAIL, "BEA@example.test") == contact
    assert find_contact_by_point(ContactPoint.Kind.PHONE, "not a phone") is None


def test_it_refuses_details_that_belong_to_someone_else_and_saves_nothing(cast):
    with pytest.raises(InvalidInput) as refused:
        do_create_account(
            number="4000004",
            name="Dup",
            acting_user=cast.admin,
            contacts=[ContactData("One", ["one@example.test"]), ContactData("Two", ["ONE@example.test"])],
        )
    assert "contacts.1.contact" in refused.value.fields
    assert not type(cast.alice_account).objects.filter(number="4000004").exists()
    with pytest.raises(InvalidInput):
        do_add_contact(cast.bob_account, ContactData("Copy", [], ["+14155550101"]), acting_user=cast.admin)
