"""A PostgreSQL 15 cluster for benchmarks, kept between runs under var/bench/pg (so a
generated million cases can be measured again with --reuse).

    python bench/pg.py start|stop|status      (bench/run.py starts it by itself)

Settings are PostgreSQL's defaults except where a one-machine deployment would set them
(listed in SETTINGS and printed with every result): more shared buffers and working
memory than the 128 MB default, and a larger WAL so the bulk load does not checkpoint
every few seconds. fsync and synchronous_commit stay on: figures are for a durable
database. Runs as the `postgres` OS user when started as root (initdb refuses root),
listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "var" / "bench" / "pg"
# Below the kernel's ephemeral range (32768-60999 here): a port inside it can be held for
# a moment as the local end of some client's connection, and the server then fails to
# start ("Address already in use"; it happened to the peer's harness on 55442).
PORT = int(os.environ.get("BENCH_PG_PORT", "25433"))
OS_USER = os.environ.get("BENCH_PG_OSUSER", "postgres")
SETTINGS = {
    "shared_buffers": "2GB",
    "effective_cache_size": "8GB",
    "work_mem": "16MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
    "random_page_cost": "1.1",
    "max_connections": "100",
}


def _bin(name: str) -> str:
    for candidate in (f"/usr/lib/postgresql/15/bin/{name}", shutil.which(name) or ""):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit(f"{name} (PostgreSQL 15) not found")


def _as_pg(argv: list[str]) -> list[str]:
    if os.getuid() == 0:
        return ["runuser", "-u", OS_USER, "--", *argv]
    return argv


def url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:{PORT}/{database}"


def running() -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", PORT)) == 0


def start() -> None:
    if running():
        return
    if os.getuid() == 0 and subprocess.run(["id", OS_USER], check=False, capture_output=True).returncode != 0:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER], check=True)
    if not (DATA / "PG_VERSION").exists():
        DATA.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(DATA, OS_USER)
        DATA.chmod(0o700)
        subprocess.run(
            _as_pg(
                [_bin("initdb"), "-D", str(DATA), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        with open(DATA / "postgresql.conf", "a") as conf:
            conf.write("\n# honeydesk bench (bench/pg.py)\n")
            conf.write(f"listen_addresses = '127.0.0.1'\nport = {PORT}\nunix_socket_directories = '{DATA}'\n")
            for key, value in SETTINGS.items():
                conf.write(f"{key} = {value}\n")
    subprocess.run(
        _as_pg(
            [
                _bin("pg_ctl"),
                "-D",
                str(DATA),
                "-l",
                str(DATA / "server.log"),
                "-o",
                f"-p {PORT}",
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not running() and time.monotonic() < deadline:
        time.sleep(0.2)


def stop() -> None:
    if (DATA / "postmaster.pid").exists():
        subprocess.run(_as_pg([_bin("pg_ctl"), "-D", str(DATA), "-m", "fast", "-w", "stop"]), check=False)


def psql(sql: str, database: str = "postgres") -> str:
    out = subprocess.run(
        [_bin("psql"), "-h", "127.0.0.1", "-p", str(PORT), "-U", "postgres", "-d", database, "-qAtX", "-c", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def database_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def recreate(name: str) -> None:
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")


def version() -> str:
    return psql("SHOW server_version")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "status"
    if command == "start":
        start()
        print(f"PostgreSQL {version()} on 127.0.0.1:{PORT}, data in {DATA}")
    elif command == "stop":
        stop()
    else:
        print("running" if running() else "stopped")
