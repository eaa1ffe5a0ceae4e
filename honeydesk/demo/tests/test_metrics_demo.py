"""The demo's metrics dashboard: what `make run` shows a supervisor."""

from __future__ import annotations

import html as htmllib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from honeydesk.accounts.models import Role, User
from honeydesk.metrics import queries

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_the_supervisor_a_value_for_every_metric():
    call_command("demo", stdout=StringIO())  # as `make run` builds it
    supervisor = User.objects.filter(role=Role.SUPERVISOR).order_by("username").first()
    client = Client()
    client.force_login(supervisor)
    page = client.get("/desk/metrics/")
    assert page.status_code == 200
    html = page.content.decode()
    block = re.search(r'<dl class="metric-tiles">(.*?)</dl>', html, re.S)
    assert block is not None, "no figures for the period"
    tiles = {
        htmllib.unescape(label): htmllib.unescape(value)
        for label, value in re.findall(r"<dt><abbr[^>]*>(.*?)</abbr></dt><dd>(.*?)</dd>", block.group(1))
    }
    expected = {m.label for m in queries.metrics_for(supervisor)}
    # Every metric a supervisor may see has its tile, and every tile a figure ("—" is
    # what a metric without data in the period shows).
    assert set(tiles) == expected
    assert [label for label, value in tiles.items() if value in ("—", "")] == []
    # And the charts have something to draw: contacts in the weekday x hour heatmap.
    heat = re.search(r'<table class="heatmap">(.*?)</table>', html, re.S)
    assert heat is not None
    assert any(int(n) > 0 for n in re.findall(r'<td class="heat-\d">(\d+)</td>', heat.group(1)))
