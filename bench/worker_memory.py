"""Where a web worker's memory goes (issue 15: each worker ≤ 100 MB RSS).

One fresh process walks through what a server worker does, reading its resident memory
(VmRSS) after each step: the interpreter; Django set up with every app and model; the URLconf
with every view and the API; the pages an agent and a supervisor open (queue, case pages,
searches, metrics) on the demo desk; then the text models, the way a request that reads a
customer's message or a rep's draft loads them. Two loads inside those steps are measured
again on their own, each in a process of its own after Django's set-up, because the steps
hide them: the public-holiday calendars (``holidays.country_holidays`` imports every
country's module, whichever country is asked for) and each part of the text models.

    .venv/bin/python bench/worker_memory.py [--no-record]

Runs in about a minute on a fresh SQLite database holding the demo (``honeydesk demo``).
The server itself (granian) adds its own few MB to a worker; ``bench/run.py`` reads the
real workers' RSS after its page and create runs. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _environment(folder: str) -> dict[str, str]:
    return {
        **os.environ,
        "HONEYDESK_VAR_DIR": folder,
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "SECRET_KEY": "bench-only-not-a-secret",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "testserver",
        "PYTHONPATH": str(ROOT),
    }


def probe_steps() -> list[tuple[str, float]]:
    """Inside the child: the steps of a web worker's life, RSS after each."""
    steps = [("Python interpreter", _rss_mb())]
    import django

    django.setup()
    steps.append(("Django set up (every app and model)", _rss_mb()))
    import importlib

    from django.conf import settings
    from django.urls import get_resolver

    importlib.import_module(settings.ROOT_URLCONF)
    get_resolver().url_patterns  # noqa: B018 -- resolve the URLconf as the first request does
    steps.append(("URLconf imported (every view; the API unless pages only)", _rss_mb()))

    from django.test import Client

    from honeydesk.accounts.models import User
    from honeydesk.cases.models import Case

    agent, supervisor = Client(), Client()
    agent.force_login(User.objects.get(username="james"))
    supervisor.force_login(User.objects.get(username="diane"))
    refs = [f"HD-{pk:06d}" for pk in Case.objects.order_by("pk").values_list("pk", flat=True)[:100]]
    for _ in range(3):
        agent.get("/desk/")
    for ref in refs:
        agent.get(f"/desk/cases/{ref}/")  # 404 for cases outside the agent's department
    for word in ("bill", "router", "nowhere-at-all", "smith"):
        agent.get(f"/desk/search/?q={word}")
    steps.append(("after an agent's pages (queue, 100 case pages, 4 searches)", _rss_mb()))
    for path in ("/desk/", "/desk/?queue=escalated", "/desk/metrics/?period=week", "/desk/metrics/?period=year"):
        supervisor.get(path)
    for ref in refs:
        supervisor.get(f"/desk/cases/{ref}/")
    steps.append(("after a supervisor's pages (desk, escalations, metrics, 100 case pages)", _rss_mb()))
    if settings.ROOT_URLCONF == "config.urls_pages" and {"ninja", "pydantic"} & set(sys.modules):
        raise SystemExit("a page loaded the API's libraries in a pages-only worker")

    from honeydesk.intelligence.analyze import analyze_draft, analyze_message

    analyze_message("You charged me twice for the router and nobody answers. I want my money back.")
    analyze_draft("I'm sorry, I've refunded the second charge today.", "You charged me twice.")
    steps.append(("after reading one message and one draft (text models loaded)", _rss_mb()))
    return steps


def probe_parts() -> list[tuple[str, float]]:
    """Inside the child: the holiday calendars and each part of the text models on their own."""
    import django

    django.setup()
    parts = []
    base = _rss_mb()
    from datetime import date

    from honeydesk.policy.calendars import public_holidays

    _ = date(2026, 12, 25) in public_holidays("US", "")
    parts.append(("the holidays library, asked about one country (it imports all 278)", _rss_mb() - base))
    base = _rss_mb()
    import numpy  # noqa: F401

    parts.append(("numpy", _rss_mb() - base))
    base = _rss_mb()
    import tokenizers  # noqa: F401

    parts.append(("tokenizers", _rss_mb() - base))
    base = _rss_mb()
    from honeydesk.intelligence import analyze, learned

    parts.append(("the rule modules and their compiled patterns", _rss_mb() - base))
    base = _rss_mb()
    learned.embedder()
    parts.append(("the tokenizer's vocabulary (embedding table mapped, not read)", _rss_mb() - base))
    base = _rss_mb()
    learned.heads()
    parts.append(("the learned heads", _rss_mb() - base))
    base = _rss_mb()
    analyze.analyze_message("You charged me twice for the router and nobody answers. I want my money back.")
    analyze.analyze_draft("I'm sorry, I've refunded the second charge today.", "You charged me twice.")
    parts.append(("first message and draft (table pages touched, lazy patterns)", _rss_mb() - base))
    return parts


def _child(kind: str, folder: str, pages_only: bool = False) -> list[tuple[str, float]]:
    out = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--probe", kind],
        cwd=ROOT,
        env={**_environment(folder), "HONEYDESK_PAGES_ONLY": "1" if pages_only else "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    return [(label, value) for label, value in json.loads(out.stdout.strip().splitlines()[-1])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--probe", choices=("steps", "parts"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        result = probe_steps() if args.probe == "steps" else probe_parts()
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hd-mem-") as folder:
        env = _environment(folder)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        steps = _child("steps", folder)
        pages_only = _child("steps", folder, pages_only=True)
        parts = _child("parts", folder)

    lines = [
        "## Where a web worker's memory goes — the demo desk, one process",
        "",
        f"Date: {time.strftime('%Y-%m-%d')}. Command: `.venv/bin/python bench/worker_memory.py` "
        "(part of `make bench`). A fresh process on a fresh SQLite database holding the demo "
        "(300 cases), pages through Django's test client; VmRSS after each step. Target: each "
        "worker ≤ 100 MB. Two workers: one that serves everything (`honeydesk serve`) and one "
        "that serves the pages only (`honeydesk serve --pages-only`, HONEYDESK_PAGES_ONLY=1: "
        "its URLconf leaves the API out).",
        "",
        "| step | everything: RSS | growth | pages only: RSS | growth |",
        "|---|---:|---:|---:|---:|",
    ]
    before: tuple[float, float] | None = None
    for (label, value), (_label, pages) in zip(steps, pages_only, strict=True):
        grew = ("", "") if before is None else (f"+{value - before[0]:.1f} MB", f"+{pages - before[1]:.1f} MB")
        lines.append(f"| {label} | {value:.1f} MB | {grew[0]} | {pages:.1f} MB | {grew[1]} |")
        before = (value, pages)
    lines += ["", "Measured on their own (each after Django's set-up, in a process of its own):", ""]
    lines += ["| load | RSS growth |", "|---|---:|"]
    lines += [f"| {label} | {value:.1f} MB |" for label, value in parts]
    markdown = "\n".join(lines)
    print(markdown)
    print(f"({time.perf_counter() - started:.0f} s)")
    if not args.no_record:
        from run import record

        record(markdown, "worker-memory")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
