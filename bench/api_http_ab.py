"""Interleaved A/B of the API over HTTP: this checkout against an older commit.

`bench/write_path_ab.py` measures one create in process; this runs what an integration
sees: `honeydesk serve --workers 2` on a copy of one demo SQLite database, 4 client
threads POSTing /api/v1/cases (no cookie jar, as an integration has none), then 200 GETs
of /api/v1/cases on one keep-alive connection, and the server workers' memory. Rounds
alternate old/new, each on a fresh copy of the same database. Usage::

    .venv/bin/python bench/api_http_ab.py --old d036462 --rounds 3

The older commit is checked out into ``var/ab-<commit>`` with its own virtualenv (as
`write_path_ab.py` does). It also counts the rows left in ``django_session``: an API call
must not store a session. Nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import statistics
import subprocess
import tempfile
from pathlib import Path

import measure
from write_path_ab import ROOT, old_checkout

ENV = measure.SERVER_ENV


def own_code(checkout: Path) -> dict[str, str]:
    """The checkout's own code first on the path: two checkouts may share one virtualenv,
    whose editable install points at only one of them."""
    return {"PYTHONPATH": str(checkout)}


def honeydesk(checkout: Path, env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [str(checkout / ".venv/bin/honeydesk"), *args],
        cwd=checkout,
        env={**os.environ, **env, **own_code(checkout)},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def one_round(checkout: Path, seed_db: Path, work: Path, creates: int) -> dict[str, object]:
    work.mkdir(parents=True)
    (work / "db.sqlite3").write_bytes(seed_db.read_bytes())
    env = {**ENV, "DATABASE_URL": f"sqlite:///{work}/db.sqlite3", "HONEYDESK_VAR_DIR": str(work), **own_code(checkout)}
    token = honeydesk(checkout, env, "createtoken", "diane").split()[-1]
    with sqlite3.connect(seed_db) as db:
        accounts = [r[0] for r in db.execute("SELECT number FROM accounts_customeraccount LIMIT 50")]
        slugs = [r[0] for r in db.execute("SELECT slug FROM cases_requesttype")]

    def payload(rng: random.Random) -> dict[str, object]:
        return {
            "account_number": rng.choice(accounts),
            "request_type": rng.choice(slugs),
            "subject": "Bench case",
            "body": "My bill shows a charge I do not recognise, please look into it.",
        }

    # The server runs the checkout's own code and console script.
    measure.BIN, measure.ROOT = checkout / ".venv/bin", checkout
    port = measure.free_port()
    headers = {"Authorization": f"Bearer {token}"}
    with measure.Server(port, 2, env, work / "server.log") as server:
        created = measure.measure_create(port, token, payload, creates, threads=4, max_seconds=60)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies = []
        for i in range(220):
            status, _, secs = measure.request(port, "GET", "/api/v1/cases", headers=headers, conn=conn)
            if status != 200:
                raise SystemExit(f"the case list answered {status}")
            if i >= 20:  # warm-up
                latencies.append(secs * 1000)
        conn.close()
        rss = server.worker_rss()
    latencies.sort()
    with sqlite3.connect(work / "db.sqlite3") as db:
        sessions = db.execute("SELECT count(*) FROM django_session").fetchone()[0]
    return {
        "create_per_s": created["rate"],
        "create_p50_ms": created["p50_ms"],
        "list_p50_ms": latencies[len(latencies) // 2],
        "list_p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
        "sessions_stored": sessions,
        "rss_mb": rss,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", help="the commit to compare against")
    parser.add_argument("--old-path", type=Path, help="an existing checkout of the old code with a .venv")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--creates", type=int, default=1500)
    args = parser.parse_args()
    sides = {"old": args.old_path or old_checkout(args.old), "new": ROOT}
    tmp = Path(tempfile.mkdtemp(prefix="api-http-ab-"))
    seed_db = tmp / "seed.sqlite3"
    seed_env = {**ENV, "DATABASE_URL": f"sqlite:///{seed_db}", "HONEYDESK_VAR_DIR": str(tmp)}
    honeydesk(sides["old"], seed_env, "migrate", "--verbosity", "0")
    honeydesk(sides["old"], seed_env, "demo")
    results: dict[str, list[dict[str, object]]] = {side: [] for side in sides}
    print(f"load before: {os.getloadavg()[0]:.2f}")
    for r in range(args.rounds):
        for side in ("old", "new") if r % 2 == 0 else ("new", "old"):
            result = one_round(sides[side], seed_db, tmp / f"{r}-{side}", args.creates)
            results[side].append(result)
            shown = {
                k: [round(x, 1) for x in v] if isinstance(v, list) else round(v, 1) if isinstance(v, float) else v
                for k, v in result.items()
            }
            print(f"round {r + 1} {side}: {json.dumps(shown)}", flush=True)
    print("\nmedians (new / old):")
    for key in ("create_per_s", "create_p50_ms", "list_p50_ms", "list_p95_ms", "sessions_stored"):
        old = statistics.median(float(x[key]) for x in results["old"])  # type: ignore[arg-type]
        new = statistics.median(float(x[key]) for x in results["new"])  # type: ignore[arg-type]
        print(f"  {key:16}: old {old:8.1f}  new {new:8.1f}" + (f"  ratio {new / old:.2f}" if old else ""))


if __name__ == "__main__":
    main()
