"""The quality API: surveys read, the Recovery queue listed and a contact recorded, in
the one error shape."""

from __future__ import annotations

from honeydesk.quality.actions import Answer, do_answer_survey
from honeydesk.quality.models import Recovery, Survey
from honeydesk.quality.tests.conftest import resolve


def test_it_lists_unhappy_surveys_and_records_a_contact_with_the_version(cast, frozen):
    happy = resolve(cast)
    do_answer_survey(Survey.objects.get(case=happy), Answer(5, True), via="link")
    sad_case = resolve(cast, cast.bob_case, cast.repair_agent)
    sad = do_answer_survey(Survey.objects.get(case=sad_case), Answer(1, False, "Still offline"), via="portal")
    api = cast.api(cast.supervisor)
    listed = api.get("/surveys", unhappy="true").json()
    assert [s["case"] for s in listed] == [sad_case.ref] and listed[0]["recovery_id"] == sad.recovery.pk
    assert api.get("/surveys", case=happy.ref).json()[0]["rating"] == 5
    queue = api.get("/recoveries").json()
    assert [r["case"] for r in queue] == [sad_case.ref] and queue[0]["overdue"] is False
    url = f"/recoveries/{sad.recovery.pk}/contacts"
    missing = api.post(url, {"outcome": "resolved", "write": "call", "text": "Called"})
    assert missing.status_code == 422 and "version" in missing.json()["error"]["fields"]
    tried = api.post(url, {"outcome": "no_answer", "version": 1, "write": "call", "text": "Voicemail"})
    assert tried.status_code == 201 and tried.json()["closed_at"] is None and tried.json()["version"] == 2
    stale = api.post(url, {"outcome": "resolved", "version": 1, "write": "call", "text": "Again"})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    done = api.post(url, {"outcome": "resolved", "version": 2, "write": "reply", "text": "Fixed the node."})
    body = done.json()
    assert done.status_code == 201 and body["outcome"] == "resolved"
    assert [c["kind"] for c in body["contacts"]] == ["call", "outbound"]
    assert Recovery.objects.get(pk=sad.recovery.pk).closed_by == cast.supervisor
    assert api.get("/recoveries").json() == []
    bad = api.post(url, {"outcome": "resolved", "version": 3, "write": "call", "text": "x", "extra": 1})
    assert bad.status_code == 422
