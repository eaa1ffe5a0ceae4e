"""Priority, tags and custom fields in the workspace; queue filters, CSV export and the
admins' tag page (issue 17)."""

from __future__ import annotations

import csv
import io

import pytest

from honeydesk.cases import properties
from honeydesk.cases.models import CaseField, Tag


@pytest.fixture
def cause(cast):
    field = CaseField.objects.create(
        key="cause", label="Cause", kind="choice", choices=["Meter", "Tariff"], required_at_resolution=True
    )
    CaseField.objects.create(key="checked", label="Checked", kind="checkbox")
    return field


def _post(cast, user, case, name, data):
    seen = cast.fresh(case).version
    return cast.client(user).post(
        f"/desk/cases/{case.ref}/do/{name}/", {**data, "version": seen}, headers={"HX-Request": "true"}
    )


def test_it_changes_priority_tags_and_fields_from_the_case_page(cast, cause):
    case, agent = cast.alice_case, cast.billing_agent
    page = cast.client(agent).get(f"/desk/cases/{case.ref}/").content.decode()
    assert 'id="case-properties"' in page and "Cause" in page and "(required to resolve)" in page
    assert _post(cast, agent, case, "priority", {"priority": "high"}).status_code == 200
    shown = _post(cast, agent, case, "tag", {"tags": "Refund, vip"}).content.decode()
    assert 'aria-label="Remove tag refund"' in shown
    _post(cast, agent, case, "untag", {"tag": "vip"})
    bad = _post(cast, agent, case, "fields", {"f_cause": "Weather", "f_checked": "1"}).content.decode()
    assert "Cause must be one of: Meter, Tariff." in bad
    assert cast.fresh(case).custom == {}
    _post(cast, agent, case, "fields", {"f_cause": "Meter", "f_checked": "1"})
    fresh = cast.fresh(case)
    assert (fresh.priority, properties.tags_of(fresh), fresh.custom) == (
        "high",
        ["refund"],
        {"cause": "Meter", "checked": True},
    )
    _post(cast, agent, case, "fields", {"f_cause": "Meter"})  # the box unticked
    assert cast.fresh(case).custom == {"cause": "Meter", "checked": False}
    # Without the version seen nothing changes (issue 19).
    refused = cast.client(agent).post(f"/desk/cases/{case.ref}/do/priority/", {"priority": "low"})
    assert refused.status_code == 409 and cast.fresh(case).priority == "high"


def test_it_blocks_resolving_from_the_page_with_the_missing_field_named(cast, cause):
    shown = _post(cast, cast.billing_agent, cast.alice_case, "resolve", {"note": "Done"}).content.decode()
    assert "cannot be resolved yet: fill in Cause first." in shown
    assert cast.fresh(cast.alice_case).status != "resolved"


def test_it_keeps_the_case_tools_from_other_departments(cast, cause):
    response = _post(cast, cast.repair_agent, cast.alice_case, "tag", {"tags": "nosy"})
    assert response.status_code == 404 and not Tag.objects.exists()


def test_it_filters_queues_by_tag_and_field_and_exports_them(cast, cause):
    properties.do_change_tags(cast.alice_case, add=["refund"], acting_user=cast.admin)
    properties.do_set_fields(cast.alice_case, {"cause": "Meter"}, acting_user=cast.admin)
    c = cast.client(cast.supervisor)
    rows = lambda q: c.get(f"/desk/?queue=department&{q}").content.decode()  # noqa: E731
    assert cast.alice_case.ref in rows("tag=refund") and cast.bob_case.ref not in rows("tag=refund")
    assert cast.bob_case.ref in rows("field=cause&value=") and cast.alice_case.ref not in rows("field=cause&value=")
    assert "Cause must be one of" in rows("field=cause&value=Weather")
    export = c.get("/desk/export.csv?queue=department&tag=refund")
    assert export["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(export.content.decode())))
    assert table[0][-3:] == ["tags", "cause", "checked"]
    assert [r[0] for r in table[1:]] == [cast.alice_case.ref]
    assert table[1][-3:] == ["refund", "Meter", ""]
    # Agents export only what they may see; customers get nothing.
    mine = cast.client(cast.repair_agent).get("/desk/export.csv?queue=department")
    assert cast.alice_case.ref not in mine.content.decode()
    assert cast.client(cast.alice).get("/desk/export.csv").status_code in (302, 404)


def test_it_keeps_spreadsheet_formulas_out_of_the_export(cast):
    CaseField.objects.create(key="note", label="Note", kind="text")
    properties.do_set_fields(cast.alice_case, {"note": "=HYPERLINK(1)"}, acting_user=cast.admin)
    export = cast.client(cast.supervisor).get("/desk/export.csv?queue=department")
    assert "'=HYPERLINK(1)" in export.content.decode()


def test_it_lets_only_admins_rename_and_merge_tags_on_their_page(cast):
    properties.do_change_tags(cast.alice_case, add=["refnd", "refund"], acting_user=cast.admin)
    assert cast.client(cast.supervisor).get("/desk/tags/").status_code == 404
    refused = cast.client(cast.supervisor).post("/desk/tags/", {"tag": "refnd", "do": "merge", "into": "refund"})
    assert refused.status_code == 404 and Tag.objects.count() == 2
    admin = cast.client(cast.admin)
    assert "refnd" in admin.get("/desk/tags/").content.decode()
    admin.post("/desk/tags/", {"tag": "refnd", "do": "merge", "into": "refund"})
    admin.post("/desk/tags/", {"tag": "refund", "do": "rename", "name": "Refunds"})
    assert properties.tags_of(cast.alice_case) == ["refunds"]
    told = admin.post("/desk/tags/", {"tag": "refunds", "do": "rename", "name": "bad/name"}, follow=True)
    assert "may hold letters a-z" in told.content.decode()


def test_it_searches_within_a_tag(cast):
    properties.do_change_tags(cast.bob_case, add=["outage"], acting_user=cast.admin)
    c = cast.client(cast.supervisor)
    assert cast.bob_case.ref in c.get("/desk/search/?q=modem&tag=outage").content.decode()
    assert cast.bob_case.ref not in c.get("/desk/search/?q=modem&tag=refund").content.decode()
