"""The demo shows rules (issue 17 part 4): Billing's new cases shared round-robin, cases
mentioning an outage tagged, each firing on the timeline; nothing left queued."""

from django.utils import timezone

from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.demo import company as demo
from honeydesk.demo import rules as demo_rules
from honeydesk.jobs.models import Job
from honeydesk.rules.models import Firing, Rule


def test_it_sets_up_two_rules_and_shows_them_firing(db):
    demo.build(seed=5, cases=80, now=timezone.now())
    robin, tagging = Rule.objects.order_by("position", "id")
    assert (robin.name, tagging.name) == (demo_rules.ROUND_ROBIN, demo_rules.OUTAGE_WORDS)
    given = [
        Case.objects.get(pk=f.case_id).owner.username
        for f in Firing.objects.filter(rule=robin).order_by("case_id")
        if any(d.startswith("assigned") for d in f.done)
    ]
    assert len(given) >= 2 and given[:2] == ["maria", "james"]  # in turn: Billing's reps by id
    assert Firing.objects.filter(rule=tagging).exists()
    entries = TimelineEntry.objects.filter(event=TimelineEntry.Event.RULE_FIRED)
    assert entries.count() == Firing.objects.count() and all(e.visibility == "internal" for e in entries)
    assert not Job.objects.exists()
