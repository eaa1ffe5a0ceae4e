"""Monitoring pages: supervisors draw and score samples, a rep reads and answers only
their own reviews, customers see no scorecard, and the pages cost the same queries
however many items a week holds."""

from __future__ import annotations

import json
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from honeydesk.cases import actions as case_actions
from honeydesk.cases.models import TimelineEntry
from honeydesk.quality import actions, monitoring
from honeydesk.quality.models import Criterion, Review, ReviewEvent, Sample, SampleItem
from honeydesk.quality.tests.conftest import utc
from honeydesk.quality.tests.test_monitoring import WEEK, work

NOW = utc(2025, 3, 12, 10)  # Wednesday of 2025-W11: last week is 2025-W10


@pytest.fixture
def week(cast, settings):
    settings.TIME_ZONE = "UTC"
    work(cast, cast.billing_agent, WEEK, 4)
    work(cast, cast.repair_agent, WEEK, 2)
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _scores_form(digest: str | None = None, score: int = 4, notes: str = "") -> dict[str, str]:
    form = {f"score-{c['id']}": str(score) for c in monitoring.current_criteria()}
    form["scorecard"] = digest if digest is not None else monitoring.scorecard_digest(monitoring.current_criteria())
    form["notes"] = notes
    return form


def _review(cast, rep=None) -> Review:
    rep = rep or cast.billing_agent
    sample = actions.do_draw_sample(rep, WEEK, acting_user=cast.supervisor)
    item = sample.items.order_by("position").first()
    scores = {int(c["id"]): 3 for c in monitoring.current_criteria()}
    return actions.do_submit_review(item, actions.Scoring(scores, "Greet by name."), acting_user=cast.supervisor)


def _queries(client, url: str) -> int:
    client.get(url)  # the session's one-off bookkeeping
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(ctx)


def test_it_shows_monitoring_only_to_supervisors_and_admins(cast, week):
    sample = actions.do_draw_sample(cast.billing_agent, WEEK, acting_user=cast.supervisor)
    item = sample.items.first()
    review = _review(cast, cast.repair_agent)
    pages = ["/desk/monitoring/", f"/desk/monitoring/items/{item.pk}/", "/desk/monitoring/trends/"]
    for user in (cast.billing_agent, cast.repair_agent, cast.alice):
        c = cast.client(user)
        for url in pages:
            assert c.get(url).status_code == 404, (user, url)
        assert c.post("/desk/monitoring/draw/", {"week": "2025-W10"}).status_code == 404
        assert c.post(f"/desk/monitoring/items/{item.pk}/", _scores_form()).status_code == 404
        # The review of the repair rep's work: theirs alone among reps.
        assert c.get(f"/desk/reviews/{review.pk}/").status_code == (200 if user == cast.repair_agent else 404)
    assert not Review.objects.filter(item=item).exists()
    for user in (cast.supervisor, cast.admin):
        c = cast.client(user)
        for url in pages:
            assert c.get(url).status_code == 200, (user, url)
        assert c.get(f"/desk/reviews/{review.pk}/").status_code == 200
    # Navigation: Monitoring for supervisors, My reviews for reps.
    desk = cast.client(cast.supervisor).get("/desk/").content.decode()
    assert "/desk/monitoring/" in desk and "/desk/reviews/" not in desk
    rep_desk = cast.client(cast.billing_agent).get("/desk/").content.decode()
    assert "/desk/reviews/" in rep_desk and "/desk/monitoring/" not in rep_desk
    # Customers: none of it, and the same 404 as a missing page.
    assert cast.client(cast.alice).get("/desk/reviews/").status_code == 404
    assert cast.client(cast.supervisor).get("/desk/monitoring/items/999999/").status_code == 404


def test_it_draws_a_week_on_demand_and_lists_each_reps_sample(cast, week):
    c = cast.client(cast.supervisor)
    page = c.get("/desk/monitoring/").content.decode()
    assert "2025-W10" in page and "Not drawn yet" in page
    drawn = c.post("/desk/monitoring/draw/", {"week": "2025-W10"}, follow=True)
    assert drawn.status_code == 200
    text = drawn.content.decode()
    assert "2 samples, 6 items to review" in text and "Not drawn yet" not in text
    samples = Sample.objects.filter(week_start=WEEK)
    assert {s.rep_id for s in samples} == {cast.billing_agent.pk, cast.repair_agent.pk}
    assert all(s.drawn_by_id == cast.supervisor.pk for s in samples)
    for sample in samples:
        assert sample.seed in text
        for item in sample.items.all():
            assert f"/desk/monitoring/items/{item.pk}/" in text
    # Drawing again keeps the samples on record; a week not started is refused.
    c.post("/desk/monitoring/draw/", {"week": "2025-W10"})
    assert Sample.objects.filter(week_start=WEEK).count() == 2 and SampleItem.objects.count() == 6
    refused = c.post("/desk/monitoring/draw/", {"week": "2025-W20"}, follow=True)
    assert "has not started yet" in refused.content.decode() and Sample.objects.count() == 2
    assert c.get("/desk/monitoring/?week=2025-W99").status_code == 422


def test_it_saves_a_review_with_the_scorecard_version_shown(cast, week):
    sample = actions.do_draw_sample(cast.billing_agent, WEEK, acting_user=cast.supervisor)
    item = sample.items.order_by("position").first()
    c = cast.client(cast.supervisor)
    page = c.get(f"/desk/monitoring/items/{item.pk}/").content.decode()
    digest = re.search(r'name="scorecard" value="([0-9a-f]{64})"', page)[1]
    assert item.entry.body in page and "Scorecard (new version)" in page
    # A criterion left out: refused, nothing saved, the other choices kept.
    form = _scores_form(digest, notes="Clear next step.")
    first = Criterion.objects.filter(active=True).order_by("position", "id").first()
    missing = {k: v for k, v in form.items() if k != f"score-{first.pk}"}
    refused = c.post(f"/desk/monitoring/items/{item.pk}/", missing)
    assert refused.status_code == 422 and first.name in refused.content.decode()
    assert 'value="4" required checked' in refused.content.decode()
    assert not Review.objects.exists()
    saved = c.post(f"/desk/monitoring/items/{item.pk}/", form)
    # On to the next item of the sample; after the last, back to the week.
    second = sample.items.get(position=2)
    assert saved.status_code == 302 and saved["Location"] == f"/desk/monitoring/items/{second.pk}/"
    last = sample.items.order_by("position").last()
    assert c.post(f"/desk/monitoring/items/{last.pk}/", form)["Location"] == "/desk/monitoring/?week=2025-W10"
    review = Review.objects.get(item=item)
    assert review.scorecard.digest == digest and review.scorecard.number == 1
    assert review.total == 75 and review.notes == "Clear next step." and review.reviewer == cast.supervisor
    assert list(review.events.values_list("kind", flat=True)) == ["submitted"]
    # A second review of the item: 409; the item page now links the review.
    assert c.post(f"/desk/monitoring/items/{item.pk}/", form).status_code == 409
    assert f"/desk/reviews/{review.pk}/" in c.get(f"/desk/monitoring/items/{item.pk}/").content.decode()


def test_it_refuses_scores_on_a_scorecard_that_changed_since_the_form(cast, week):
    sample = actions.do_draw_sample(cast.billing_agent, WEEK, acting_user=cast.supervisor)
    item = sample.items.first()
    c = cast.client(cast.supervisor)
    form = _scores_form()
    Criterion.objects.filter(pk=Criterion.objects.order_by("id").first().pk).update(weight=5)
    stale = c.post(f"/desk/monitoring/items/{item.pk}/", form)
    assert stale.status_code == 409 and "scorecard changed" in stale.content.decode()
    no_digest = {k: v for k, v in form.items() if k != "scorecard"}
    assert c.post(f"/desk/monitoring/items/{item.pk}/", no_digest).status_code == 409
    assert not Review.objects.exists()


def test_it_lets_the_rep_acknowledge_or_dispute_only_their_own_review(cast, week):
    mine, theirs = _review(cast), _review(cast, cast.repair_agent)
    rep = cast.client(cast.billing_agent)
    url = f"/desk/reviews/{mine.pk}/respond/"
    listing = rep.get("/desk/reviews/").content.decode()
    assert f"/desk/reviews/{mine.pk}/" in listing and f"/desk/reviews/{theirs.pk}/" not in listing
    assert "50/100" in listing
    page = rep.get(f"/desk/reviews/{mine.pk}/").content.decode()
    assert "Greet by name." in page and "Acknowledge" in page and "scorecard v1" in page
    # Another rep's review: the 404 of a missing one, to read and to answer.
    assert rep.get(f"/desk/reviews/{theirs.pk}/").status_code == 404
    assert rep.post(f"/desk/reviews/{theirs.pk}/respond/", {"action": "acknowledge", "version": "1"}).status_code == 404
    # The supervisor reads it but cannot answer for the rep.
    boss = cast.client(cast.supervisor)
    assert "Waiting for" in boss.get(f"/desk/reviews/{mine.pk}/").content.decode()
    assert boss.post(url, {"action": "dispute", "comment": "x", "version": "1"}).status_code == 404
    # A dispute needs a reason, and the version the rep saw.
    empty = rep.post(url, {"action": "dispute", "comment": " ", "version": "1"})
    assert empty.status_code == 422 and "Say why" in empty.content.decode()
    assert rep.post(url, {"action": "dispute", "comment": "x"}).status_code == 409
    assert rep.post(url, {"action": "dispute", "comment": "x", "version": "7"}).status_code == 409
    done = rep.post(url, {"action": "dispute", "comment": "It was a call.", "version": "1"})
    assert done.status_code == 302
    mine.refresh_from_db()
    assert mine.state == "disputed" and mine.response == "It was a call."
    assert rep.post(url, {"action": "acknowledge", "version": "2"}).status_code == 409
    assert "It was a call." in boss.get("/desk/monitoring/?week=2025-W10").content.decode()
    # The other rep acknowledges theirs with a comment.
    other = cast.client(cast.repair_agent)
    ok = other.post(f"/desk/reviews/{theirs.pk}/respond/", {"action": "acknowledge", "comment": "Fair", "version": "1"})
    assert ok.status_code == 302
    assert list(ReviewEvent.objects.filter(review=theirs).values_list("kind", "text")) == [
        ("submitted", ""),
        ("acknowledged", "Fair"),
    ]


def test_it_shows_trends_per_rep_department_and_team(cast, week):
    _review(cast)
    _review(cast, cast.repair_agent)
    page = cast.client(cast.supervisor).get("/desk/monitoring/trends/").content.decode()
    assert "2025-W10" in page and "Bianca" in page and "Billing" in page and "Repair" in page
    assert page.count("50 <small>(1)</small>") == 4  # two reps, two departments
    assert "50</strong> <small>(2)</small>" in page  # the team
    # The same figures feed the line chart (the metrics dashboard's, from a json_script).
    chart = json.loads(re.search(r'id="metrics-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert [s["label"] for s in chart["trend"]["series"]] == ["Team", "Billing", "Repair"]
    assert chart["trend"]["labels"][-2] == "2025-W10" and chart["trend"]["series"][0]["data"][-2] == 50


def test_it_plays_recordings_only_from_allowed_origins(cast, week, settings):
    with time_machine.travel(utc(2025, 3, 5, 11), tick=False):
        call = case_actions.do_log_call(
            cast.fresh(cast.alice_case),
            body="Talked through the bill.",
            acting_user=cast.billing_agent,
            data={"recording_url": "https://rec.example.com/calls/1.mp3"},
        )
    sample = actions.do_draw_sample(cast.billing_agent, WEEK, acting_user=cast.supervisor)
    item = sample.items.get(entry=call)  # five items of five: every one is drawn
    c = cast.client(cast.supervisor)
    settings.HONEYDESK_RECORDING_ORIGINS = []
    page = c.get(f"/desk/monitoring/items/{item.pk}/").content.decode()
    assert "<audio" not in page and 'href="https://rec.example.com/calls/1.mp3"' in page
    settings.HONEYDESK_RECORDING_ORIGINS = ["https://rec.example.com"]
    page = c.get(f"/desk/monitoring/items/{item.pk}/").content.decode()
    assert '<audio controls preload="none" src="https://rec.example.com/calls/1.mp3">' in page


def test_it_keeps_the_monitoring_pages_query_counts_flat(cast, week):
    boss = cast.client(cast.supervisor)
    actions.do_draw_week(WEEK, acting_user=cast.supervisor)
    for item in SampleItem.objects.filter(sample__rep=cast.billing_agent)[:2]:
        actions.do_submit_review(
            item, actions.Scoring({int(c["id"]): 5 for c in monitoring.current_criteria()}), acting_user=cast.supervisor
        )
    rep = cast.client(cast.billing_agent)
    small = (_queries(boss, "/desk/monitoring/?week=2025-W10"), _queries(rep, "/desk/reviews/"))
    # Twice the work the next week, every item reviewed.
    work(cast, cast.billing_agent, WEEK.replace(day=10), 8)
    work(cast, cast.repair_agent, WEEK.replace(day=10), 8)
    actions.do_draw_week(WEEK.replace(day=10), acting_user=cast.supervisor)
    for item in SampleItem.objects.filter(sample__week_start=WEEK.replace(day=10)):
        actions.do_submit_review(
            item, actions.Scoring({int(c["id"]): 2 for c in monitoring.current_criteria()}), acting_user=cast.supervisor
        )
    big = (_queries(boss, "/desk/monitoring/?week=2025-W11"), _queries(rep, "/desk/reviews/"))
    assert Review.objects.filter(rep=cast.billing_agent).count() == 7
    assert big == small
    assert _queries(boss, "/desk/monitoring/trends/") <= 8


def test_it_reads_recording_origins_strictly_and_puts_them_in_media_src(cast, monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings import recording_origins

    monkeypatch.setenv("HONEYDESK_RECORDING_ORIGINS", "https://Rec.example.com, http://127.0.0.1:8090/")
    assert recording_origins("HONEYDESK_RECORDING_ORIGINS") == ["https://rec.example.com", "http://127.0.0.1:8090"]
    for bad in ("rec.example.com", "https://*.example.com", "https://rec.example.com/calls", "ftp://x", "https://u@x"):
        monkeypatch.setenv("HONEYDESK_RECORDING_ORIGINS", bad)
        with pytest.raises(ImproperlyConfigured):
            recording_origins("HONEYDESK_RECORDING_ORIGINS")
    policy = cast.client(cast.supervisor).get("/desk/monitoring/")["Content-Security-Policy"]
    assert "media-src 'self'" in policy


def test_it_opens_on_the_samples_assigned_to_the_supervisor(cast, week):
    from honeydesk.accounts.models import Role
    from honeydesk.testing import make_staff

    sue = make_staff("sue", Role.SUPERVISOR, cast.billing, first_name="Sue")
    bruno = make_staff("bruno", Role.AGENT, cast.billing, first_name="Bruno")
    assigned = monitoring.reviewers(WEEK)
    # Billing's two reps, one to each of its supervisors; Repair's rep to Sam, its only one.
    assert {assigned[cast.billing_agent.pk], assigned[bruno.pk]} == {cast.supervisor, sue}
    assert assigned[cast.repair_agent.pk] == cast.supervisor
    sues = next(rep for rep in (cast.billing_agent, bruno) if assigned[rep.pk] == sue)
    sams = [rep for rep in (cast.billing_agent, bruno, cast.repair_agent) if rep != sues]

    def cards(page: str) -> set[int]:
        return {int(n) for n in re.findall(r'<section class="card monitoring-rep" id="rep-(\d+)"', page)}

    sam_client, sue_client = cast.client(cast.supervisor), cast.client(sue)
    # Before the draw: each sees the reps they will be given (drawing records the same).
    before = sue_client.get("/desk/monitoring/?week=2025-W10").content.decode()
    assert cards(before) == {sues.pk} and "Not drawn yet" in before and "Reviewer: you" in before
    actions.do_draw_week(WEEK, acting_user=None)
    assert {s.rep_id: s.reviewer for s in Sample.objects.filter(week_start=WEEK)} == assigned
    sams_page = sam_client.get("/desk/monitoring/?week=2025-W10").content.decode()
    assert cards(sams_page) == {r.pk for r in sams}
    assert 'aria-current="page">Assigned to me' in sams_page and "1 other rep is assigned to colleagues" in sams_page
    assert cards(sue_client.get("/desk/monitoring/").content.decode()) == {sues.pk}  # opens on last week
    # "All reps" shows every sample, with who reviews each; an admin sees all, no tabs.
    every = sue_client.get("/desk/monitoring/?week=2025-W10&show=all").content.decode()
    assert cards(every) == {cast.billing_agent.pk, bruno.pk, cast.repair_agent.pk}
    assert "Reviewer: Sam" in every and "Reviewer: you" in every and "show=all" in every
    admin_page = cast.client(cast.admin).get("/desk/monitoring/?week=2025-W10").content.decode()
    assert cards(admin_page) == cards(every) and "Assigned to me" not in admin_page
    # A dispute on Sam's sample is on Sam's list, and on Sue's only under "All reps".
    review = _review(cast, cast.repair_agent)
    actions.do_dispute_review(review, reason="That was a transfer.", acting_user=cast.repair_agent)
    assert "That was a transfer." in sam_client.get("/desk/monitoring/?week=2025-W10").content.decode()
    assert "That was a transfer." not in sue_client.get("/desk/monitoring/?week=2025-W10").content.decode()
    assert "That was a transfer." in sue_client.get("/desk/monitoring/?week=2025-W10&show=all").content.decode()


def test_it_shows_the_automatic_reply_scores_beside_each_reps_reviews(cast, week):
    from honeydesk.quality.models import ReplyScore

    _review(cast)  # Bianca: reviewed by a person, 50

    def score(entry: TimelineEntry, ack: bool, own: bool, timed: bool, at=None) -> None:
        ReplyScore.objects.create(
            entry=entry,
            case_id=entry.case_id,
            rep_id=entry.author_id,
            sent_at=at or entry.created_at,
            grade="x",
            acknowledges=ack,
            owns=own,
            timed_next_step=timed,
            greeting=True,
        )

    bianca = list(TimelineEntry.objects.filter(author=cast.billing_agent, kind__in=monitoring.KINDS).order_by("id"))
    for entry, flags in zip(bianca, [(True, True, True), (True, True, False), (True, False, False), (False,) * 3]):
        score(entry, *flags)
    rafael = list(TimelineEntry.objects.filter(author=cast.repair_agent, kind__in=monitoring.KINDS))
    for entry in rafael:
        score(entry, True, True, True)
    # A supervisor's reply (a recovery call-back, say): no row, they are not monitored.
    with time_machine.travel(utc(2025, 3, 5, 9), tick=False):
        boss_reply = case_actions.do_add_reply(cast.fresh(cast.bob_case), body="Sorry", acting_user=cast.supervisor)
    score(boss_reply, True, True, True)
    # A reply from long before the eight weeks shown: not counted.
    with time_machine.travel(utc(2024, 11, 4, 9), tick=False):
        old = case_actions.do_add_reply(cast.fresh(cast.bob_case), body="Old", acting_user=cast.repair_agent)
    score(old, False, False, False)
    page = cast.client(cast.supervisor).get("/desk/monitoring/trends/").content.decode()
    assert "<title>Monitoring trends · honeydesk</title>" in page
    assert "Listening coach, not a person" in page and "All three (automatic)" in page

    def row(rep) -> list[str]:
        html = re.search(rf'<tr id="trend-rep-{rep.pk}">(.*?)</tr>', page, re.S)[1]
        return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, re.S)]

    # Bianca: the person's 50 in 2025-W10, and beside it her four replies' shares.
    cells = row(cast.billing_agent)
    assert cells[0] == "Bianca" and cells[-7] == "50 (1)"
    assert cells[-5:] == ["4", "75%", "50%", "25%", "25%"]
    # Rafael has no review yet: his row still shows his automatic shares.
    cells = row(cast.repair_agent)
    assert cells[1:-5] == ["—"] * 8 and cells[-5:] == ["2", "100%", "100%", "100%", "100%"]
    assert f'id="trend-rep-{cast.supervisor.pk}"' not in page


def test_it_lets_a_supervisor_uphold_or_amend_a_disputed_review(cast, week):
    upheld, amended = _review(cast), _review(cast, cast.repair_agent)
    actions.do_dispute_review(upheld, reason="I did greet her.", acting_user=cast.billing_agent)
    actions.do_dispute_review(amended, reason="The promise had a time.", acting_user=cast.repair_agent)
    boss = cast.client(cast.supervisor)
    url = f"/desk/reviews/{upheld.pk}/settle/"
    # Nobody but a supervisor settles: the reps (the one reviewed too) and a customer get 404.
    for outsider in (cast.billing_agent, cast.repair_agent, cast.alice):
        form = {"decision": "uphold", "comment": "x", "version": "2"}
        assert cast.client(outsider).post(url, form).status_code == 404, outsider
    reps_view = cast.client(cast.billing_agent).get(f"/desk/reviews/{upheld.pk}/").content.decode()
    assert "Settle the dispute" not in reps_view
    page = boss.get(f"/desk/reviews/{upheld.pk}/").content.decode()
    assert "Settle the dispute" in page and 'value="3" checked' in page
    # A comment and the version seen are needed.
    refused = boss.post(url, {"decision": "uphold", "comment": " ", "version": "2"})
    assert refused.status_code == 422 and "Say why" in refused.content.decode()
    assert boss.post(url, {"decision": "uphold", "comment": "Fair", "version": "1"}).status_code == 409
    done = boss.post(url, {"decision": "uphold", "comment": "The call opened without a greeting.", "version": "2"})
    assert done.status_code == 302
    upheld.refresh_from_db()
    assert (upheld.state, upheld.total, upheld.version) == ("upheld", 50, 3)
    assert list(upheld.events.values_list("kind", "by", "text"))[-1] == (
        "upheld",
        cast.supervisor.pk,
        "The call opened without a greeting.",
    )
    assert boss.post(url, {"decision": "uphold", "comment": "again", "version": "3"}).status_code == 409
    # The rep reads how it was settled, and the dispute leaves the supervisors' list.
    mine = cast.client(cast.billing_agent).get(f"/desk/reviews/{upheld.pk}/").content.decode()
    assert "Dispute settled: upheld" in mine and "The call opened without a greeting." in mine
    assert "I did greet her." not in boss.get("/desk/monitoring/?week=2025-W10").content.decode()
    # Amend: the same scores are refused; a changed one is saved with a new total.
    criteria = upheld.scorecard.criteria
    same = {f"score-{c['id']}": "3" for c in criteria}
    amend_url = f"/desk/reviews/{amended.pk}/settle/"
    form = {**same, "decision": "amend", "comment": "Agreed: a time was given.", "version": "2"}
    assert boss.post(amend_url, form).status_code == 422
    last = criteria[-1]
    form[f"score-{last['id']}"] = "5"
    assert boss.post(amend_url, form).status_code == 302
    amended.refresh_from_db()
    expected = monitoring.weighted_total(criteria, {**{str(c["id"]): 3 for c in criteria}, str(last["id"]): 5})
    assert amended.state == "amended" and amended.total == expected > 50
    assert amended.scores[str(last["id"])] == 5
    event = amended.events.order_by("id").last()
    assert event.kind == "amended" and event.by == cast.supervisor
    assert event.text.startswith(f"Total 50 → {expected} ({last['name']} 3 → 5).") and "a time was given" in event.text
    # Trends follow the amended total.
    trend = monitoring.trends(Review.objects.filter(rep=cast.repair_agent))
    assert trend["reps"][0]["cells"][-2]["average"] == expected
    # An open (undisputed) review cannot be settled.
    second = upheld.item.sample.items.get(position=2)
    fresh = actions.do_submit_review(
        second, actions.Scoring({int(c["id"]): 4 for c in criteria}), acting_user=cast.supervisor
    )
    form = {"decision": "uphold", "comment": "x", "version": "1"}
    assert boss.post(f"/desk/reviews/{fresh.pk}/settle/", form).status_code == 409
    assert Review.objects.get(pk=fresh.pk).state == "open"
