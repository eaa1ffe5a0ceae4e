"""Priority, tags and custom fields through the API (issue 17)."""

from __future__ import annotations

import pytest

from honeydesk.cases import properties
from honeydesk.cases.models import CaseField


@pytest.fixture
def cause(cast):
    field = CaseField.objects.create(
        key="cause", label="Cause", kind="choice", choices=["Meter", "Tariff"], required_at_resolution=True
    )
    CaseField.objects.create(key="amount", label="Amount", kind="number")
    return field


def test_it_changes_priority_tags_and_fields_with_the_version_seen(cast, cause):
    api, ref = cast.api(cast.supervisor), cast.alice_case.ref
    version = api.get(f"/cases/{ref}").json()["version"]
    assert api.post(f"/cases/{ref}/priority", {"priority": "high"}).json()["error"]["code"] == "version_required"
    shown = api.post(f"/cases/{ref}/priority", {"priority": "high", "version": version}).json()
    assert shown["priority"] == "high"
    stale = api.post(f"/cases/{ref}/tags", {"add": ["vip"], "version": version})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    shown = api.post(f"/cases/{ref}/tags", {"add": ["VIP", "refund"], "version": shown["version"]}).json()
    assert shown["tags"] == ["refund", "vip"]
    bad = api.post(
        f"/cases/{ref}/fields", {"values": {"cause": "Weather", "amount": "many"}, "version": shown["version"]}
    )
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"fields.cause", "fields.amount"}
    shown = api.post(
        f"/cases/{ref}/fields", {"values": {"cause": "Meter", "amount": 12.5}, "version": shown["version"]}
    )
    assert shown.json()["fields"] == {"cause": "Meter", "amount": 12.5}
    events = [e["event"] for e in api.get(f"/cases/{ref}/timeline").json() if e["kind"] == "event"]
    assert events[-3:] == ["priority_changed", "tags_changed", "fields_changed"]
    listed = api.get("/case-fields").json()
    assert [f["key"] for f in listed] == ["cause", "amount"] and listed[0]["required_at_resolution"] is True


def test_it_blocks_resolution_with_a_clear_message_until_required_fields_are_set(cast, cause):
    api, ref = cast.api(cast.billing_agent), cast.alice_case.ref
    version = api.get(f"/cases/{ref}").json()["version"]
    refused = api.post(f"/cases/{ref}/resolve", {"note": "Refunded", "version": version})
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == f"{ref} cannot be resolved yet: fill in Cause first."
    assert refused.json()["error"]["fields"] == {
        "fields.cause": ["Cause must be filled in before the case is resolved."]
    }


def test_it_filters_and_searches_by_tag_and_field(cast, cause):
    properties.do_change_tags(cast.alice_case, add=["refund"], acting_user=cast.admin)
    properties.do_set_fields(cast.bob_case, {"cause": "Tariff"}, acting_user=cast.admin)
    api = cast.api(cast.supervisor)
    refs = lambda **q: [c["ref"] for c in api.get("/cases", **q).json()["items"]]  # noqa: E731
    assert refs(tag="refund") == [cast.alice_case.ref]
    assert refs(tag="refund", q="charged") == [cast.alice_case.ref]
    assert refs(tag="refund", q="modem") == []
    assert refs(field="cause:Tariff") == [cast.bob_case.ref]
    assert refs(field="cause:") == [cast.alice_case.ref]
    unknown = api.get("/cases", field="nope:1")
    assert unknown.status_code == 422 and "Unknown custom field" in unknown.json()["error"]["message"]
    wrong = api.get("/cases", field="cause:Weather")
    assert wrong.status_code == 422 and list(wrong.json()["error"]["fields"]) == ["field"]
    assert api.get("/cases", tag="refund").json()["items"][0]["tags"] == ["refund"]


def test_it_lists_and_applies_macros_all_or_nothing(cast):
    from honeydesk.macros import actions
    from honeydesk.macros.actions import Draft

    macro = actions.do_save_macro(
        Draft(name="Wait", reply="Hi {first_name}", add_tags=("asked",), set_status="pending"),
        acting_user=cast.billing_agent,
    )
    api, ref = cast.api(cast.billing_agent), cast.alice_case.ref
    assert [m["name"] for m in api.get("/macros").json()] == ["Wait"]
    assert cast.api(cast.repair_agent).get("/macros").json() == []
    version = api.get(f"/cases/{ref}").json()["version"]
    refused = api.post(f"/cases/{ref}/macros/{macro.pk}/apply", {"version": version})
    assert refused.status_code == 409  # a new case cannot wait on the customer
    assert api.get(f"/cases/{ref}").json()["tags"] == [], "nothing applied"
    api.post(f"/cases/{ref}/assign", {"owner": cast.billing_agent.username, "version": version})
    version = api.get(f"/cases/{ref}").json()["version"]
    done = api.post(f"/cases/{ref}/macros/{macro.pk}/apply", {"version": version}).json()
    assert done["reply"] == "Hi Alice" and done["case"]["tags"] == ["asked"] and done["case"]["status"] == "pending"
    assert cast.api(cast.alice).get("/macros").status_code == 404
