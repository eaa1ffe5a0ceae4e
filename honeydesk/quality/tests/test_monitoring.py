"""Random monitoring samples: reproducible, per rep and per ISO week (issue 12, part 3)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from honeydesk.cases import actions as case_actions
from honeydesk.cases.models import TimelineEntry
from honeydesk.lib.errors import InvalidInput
from honeydesk.quality import actions, monitoring
from honeydesk.quality.models import QualitySettings, Sample
from honeydesk.quality.tests.conftest import utc

WEEK = date(2025, 3, 3)  # Monday of 2025-W10
NEXT = WEEK + timedelta(days=7)


@pytest.fixture
def utc_site(settings):
    settings.TIME_ZONE = "UTC"


def work(cast, user, monday: date, n: int, *, day: int = 1) -> list[int]:
    """`n` interactions by `user` on the given day of the week (0 = Monday): calls, and a
    reply every third one."""
    ids = []
    case = cast.alice_case if user == cast.billing_agent else cast.bob_case
    for i in range(n):
        at = utc(monday.year, monday.month, monday.day, 9) + timedelta(days=day, minutes=i)
        with time_machine.travel(at, tick=False):
            if i % 3 == 0:
                entry = case_actions.do_add_reply(cast.fresh(case), body=f"Reply {i}", acting_user=user)
            else:
                entry = case_actions.do_log_call(cast.fresh(case), body=f"Call {i}", acting_user=user)
        ids.append(entry.pk)
    return ids


def items_of(sample: Sample) -> list[int]:
    return list(sample.items.order_by("position").values_list("entry_id", flat=True))


def draw(rep, monday: date, **kw) -> Sample:
    with time_machine.travel(utc(2025, 3, 20, 12), tick=False):
        return actions.do_draw_sample(rep, monday, acting_user=None, **kw)


def test_it_draws_the_same_sample_when_redrawn(cast, utc_site):
    written = work(cast, cast.billing_agent, WEEK, 12)
    sample = draw(cast.billing_agent, WEEK)
    items = items_of(sample)
    assert len(items) == 5 and set(items) <= set(written)
    assert sample.population == sorted(written) and sample.seed
    # Drawing the week again returns the sample on record, not a new draw.
    again = draw(cast.billing_agent, WEEK)
    assert again.pk == sample.pk and items_of(again) == items
    # Anyone can redraw it from the recorded seed and population.
    assert monitoring.redraw(sample) == items
    assert monitoring.pick(sample.seed, list(reversed(sample.population)), 5) == items
    # A fresh draw with the recorded seed picks the same items; another seed, others.
    Sample.objects.filter(pk=sample.pk).delete()
    assert items_of(draw(cast.billing_agent, WEEK, seed=sample.seed)) == items
    assert monitoring.pick(sample.seed + "x", sample.population, 5) != items


def test_it_draws_a_different_sample_next_week(cast, utc_site):
    first_week = work(cast, cast.billing_agent, WEEK, 9)
    second_week = work(cast, cast.billing_agent, NEXT, 9)
    first, second = draw(cast.billing_agent, WEEK), draw(cast.billing_agent, NEXT)
    assert first.pk != second.pk and first.seed != second.seed
    assert set(items_of(first)) <= set(first_week) and set(items_of(second)) <= set(second_week)
    assert items_of(first) != items_of(second)


def test_it_limits_the_sample_to_the_reps_own_week(cast, utc_site, settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    mine = work(cast, cast.billing_agent, WEEK, 3)
    work(cast, cast.repair_agent, WEEK, 4)  # someone else's work that week
    case_actions.do_add_note(
        cast.fresh(cast.alice_case), body="A note is no interaction", acting_user=cast.billing_agent
    )
    # Just outside the week in Amsterdam: Sunday 23:30 before it, Monday 00:00 after it.
    before = utc(2025, 3, 2, 22, 30)  # 23:30 local, Sunday of W09
    first_minute = utc(2025, 3, 2, 23, 0)  # 00:00 local, Monday of W10
    last_minute = utc(2025, 3, 9, 22, 59)  # 23:59 local, Sunday of W10
    after = utc(2025, 3, 9, 23, 0)  # 00:00 local, Monday of W11
    edges = {}
    for label, at in (("before", before), ("first", first_minute), ("last", last_minute), ("after", after)):
        with time_machine.travel(at, tick=False):
            edges[label] = case_actions.do_log_call(
                cast.fresh(cast.alice_case), body=label, acting_user=cast.billing_agent
            ).pk
    QualitySettings.objects.create(monitoring_sample_size=50)
    sample = draw(cast.billing_agent, WEEK)
    expected = sorted([*mine, edges["first"], edges["last"]])
    assert sample.population == expected
    assert sorted(items_of(sample)) == expected
    kinds = set(TimelineEntry.objects.filter(pk__in=expected).values_list("kind", "author_id"))
    assert kinds == {("outbound", cast.billing_agent.pk), ("call", cast.billing_agent.pk)}


def test_it_takes_the_sample_size_from_the_settings(cast, utc_site):
    work(cast, cast.billing_agent, WEEK, 8)
    QualitySettings.objects.create(monitoring_sample_size=3)
    sample = draw(cast.billing_agent, WEEK)
    assert sample.size == 3 and len(items_of(sample)) == 3


def test_it_refuses_to_sample_a_supervisor_or_a_week_to_come(cast, utc_site):
    with pytest.raises(InvalidInput):
        draw(cast.supervisor, WEEK)
    with pytest.raises(InvalidInput):
        draw(cast.billing_agent, date(2025, 3, 24))
    with pytest.raises(InvalidInput):
        draw(cast.billing_agent, WEEK + timedelta(days=1))
    assert monitoring.parse_week("2025-W10") == WEEK
    for bad in ("2025-W54", "2025-10", "", "2025-W1"):
        with pytest.raises(InvalidInput):
            monitoring.parse_week(bad)


def test_it_draws_last_week_for_every_rep_once_a_week(cast, utc_site):
    work(cast, cast.billing_agent, WEEK, 4)
    work(cast, cast.repair_agent, WEEK, 2)
    with time_machine.travel(utc(2025, 3, 11, 3), tick=False):  # Tuesday of the next week
        assert monitoring.periodic_draw(lambda: False) is True
        first = {s.rep_id: items_of(s) for s in Sample.objects.all()}
        assert monitoring.periodic_draw(lambda: False) is True
    assert set(first) == {cast.billing_agent.pk, cast.repair_agent.pk}
    assert len(first[cast.billing_agent.pk]) == 4 and len(first[cast.repair_agent.pk]) == 2
    assert Sample.objects.count() == 2
    assert {s.rep_id: items_of(s) for s in Sample.objects.all()} == first


def _team(cast):
    """Billing: four reps (one also in Repair) and two supervisors (Sam, also Repair's,
    and Sue); Repair: Rafael; Sales: a rep and no supervisor of its own."""
    from honeydesk.accounts.models import Role
    from honeydesk.testing import make_staff

    sue = make_staff("sue", Role.SUPERVISOR, cast.billing)
    billing = [cast.billing_agent, *(make_staff(f"b{n}", Role.AGENT, cast.billing) for n in (2, 3))]
    both = make_staff("b4", Role.AGENT, cast.billing, cast.repair)
    sol = make_staff("sol", Role.AGENT, cast.sales)
    return sue, [*billing, both], sol


def test_it_shares_each_departments_samples_among_its_supervisors(cast, utc_site):
    sue, billing, sol = _team(cast)
    sam = cast.supervisor
    assigned = monitoring.reviewers(WEEK)
    # Billing's four reps (the one also in Repair counted once, in Billing) go two to
    # each of Billing's supervisors; Repair's rep to Repair's one supervisor; the Sales
    # rep, whose department has none, to one of all supervisors.
    mine = [rep for rep in billing if assigned[rep.pk] == sam]
    theirs = [rep for rep in billing if assigned[rep.pk] == sue]
    assert len(mine) == 2 and len(theirs) == 2
    assert assigned[cast.repair_agent.pk] == sam
    assert assigned[sol.pk] in (sam, sue)
    assert set(assigned) == {*(r.pk for r in billing), cast.repair_agent.pk, sol.pk}
    # Deterministic: asked again, the same; next week each Billing rep has the other one.
    assert monitoring.reviewers(WEEK) == assigned
    following = monitoring.reviewers(NEXT)
    assert all(following[rep.pk] != assigned[rep.pk] for rep in billing)
    assert following[cast.repair_agent.pk] == sam
    # Drawing records the reviewer on the sample, one rep at a time or the whole week.
    with time_machine.travel(utc(2025, 3, 20, 12), tick=False):
        one = actions.do_draw_sample(billing[0], WEEK, acting_user=sam)
        week = actions.do_draw_week(WEEK, acting_user=None)
    assert one.reviewer == assigned[billing[0].pk]
    assert {s.rep_id: s.reviewer for s in week} == assigned
    assert {s.rep_id: s.reviewer for s in Sample.objects.filter(week_start=WEEK)} == assigned


def test_it_leaves_a_sample_unassigned_without_any_supervisor(cast, utc_site):
    cast.supervisor.is_active = False
    cast.supervisor.save(update_fields=["is_active"])
    assert set(monitoring.reviewers(WEEK).values()) == {None}
    assert draw(cast.billing_agent, WEEK).reviewer is None


def test_it_lets_an_admin_hand_a_sample_to_another_supervisor_only(cast, utc_site):
    from honeydesk.accounts.models import Role, User
    from honeydesk.testing import make_staff

    sue = make_staff("sue", Role.SUPERVISOR, cast.billing)
    work(cast, cast.billing_agent, WEEK, 2)
    sample = draw(cast.billing_agent, WEEK)
    items = items_of(sample)
    c = cast.client(User.objects.create_superuser("boss", "boss@example.test", "pw"))
    url = f"/admin/quality/sample/{sample.pk}/change/"
    # Not a supervisor (a rep, an admin): refused; the sample keeps its reviewer.
    for wrong in (cast.repair_agent, cast.admin):
        assert c.post(url, {"reviewer": wrong.pk}).status_code == 200  # the form again, with its error
    assert Sample.objects.get(pk=sample.pk).reviewer == sample.reviewer
    assert c.post(url, {"reviewer": sue.pk, "seed": "changed", "size": "50"}).status_code == 302
    changed = Sample.objects.get(pk=sample.pk)
    assert changed.reviewer == sue and changed.seed == sample.seed and changed.size == sample.size
    assert items_of(changed) == items
