"""Composer drafts in a shared browser (desk.js keeps them in localStorage): each page says
whose they are, and signing out lands on a page that deletes them. The browser side is
proven in browser/test_desk_flows.py; these check what the server gives it."""

from __future__ import annotations

import re

from django.test import Client

SCRIPT = '<script src="/static/honeydesk/forget-drafts.js"></script>'


def test_the_workspace_says_whose_drafts_it_keeps(cast):
    for person in (cast.billing_agent, cast.supervisor):
        page = cast.client(person).get(f"/desk/cases/{cast.alice_case.ref}/").content.decode()
        assert re.search(rf'<body class="desk"[^>]* data-user-key="{person.pk}">', page)
        assert f'data-draft-key="{cast.alice_case.ref}"' in page


def test_signing_out_lands_on_a_page_that_deletes_the_drafts(cast):
    client = cast.client(cast.billing_agent)
    desk = client.get("/desk/").content.decode()
    assert re.search(r'<form action="/logout/" method="post" data-forget-drafts>', desk)
    out = client.post("/logout/")
    assert out.status_code == 302 and out["Location"] == "/login/?signed_out=1"
    page = client.get(out["Location"]).content.decode()
    assert "You have signed out" in page and SCRIPT in page
    assert client.get("/desk/").status_code == 302  # really signed out


def test_customers_signing_out_get_the_same_page(cast):
    client = cast.client(cast.alice)
    assert client.post("/logout/")["Location"] == "/login/?signed_out=1"


def test_a_link_to_the_signed_out_page_cannot_wipe_a_signed_in_reps_drafts(cast):
    page = cast.client(cast.billing_agent).get("/login/?signed_out=1").content.decode()
    assert "forget-drafts.js" not in page and "You have signed out" not in page
    plain = Client().get("/login/").content.decode()
    assert "forget-drafts.js" not in plain
