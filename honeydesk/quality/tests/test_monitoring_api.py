"""Monitoring through the API: supervisors draw and review, a rep sees and answers only
their own reviews, customers never see a scorecard."""

from __future__ import annotations

import time_machine

from honeydesk.cases.models import TimelineEntry
from honeydesk.quality import monitoring
from honeydesk.quality.models import Review, ReviewEvent
from honeydesk.quality.tests.conftest import utc
from honeydesk.quality.tests.test_monitoring import WEEK, work


def test_it_reviews_a_sampled_item_and_lets_only_the_rep_answer(cast, settings):
    settings.TIME_ZONE = "UTC"
    work(cast, cast.billing_agent, WEEK, 4)
    work(cast, cast.repair_agent, WEEK, 2)
    public_before = TimelineEntry.objects.filter(visibility="public").count()
    with time_machine.travel(utc(2025, 3, 12, 10), tick=False):
        boss = cast.api(cast.supervisor)
        drawn = boss.post("/monitoring/samples", {"week": "2025-W10"})
        assert drawn.status_code == 201, drawn.json()
        mine = next(s for s in drawn.json() if s["rep"] == cast.billing_agent.display_name)
        assert len(mine["items"]) == 4 and mine["seed"]
        criteria = boss.get("/monitoring/criteria").json()
        scores = [{"criterion": c["id"], "score": 5} for c in criteria]
        item = mine["items"][0]["id"]
        short = boss.post(f"/monitoring/items/{item}/review", {"scores": scores[:-1]})
        assert short.status_code == 422
        done = boss.post(f"/monitoring/items/{item}/review", {"scores": scores, "notes": "INTERNAL-NOTES great"})
        assert done.status_code == 201 and done.json()["total"] == 100
        review = done.json()["id"]
        assert boss.post(f"/monitoring/items/{item}/review", {"scores": scores}).status_code == 409
        # Another rep, a customer: the same 404 as a missing review; no listing.
        for outsider in (cast.repair_agent, cast.alice):
            api = cast.api(outsider)
            assert api.get(f"/monitoring/reviews/{review}").status_code == 404
            assert api.post(f"/monitoring/reviews/{review}/dispute", {"version": 1, "reason": "x"}).status_code == 404
            assert api.get("/monitoring/reviews").status_code == 404
            assert api.get("/monitoring/samples").status_code == 404
        assert cast.api(cast.repair_agent).get("/monitoring/my-reviews").json() == []
        assert cast.api(cast.alice).get("/monitoring/my-reviews").status_code == 404
        assert cast.api(cast.alice).get("/monitoring/criteria").status_code == 404
        # The rep sees it and disputes it; the supervisor sees the dispute.
        rep = cast.api(cast.billing_agent)
        assert [r["id"] for r in rep.get("/monitoring/my-reviews").json()] == [review]
        assert rep.post(f"/monitoring/reviews/{review}/dispute", {"version": 1, "reason": " "}).status_code == 422
        disputed = rep.post(f"/monitoring/reviews/{review}/dispute", {"version": 1, "reason": "It was a call"})
        assert disputed.status_code == 200 and disputed.json()["state"] == "disputed"
        again = rep.post(f"/monitoring/reviews/{review}/acknowledge", {"version": 2})
        assert again.status_code == 409
        assert [r["id"] for r in boss.get("/monitoring/reviews", state="disputed").json()] == [review]
        assert boss.post(f"/monitoring/reviews/{review}/acknowledge", {"version": 2}).status_code == 404
    kinds = list(ReviewEvent.objects.filter(review_id=review).values_list("kind", "by__username", "text"))
    assert kinds == [("submitted", "sam", ""), ("disputed", "bianca", "It was a call")]
    # Nothing about the review reaches the case's timeline.
    assert TimelineEntry.objects.filter(visibility="public").count() == public_before
    assert not TimelineEntry.objects.filter(body__contains="INTERNAL-NOTES").exists()
    with time_machine.travel(utc(2025, 3, 12, 10), tick=False):
        trend = monitoring.trends(Review.objects.all())
    assert [(r["rep"], r["cells"][-2]) for r in trend["reps"]] == [("Bianca", {"average": 100, "reviews": 1})]


def test_it_acknowledges_a_review_and_keeps_its_scorecard_version(cast, settings):
    from honeydesk.quality.models import Criterion

    settings.TIME_ZONE = "UTC"
    work(cast, cast.billing_agent, WEEK, 1)
    with time_machine.travel(utc(2025, 3, 12, 10), tick=False):
        boss = cast.api(cast.supervisor)
        item = boss.post("/monitoring/samples", {"week": "2025-W10", "rep": "bianca"}).json()[0]["items"][0]["id"]
        scores = [{"criterion": c["id"], "score": 1} for c in boss.get("/monitoring/criteria").json()]
        review = boss.post(f"/monitoring/items/{item}/review", {"scores": scores}).json()
        Criterion.objects.update(name="Renamed")
        rep = cast.api(cast.billing_agent)
        shown = rep.get(f"/monitoring/reviews/{review['id']}").json()
        assert shown["scores"] == review["scores"] and "Renamed" not in {s["name"] for s in shown["scores"]}
        ok = rep.post(f"/monitoring/reviews/{review['id']}/acknowledge", {"version": 1, "comment": "Fair"})
        assert ok.status_code == 200 and ok.json()["state"] == "acknowledged" and ok.json()["total"] == 0
        assert [e["kind"] for e in ok.json()["events"]] == ["submitted", "acknowledged"]


def test_it_lists_the_samples_assigned_to_me(cast, settings):
    from honeydesk.accounts.models import Role
    from honeydesk.testing import make_staff

    settings.TIME_ZONE = "UTC"
    sue = make_staff("sue", Role.SUPERVISOR, cast.billing, first_name="Sue")
    make_staff("bruno", Role.AGENT, cast.billing, first_name="Bruno")
    with time_machine.travel(utc(2025, 3, 12, 10), tick=False):
        drawn = cast.api(cast.supervisor).post("/monitoring/samples", {"week": "2025-W10"}).json()
        assigned = monitoring.reviewers(WEEK)
        assert {s["rep"]: s["reviewer"] for s in drawn} == {
            rep.display_name: assigned[rep.pk].display_name for rep in monitoring.reps()
        }
        for boss in (cast.supervisor, sue):
            mine = cast.api(boss).get("/monitoring/samples?assigned_to_me=true").json()
            assert mine and {s["reviewer"] for s in mine} == {boss.display_name}
            assert len(cast.api(boss).get("/monitoring/samples").json()) == 3


def test_it_lets_only_a_supervisor_settle_a_dispute(cast, settings):
    settings.TIME_ZONE = "UTC"
    work(cast, cast.billing_agent, WEEK, 2)
    with time_machine.travel(utc(2025, 3, 12, 10), tick=False):
        boss = cast.api(cast.supervisor)
        item = boss.post("/monitoring/samples", {"week": "2025-W10"}).json()[0]["items"][0]["id"]
        criteria = boss.get("/monitoring/criteria").json()
        scores = [{"criterion": c["id"], "score": 3} for c in criteria]
        review = boss.post(f"/monitoring/items/{item}/review", {"scores": scores}).json()["id"]
        url = f"/monitoring/reviews/{review}/settle"
        rep = cast.api(cast.billing_agent)
        assert rep.post(f"/monitoring/reviews/{review}/dispute", {"version": 1, "reason": "Unfair"}).status_code == 200
        amend = {"version": 2, "decision": "amend", "comment": "Agreed", "scores": scores}
        for outsider in (cast.billing_agent, cast.repair_agent, cast.alice):
            assert cast.api(outsider).post(url, amend).status_code == 404
        assert boss.post(url, amend).status_code == 422  # nothing changed
        amend["scores"] = [{**scores[0], "score": 5}, *scores[1:]]
        done = boss.post(url, amend)
        assert done.status_code == 200, done.json()
        body = done.json()
        assert body["state"] == "amended" and body["total"] > 50 and body["events"][-1]["kind"] == "amended"
        assert boss.post(url, {**amend, "version": 3}).status_code == 409
        assert [r["id"] for r in boss.get("/monitoring/reviews?state=amended").json()] == [review]
        assert [r["id"] for r in boss.get("/monitoring/reviews?assigned_to_me=true").json()] == [review]
