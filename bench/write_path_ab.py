"""Interleaved A/B of the case write path: this checkout against an older commit.

Issue 16 restructured the write path (the ORM instead of hand-built statements) and asks
that the speed targets be checked as ratios against the code before it, on the same
machine, at the same moment. This script does that for the two hot writes:

* **API create**: in one process, through Django's full request handling (middleware,
  token auth, validation, the write, the response) with the test client, on a fresh SQLite
  database holding the demo. It reports CPU milliseconds per create (process time, which a
  busy shared machine disturbs far less than wall time) and creates per second of CPU.
* **E-mail ingest**: each checkout's own ``bench/email_ingest.py`` (one worker, fresh
  SQLite), reading its CPU ms per message and messages/s.

Rounds alternate old/new so that a noisy moment hits both. Usage::

    .venv/bin/python bench/write_path_ab.py --old d15366d --rounds 3

The older commit is checked out once into ``var/ab-<commit>`` (``git worktree``) with its
own virtualenv (``make venv``). Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def probe_api_create(count: int, warmup: int) -> dict[str, float]:
    """Run inside a checkout (cwd): fresh DB, demo data, then `count` API creates."""
    tmp = tempfile.mkdtemp(prefix="ab-api-")
    os.environ.update(
        HONEYDESK_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{tmp}/db.sqlite3",
        SECRET_KEY="bench-only-not-a-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="testserver,127.0.0.1",
    )
    sys.path.insert(0, os.getcwd())
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)
    from io import StringIO

    from django.apps import apps

    out = StringIO()
    call_command("createtoken", "diane", stdout=out)  # a demo supervisor, in every version
    token = out.getvalue().strip()

    accounts = list(apps.get_model("accounts", "CustomerAccount").objects.values_list("number", flat=True)[:50])
    slugs = list(apps.get_model("cases", "RequestType").objects.values_list("slug", flat=True))
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def create(i: int) -> None:
        # An integration keeps no cookie jar; the test client does (and so hid that every
        # token call stored a new session until 35a326d).
        client.cookies.clear()
        payload = {
            "account_number": accounts[i % len(accounts)],
            "request_type": slugs[i % len(slugs)],
            "subject": f"Bench case {i}",
            "body": "My bill shows a charge I do not recognise, please look into it.",
        }
        response = client.post("/api/v1/cases", data=json.dumps(payload), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"create answered {response.status_code}: {response.content[:300]!r}")

    for i in range(warmup):
        create(i)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for i in range(warmup, warmup + count):
        create(i)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return {"cpu_ms": cpu / count * 1000, "per_cpu_s": count / cpu, "per_wall_s": count / wall}


def run_api(checkout: Path, count: int) -> dict[str, float]:
    out = subprocess.run(
        [str(checkout / ".venv/bin/python"), str(Path(__file__).resolve()), "--probe", str(count)],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_email(checkout: Path, count: int) -> dict[str, float]:
    out = subprocess.run(
        [str(checkout / ".venv/bin/python"), "bench/email_ingest.py", "--count", str(count)],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SECRET_KEY": "bench-only-not-a-secret"},
    )
    text = out.stdout + out.stderr
    figures: dict[str, float] = {}
    # bench/email_ingest.py prints "... = N messages/s" and "median of K chunks of C: M ms/message".
    wall = re.search(r"= (\d+) messages/s", text)
    cpu = re.search(r"median of \d+ chunks of \d+: ([\d.]+) ms/message", text)
    if not (wall and cpu):
        raise SystemExit(f"could not read the e-mail benchmark's output:\n{text[-2000:]}")
    figures["per_wall_s"] = float(wall.group(1))
    figures["cpu_ms"] = float(cpu.group(1))
    return figures


def old_checkout(commit: str) -> Path:
    path = ROOT / "var" / f"ab-{commit}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), commit], cwd=ROOT, check=True)
    if not (path / ".venv/bin/python").exists():
        subprocess.run(["make", "venv"], cwd=path, check=True, stdout=subprocess.DEVNULL)
    return path


def load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", help="the commit to compare against (e.g. d15366d)")
    parser.add_argument("--old-path", type=Path, help="an existing checkout of the old code with a .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--creates", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe_api_create(args.probe, warmup=50)))
        return
    old = args.old_path or old_checkout(args.old)
    sides = {"old": old, "new": ROOT}
    results: dict[str, dict[str, list[dict[str, float]]]] = {s: {"api": [], "email": []} for s in sides}
    print(f"load before: {load():.2f}")
    for r in range(args.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for side in order:
            api = run_api(sides[side], args.creates)
            results[side]["api"].append(api)
            print(
                f"round {r + 1} {side} API create: {api['cpu_ms']:.2f} CPU ms/create, "
                f"{api['per_wall_s']:.0f}/s wall (load {load():.2f})",
                flush=True,
            )
        for side in order:
            email = run_email(sides[side], args.messages)
            results[side]["email"].append(email)
            print(
                f"round {r + 1} {side} e-mail ingest: {email.get('cpu_ms', float('nan')):.2f} CPU ms/message, "
                f"{email['per_wall_s']:.0f} messages/s wall (load {load():.2f})",
                flush=True,
            )
    print(f"load after: {load():.2f}")
    print("\nmedians (new / old):")
    for kind, key in (("api", "cpu_ms"), ("api", "per_wall_s"), ("email", "cpu_ms"), ("email", "per_wall_s")):
        o = statistics.median(x.get(key, float("nan")) for x in results["old"][kind])
        n = statistics.median(x.get(key, float("nan")) for x in results["new"][kind])
        print(f"  {kind:5} {key:10}: old {o:8.2f}  new {n:8.2f}  ratio {n / o:.2f}")


if __name__ == "__main__":
    main()
