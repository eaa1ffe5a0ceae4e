"""`honeydesk serve --pages-only`: a server for the pages that never loads the API.

Issue 15 asks that each worker load only what it serves: django-ninja, pydantic and the
API's schemas are about 24 MB of a worker (bench/worker_memory.py). A pool of page servers
behind a proxy that sends /api/ to the others can leave them out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def test_a_pages_only_server_serves_the_pages_and_answers_the_api_with_a_json_404(cast, settings):
    supervisor = cast.client(cast.supervisor)
    api = {"Authorization": f"Bearer {cast.token(cast.supervisor)}"}
    assert supervisor.get("/api/v1/cases", headers=api).status_code == 200  # the default serves both

    settings.ROOT_URLCONF = "config.urls_pages"
    assert supervisor.get(f"/desk/cases/{cast.alice_case.ref}/").status_code == 200
    assert supervisor.get("/desk/").status_code == 200
    assert cast.client(cast.alice).get("/portal/").status_code == 200
    refused = supervisor.get("/api/v1/cases", headers=api)
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"


def test_serve_pages_only_tells_the_workers_to_leave_the_api_out(monkeypatch, settings, tmp_path):
    from honeydesk.web.management.commands import serve

    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setenv("HONEYDESK_PAGES_ONLY", "0")  # and put back as it was after the test
    ran: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execv", lambda _exe, argv: ran.append(argv))
    call_command("serve", "--port", "8123", stdout=StringIO())
    assert os.environ["HONEYDESK_PAGES_ONLY"] == "0"
    call_command("serve", "--port", "8123", "--pages-only", stdout=StringIO())
    assert os.environ["HONEYDESK_PAGES_ONLY"] == "1"  # granian's workers inherit it
    assert len(ran) == 2


def test_a_pages_only_worker_opens_every_kind_of_page_without_importing_the_api(tmp_path):
    """A fresh process, as a granian worker starts: the demo desk, then the pages a rep,
    a supervisor and a customer open. Would fail if any page imported the API's code."""
    env = {
        **os.environ,
        "SECRET_KEY": "test-only-not-a-secret",
        "HONEYDESK_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    subprocess.run([*manage, "demo"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300)
    code = """
import sys, django
django.setup()
from django.conf import settings
from django.test import Client
from honeydesk.accounts.models import User
from honeydesk.cases.models import Case
assert settings.ROOT_URLCONF == "config.urls_pages", settings.ROOT_URLCONF
staff, customer = Client(), Client()
staff.force_login(User.objects.get(username="diane"))
customer.force_login(User.objects.get(username="grace.dubois"))
case = Case.objects.filter(account__contacts__user__username="grace.dubois").first()
paths = ["/desk/", "/desk/?queue=escalated", "/desk/search/?q=bill", "/desk/metrics/?period=month",
         f"/desk/cases/{case.ref}/"]
statuses = [staff.get(p).status_code for p in paths]
statuses += [customer.get(p).status_code for p in ("/portal/", f"/portal/cases/{case.ref}/")]
print(statuses, sorted({"ninja", "pydantic"} & set(sys.modules)))
"""
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "HONEYDESK_PAGES_ONLY": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[200, 200, 200, 200, 200, 200, 200] []"
