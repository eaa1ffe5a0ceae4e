"""The demo's quality loop: answered surveys, unhappy ones with open and completed recoveries."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from honeydesk.quality.models import Recovery, Survey

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_surveys_and_leaves_open_and_completed_recoveries():
    call_command("demo", "--cases", "120", stdout=StringIO())
    assert Survey.objects.filter(answered_at__isnull=False, rating__gte=4).exists()
    unhappy = Recovery.objects.all()
    assert unhappy.filter(closed_at__isnull=True).exists()
    done = unhappy.filter(closed_at__isnull=False)
    assert done.exists() and all(r.contacts.get().entry.kind == "call" for r in done)
    assert all(s.answer_entry.created_at <= timezone.now() for s in Survey.objects.filter(answered_at__isnull=False))
