"""What a process loads is what it serves: the text models (the rules, numpy, tokenizers and
the embedding table, about 40 MB of each process) load on the first text a process reads,
not when Django starts, the URLconf loads or a desk page is served. Each check runs in a
fresh interpreter, since this test process has long imported everything."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEXT_MODELS = ["numpy", "tokenizers", "honeydesk.intelligence.analyze", "honeydesk.intelligence.learned"]

START = """
import json, sys
import config.wsgi  # django.setup(), as each server worker does
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.urls import get_resolver
from honeydesk.accounts.models import Role, User
get_resolver().url_patterns
agent = User.objects.create_user("probe", password="x", role=Role.AGENT)
client = Client()
client.force_login(agent)
assert client.get("/desk/").status_code == 200
assert client.get("/desk/search/?q=router").status_code == 200
before = {name: name in sys.modules for name in json.loads(sys.argv[1])}
"""


# As `honeydesk worker` starts: Django set up, no URLconf.
SETUP = """
import importlib, json, os, pkgutil, sys, django
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
"""


def run(tmp_path: pathlib.Path, code: str, start: str = START) -> dict[str, Any]:
    env = {**os.environ, "SECRET_KEY": "t", "DEBUG": "0", "HONEYDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    env["ALLOWED_HOSTS"] = "testserver"
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-c", start + code, json.dumps(TEXT_MODELS)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_it_serves_the_desk_without_loading_the_text_models(tmp_path: pathlib.Path) -> None:
    result = run(tmp_path, "print(json.dumps(before))")
    assert result == dict.fromkeys(TEXT_MODELS, False)


def test_it_loads_the_text_models_on_the_first_analysis_and_keeps_them(tmp_path: pathlib.Path) -> None:
    code = """
from honeydesk.cases import tone_guard
from honeydesk.intelligence import learned
first = tone_guard.analyze("My router keeps dropping and I am fed up.")
loaded = learned.embedder.cache_info().currsize
tone_guard.analyze("Still dropping.")
print(json.dumps({"before": before, "after": {n: n in sys.modules for n in before},
                  "tone": first["tone"], "loaded": [loaded, learned.embedder.cache_info().hits]}))
"""
    result = run(tmp_path, code)
    assert result["before"] == dict.fromkeys(TEXT_MODELS, False)
    assert result["after"] == dict.fromkeys(TEXT_MODELS, True)
    assert result["tone"] in {"calm", "frustrated", "angry", "abusive"}
    # Loaded once by the first message; the second one reuses the loaded table.
    assert result["loaded"][0] == 1 and result["loaded"][1] >= 1


def test_what_the_job_worker_can_run_does_not_load_the_api_framework(tmp_path: pathlib.Path) -> None:
    # django-ninja and pydantic (about 34 MB resident) come with the URLconf, which only the
    # web workers load. Every module outside the API, the pages and the tests (the worker,
    # its periodic tasks, actions, channels, commands) is imported here as `honeydesk
    # worker` starts: none may bring them in (quality's actions once did, for one helper).
    code = """
import honeydesk
skip = (".api", "_api", "apischema", ".tests", ".migrations", "honeydesk.web", "honeydesk.demo")
names = [m.name for m in pkgutil.walk_packages(honeydesk.__path__, "honeydesk.")]
names = [n for n in names if not any(s in n for s in skip)]
for name in names:
    importlib.import_module(name)
    if "ninja" in sys.modules or "pydantic" in sys.modules:
        break
print(json.dumps({"modules": len(names), "loaded_by": name if "ninja" in sys.modules else None,
                  "pydantic": "pydantic" in sys.modules}))
"""
    result = run(tmp_path, code, start=SETUP)
    assert result["modules"] > 100
    assert result["loaded_by"] is None and result["pydantic"] is False, result


def test_the_worker_command_does_not_load_the_urls(tmp_path: pathlib.Path) -> None:
    # As `honeydesk worker` starts from the command line (where Django runs its system
    # checks, which import the URLconf, unless the command asks for none).
    code = """
from django.core.management import call_command, execute_from_command_line
call_command("migrate", verbosity=0)
execute_from_command_line(["honeydesk", "worker", "--once", "--no-mail"])
print(json.dumps({m: m in sys.modules for m in ("config.urls", "ninja")}))
"""
    assert run(tmp_path, code, start=SETUP) == {"config.urls": False, "ninja": False}


def test_a_server_worker_loads_the_urls_as_it_starts_and_freezes_what_it_loaded(tmp_path: pathlib.Path) -> None:
    # config.wsgi, as granian's workers import it: the views load before the first request,
    # and what is loaded at start leaves the garbage collector's full collections (a full
    # collection walked it all, about 100 ms; BENCHMARKS.md "A full collection").
    code = """
import gc
print(json.dumps({"urls": "config.urls" in sys.modules, "frozen": gc.get_freeze_count()}))
"""
    result = run(tmp_path, code, start="import json, sys\nimport config.wsgi\n")
    assert result["urls"] is True
    assert result["frozen"] > 10_000, result  # Django and every app: well over 100,000 objects


def test_a_server_worker_does_not_load_the_imap_client(tmp_path: pathlib.Path) -> None:
    # Only `honeydesk worker` polls mailboxes; the e-mail app's periodic work loads the IMAP
    # client when the worker starts its feed, not when Django starts.
    result = run(tmp_path, 'print(json.dumps({m: m in sys.modules for m in ("imapclient", "imaplib")}))')
    assert result == {"imapclient": False, "imaplib": False}
