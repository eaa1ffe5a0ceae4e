"""The demo shows a merged pair (issue 17, part 3)."""

from django.utils import timezone

from honeydesk.accounts.models import User
from honeydesk.cases import access
from honeydesk.cases.models import Case, TimelineEntry
from honeydesk.demo import company as demo
from honeydesk.demo import merging


def test_it_merges_one_duplicate_into_its_first_case(db):
    demo.build(seed=3, cases=40, now=timezone.now())
    [duplicate] = Case.objects.filter(merged_into__isnull=False)
    survivor = duplicate.merged_into
    assert duplicate.status == "closed" and duplicate.account_id == survivor.account_id
    assert TimelineEntry.objects.filter(case=survivor, event=TimelineEntry.Event.MERGED_IN).count() == 1
    admin = User.objects.filter(role="admin").first()
    shown = {e.case_id for e in access.entries_visible_to(admin, survivor)}
    assert shown == {survivor.pk, duplicate.pk}
    assert merging.build(None) is None  # run again: nothing more
