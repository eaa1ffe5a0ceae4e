"""`make bench-peer`: honeydesk and its peer, django-helpdesk 2.6.1, measured on the same
machine in the same run, and their ratio table in BENCHMARKS.md.

1. The peer's own harness, called where it lives (../shared/bench/peer-django-helpdesk/,
   its run.sh: a venv from the package index, 100,000 tickets, gunicorn with 2 workers,
   SQLite and PostgreSQL); results under var/bench/peer-data/results/.
2. honeydesk's equivalent at 100,000 cases on both databases (bench/run.py with 2 server
   workers and 4 client threads, as the peer's 2 gunicorn workers and 4 wrk connections);
   results var/bench/results/<db>-100000-peer.json.
3. The table: honeydesk / peer for each figure both measure (medians of each: the peer
   reports p50 and p99 of sequential requests, honeydesk p50 and p95; p50 is what both
   have). For times below 1 is better; for throughput above 1 is.

`--skip-peer` / `--skip-ours` reuse the last results of either side.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import run

ROOT = Path(__file__).resolve().parent.parent
PEER = Path(os.environ.get("PEER_DIR", ROOT / ".." / "shared" / "bench" / "peer-django-helpdesk")).resolve()
PEER_DATA = ROOT / "var" / "bench" / "peer-data"
PEER_PG = Path("/tmp/peer-pg")
CASES = 100_000
DATABASES = {"sqlite": "sqlite", "postgresql": "postgres"}  # ours: the peer's


def run_peer() -> None:
    # Its PostgreSQL on a port below the kernel's ephemeral range: its default, 55432, can
    # be held for a moment by the local end of a client's connection, and then its server
    # does not start (it happened). The harness sets the port when it creates its
    # throw-away cluster (/tmp/peer-pg, where its CPU accounting looks for it), so one
    # made for another port is stopped and made again.
    port = os.environ.get("PEER_PG_PORT", "25432")  # ours is BENCH_PG_PORT (bench/pg.py)
    env = {**os.environ, "BENCH_PG_PORT": port, "N": str(CASES), "DBS": "sqlite postgres"}
    env["BENCH_DATA_DIR"] = str(PEER_DATA)
    conf = PEER_PG / "data" / "postgresql.conf"
    if conf.exists() and f"port = {port}\n" not in conf.read_text():
        subprocess.run(["bash", str(PEER / "scripts" / "pg.sh"), "stop"], env=env, check=False)
        shutil.rmtree(PEER_PG)
    PEER_DATA.mkdir(parents=True, exist_ok=True)
    subprocess.run(["bash", str(PEER / "run.sh")], cwd=PEER, env=env, check=True)


def run_ours(extra: list[str]) -> None:
    argv = [
        sys.executable, str(ROOT / "bench" / "run.py"), "--cases", str(CASES), "--databases", "postgresql,sqlite",
        "--workers", "2", "--create-threads", "4", "--reuse", "--tag=-peer", "--no-record", *extra,
    ]  # fmt: skip
    subprocess.run(argv, cwd=ROOT, check=True)


def _p50(rounds: list[dict[str, float]]) -> float:
    return statistics.median(r["p50"] for r in rounds)


def table() -> str:
    ours = {db: json.loads((run.RESULTS / f"{db}-{CASES}-peer.json").read_text()) for db in DATABASES}
    peer = {db: json.loads((PEER_DATA / "results" / f"{p}.json").read_text()) for db, p in DATABASES.items()}
    rows: list[tuple[str, dict[str, tuple[float, float, str]]]] = []

    def add(label: str, get_ours, get_peer, note=lambda db: "") -> None:  # type: ignore[no-untyped-def]
        cells = {}
        for db in DATABASES:
            try:
                cells[db] = (float(get_ours(ours[db])), float(get_peer(peer[db])), note(db))
            except (KeyError, TypeError, ValueError, StopIteration):
                cells[db] = (float("nan"), float("nan"), "not measured")
        rows.append((label, cells))

    def search(result: dict, name: str) -> dict:  # type: ignore[type-arg]
        return next(s for s in result["search"] if s["name"] == name)

    sup = run.SUPERVISOR
    add(
        "List, first page (agent's queue page / peer's ticket list JSON), p50 ms",
        lambda r: _p50(r["pages"]["queue"]),
        lambda p: p["list_json"]["p50_ms"],
    )
    add(
        "List through the API (case list / peer's ticket list JSON), p50 ms",
        lambda r: _p50(r["pages"]["api_list"]),
        lambda p: p["list_json"]["p50_ms"],
    )
    add("Case page / ticket page, p50 ms", lambda r: _p50(r["pages"]["case"]), lambda p: p["ticket_view"]["p50_ms"])
    add(
        "Supervisor's desk / peer's dashboard, p50 ms",
        lambda r: _p50(r["pages"]["supervisor_home"]),
        lambda p: p["dashboard"]["p50_ms"],
    )
    for ours_key, peer_key, label in (
        ("rare", "title_rare", "a rare word"),
        ("timeline", "followup_only", "a word only in later messages"),
        ("common", "common_word", "a common word"),
        ("nowhere", "absent", "a word found nowhere"),
    ):

        def found(db: str, ours_key: str = ours_key, peer_key: str = peer_key) -> str:
            o = ours[db]["searches"][f"{sup}:{ours_key}"]
            p = search(peer[db], peer_key)
            if p.get("expected") is None:
                p_ok = "?"
            else:
                p_ok = "all" if p["found"] == p["expected"] else f"{p['found']} of {p['expected']}"
            o_ok = "all" if o.get("found") == o["expected"] else f"{o.get('found')} of {o['expected']}"
            return f"found: honeydesk {o_ok}, peer {p_ok}"

        add(
            f"Search, {label} (supervisor / admin), p50 ms",
            lambda r, k=ours_key: _p50(r["searches"][f"{sup}:{k}"]["rounds"]),
            lambda p, k=peer_key: search(p, k)["p50_ms"],
            found,
        )
    add(
        "Create through the API, 4 clients, per second (higher is better)",
        lambda r: r["create"]["rate"],
        lambda p: next(c for c in p["create"] if c["mode"] == "api" and c["conns"] == 4)["ok_per_s"],
    )
    add(
        "Largest server worker's memory after the run, MB",
        lambda r: max(r["rss_mb"]["server_workers"]),
        lambda p: max(v for k, v in p["rss_peak_kb_by_phase"].items() if k not in ("api_list", "end")) / 1024,
        lambda db: "peer: peak during its phases before its REST list",
    )
    lines = [
        "| Figure | SQLite: honeydesk | peer | ratio | PostgreSQL: honeydesk | peer | ratio | Notes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, cells in rows:
        parts, notes = [], []
        for db in DATABASES:
            o, p, note = cells[db]
            parts += [f"{o:,.1f}", f"{p:,.1f}", f"**{o / p:.2f}**" if p else "-"]
            if note and note not in notes:
                notes.append(f"{db}: {note}" if "found" in note else note)
        lines.append(f"| {label} | {' | '.join(parts)} | {'; '.join(notes)} |")
    peer_when = {db: peer[db].get("started", "?") for db in DATABASES}
    ours_when = {db: ours[db]["date"] for db in DATABASES}
    loads = {db: ours[db]["load"] for db in DATABASES}
    return (
        f"Date: {date.today().isoformat()}. Command: `make bench-peer` (bench/peer.py: the peer's "
        f"`{PEER.name}/run.sh` with N={CASES}, then `bench/run.py --cases {CASES} --workers 2 --create-threads 4`). "
        f"Peer measured from {', '.join(f'{db} {w}' for db, w in peer_when.items())}; honeydesk "
        f"{', '.join(f'{db} {w}' for db, w in ours_when.items())}; honeydesk's 1-minute load average "
        + ", ".join(f"{db} {v['before']:.2f} → {v['after']:.2f}" for db, v in loads.items())
        + " (the peer's harness records the CPU other processes used in its JSON). "
        f"Data: {CASES:,} tickets / cases on each side, each generated by its own harness; "
        f"honeydesk {ours['postgresql']['size']['cases']:,} cases and {ours['postgresql']['size']['entries']:,} "
        "timeline entries at measurement (PostgreSQL). Both servers with 2 workers on the same 2 cores as the "
        "client. Ratio = honeydesk / peer.\n\n" + "\n".join(lines)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--skip-ours", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args, extra = parser.parse_known_args()
    started = time.monotonic()
    if not args.skip_peer:
        run_peer()
    if not args.skip_ours:
        run_ours(extra)
    md = "## Side by side with django-helpdesk 2.6.1 (100,000 cases, one run)\n\n" + table()
    print(md)
    if not args.no_record:
        run.record(md, "peer")
    print(f"bench-peer: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
