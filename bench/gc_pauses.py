"""Full garbage collections in a server worker, with and without `gc.freeze()` at start.

config/wsgi.py freezes what a worker loaded at start (Django, every app and view), so that
a full collection no longer walks it. This measures what that buys: in a process of its own
per alternation, case pages through Django's test client on the benchmark's desk
(`bench/run.py` must have generated it; SQLite 100k by default), with `gc.callbacks`
timing every collection. Prints, per mode: the page times (p50, p95, p99, slowest) and
the number and length of full collections.

    .venv/bin/python bench/gc_pauses.py [--database sqlite --cases 100000 --pages 1500 --rounds 2]

Part of no test run; the figures are in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def probe(database: str, cases: int, pages: int, freeze: bool) -> dict[str, object]:
    """Inside the child: warm up, optionally freeze, then time `pages` case pages."""
    import run

    os.environ.update(run.environment(database, cases))
    os.environ.update(SECRET_KEY="bench-only-not-a-secret", ALLOWED_HOSTS="testserver")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.test import Client
    from generate import QUEUE_AGENT

    from honeydesk.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=QUEUE_AGENT))
    ids = run.visible_sample(QUEUE_AGENT, 300, random.Random(7))
    for pk in ids[:30]:
        client.get(f"/desk/cases/HD-{pk:06d}/")
    if freeze:
        gc.freeze()
    full: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif info["generation"] == 2:
            full.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(watch)
    times = []
    for i in range(pages):
        t = time.perf_counter()
        response = client.get(f"/desk/cases/HD-{ids[30 + i % 270]:06d}/")
        times.append((time.perf_counter() - t) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"case page answered {response.status_code}")
    gc.callbacks.remove(watch)
    times.sort()

    def pct(p: float) -> float:
        return times[int(p * (len(times) - 1))]

    return {
        "p50": pct(0.5),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "slowest": times[-1],
        "full_collections": len(full),
        "full_median_ms": statistics.median(full) if full else 0.0,
        "full_total_ms": sum(full),
        "frozen": gc.get_freeze_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--pages", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--probe", choices=("plain", "freeze"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        print(json.dumps(probe(args.database, args.cases, args.pages, args.probe == "freeze")))
        return 0
    for r in range(args.rounds):
        for mode in ("plain", "freeze"):
            argv = [sys.executable, __file__, "--probe", mode, "--database", args.database]
            argv += ["--cases", str(args.cases), "--pages", str(args.pages)]
            out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"round {r + 1} {mode:6}: " + ", ".join(f"{k} {v:.1f}" for k, v in result.items()), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
