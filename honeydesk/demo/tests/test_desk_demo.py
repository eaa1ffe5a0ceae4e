"""The demo shows the desk tools (issue 17): fields per request type, tags, priorities."""

from django.utils import timezone

from honeydesk.cases.models import CaseField, CaseTag, TimelineEntry
from honeydesk.demo import company as demo


def test_it_sets_up_fields_and_tags_cases_on_record(db):
    demo.build(seed=3, cases=40, now=timezone.now())
    cause = CaseField.objects.get(key="fault_cause")
    assert cause.required_at_resolution and [t.slug for t in cause.request_types.all()] == ["repair"]
    assert CaseTag.objects.exists()
    tagged = TimelineEntry.objects.filter(event=TimelineEntry.Event.TAGS_CHANGED)
    # Every tag on record (people's tags once per case; the demo's tagging rule adds its own).
    assert set(tagged.values_list("case", flat=True)) == set(CaseTag.objects.values_list("case", flat=True))
    by_people = tagged.filter(author__isnull=False)
    assert by_people.count() == by_people.values("case").distinct().count()
    raised = TimelineEntry.objects.filter(event=TimelineEntry.Event.PRIORITY_CHANGED)
    assert raised.exists() and all(e.author is not None for e in raised)
    from honeydesk.macros.models import Macro

    assert set(Macro.objects.values_list("scope", flat=True)) == {"shared", "department", "personal"}
