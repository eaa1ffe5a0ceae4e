"""HTTP measurement helpers for bench/run.py: the server and worker processes under test,
timed requests over keep-alive connections, concurrent creates, RSS of processes."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What a measured server and worker run with, beside their database and var directory.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "bench-only-not-a-secret",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_COOKIES": "0",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    "LOG_LEVEL": "ERROR",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
            out.append(int(entry))
    return sorted(out)


class Process:
    """A honeydesk command as its own process group, stopped on exit."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.argv, self.env, self.log_path = argv, {**os.environ, **env}, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 -- closed in stop()
        self.proc = subprocess.Popen(
            self.argv,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        if hasattr(self, "log"):
            self.log.close()


class Server(Process):
    """`honeydesk serve` on 127.0.0.1: granian's main process and its workers."""

    def __init__(
        self,
        port: int,
        workers: int,
        env: dict[str, str],
        log: Path,
        threads: int | None = None,
        pages_only: bool = False,
    ):
        argv = [str(BIN / "honeydesk"), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        if threads:
            argv += ["--threads", str(threads)]
        if pages_only:
            argv.append("--pages-only")
        super().__init__(argv, env, log)
        self.port = port
        # A pages-only server answers /api/ with 404: ask it for its sign-in page instead.
        self.ready_path = "/login/" if pages_only else "/api/v1/openapi.json"

    def __enter__(self) -> Server:
        self.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                status, _, _ = request(self.port, "GET", self.ready_path, timeout=2)
                if status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server did not answer within 90 s; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def worker_rss(self) -> list[float]:
        return [rss_mb(pid) for pid in children(self.pid)]

    @property
    def command(self) -> str:
        return " ".join([Path(self.argv[0]).name, *self.argv[1:]])


def request(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 30,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, bytes, float]:
    """One request to 127.0.0.1:port; returns (status, body, seconds)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        t = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, time.perf_counter() - t
    finally:
        if own:
            conn.close()


@dataclass
class Timing:
    name: str
    samples: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        s = sorted(self.samples)
        return s[min(len(s) - 1, round(q * (len(s) - 1)))] * 1000 if s else float("nan")


def measure_get(
    port: int, timing: Timing, paths: list[str], headers: dict[str, str], n: int, max_seconds: float, warmup: int = 5
) -> None:
    """n sequential GETs over one keep-alive connection (server time plus loopback)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    deadline = time.monotonic() + max_seconds
    try:
        for i in range(warmup + n):
            if time.monotonic() > deadline:
                break
            status, _, secs = request(port, "GET", paths[i % len(paths)], headers=headers, conn=conn)
            if i >= warmup:
                timing.statuses[status] = timing.statuses.get(status, 0) + 1
                if status == 200:
                    timing.samples.append(secs)
    finally:
        conn.close()


def measure_create(
    port: int,
    token: str,
    payload: Callable[[random.Random], dict[str, object]],
    total: int,
    threads: int,
    max_seconds: float,
    warmup: int = 5,
) -> dict[str, object]:
    """POST /api/v1/cases from `threads` clients until `total` are made or time runs out.

    Each client first makes `warmup` creates that are not counted, and the clock starts
    when all have: a server worker loads the text models on the first text it reads
    (about a second), which is start-up, not throughput."""
    lock = threading.Lock()
    ready = threading.Barrier(threads + 1)
    state = {"issued": 0, "ok": 0}
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + max_seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for _ in range(warmup):
                try:
                    body = json.dumps(payload(rng)).encode()
                    request(port, "POST", "/api/v1/cases", headers=headers, body=body, conn=conn)
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            ready.wait(timeout=max_seconds)
            while time.monotonic() < deadline:
                with lock:
                    if state["issued"] >= total:
                        return
                    state["issued"] += 1
                body = json.dumps(payload(rng)).encode()
                try:
                    status, data, secs = request(port, "POST", "/api/v1/cases", headers=headers, body=body, conn=conn)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    status, data, secs = 0, repr(exc).encode(), 0.0
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1
                    if status == 201:
                        state["ok"] += 1
                        latencies.append(secs)
                    elif len(errors) < 3:
                        errors.append(f"{status}: {data[:300]!r}")
        finally:
            conn.close()

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    ready.wait(timeout=max_seconds)
    t0 = time.perf_counter()
    deadline = time.monotonic() + max_seconds
    for w in workers:
        w.join(timeout=max_seconds + 60)
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {
        "created": state["ok"],
        "seconds": elapsed,
        "rate": state["ok"] / elapsed if elapsed else 0.0,
        "statuses": statuses,
        "errors": errors,
        "p50_ms": latencies[len(latencies) // 2] * 1000 if latencies else float("nan"),
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000 if latencies else float("nan"),
    }


def session_cookie(username: str) -> str:
    """A logged-in session for `username`, made the way django.test.Client.force_login does."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from honeydesk.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def api_token(username: str, env: dict[str, str]) -> str:
    out = subprocess.run(
        [str(BIN / "honeydesk"), "createtoken", username],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    found = re.search(r"\bhd_[A-Za-z0-9_\-]+", out.stdout)
    if out.returncode != 0 or not found:
        raise RuntimeError(f"honeydesk createtoken failed ({out.returncode}): {out.stderr.strip()[:300]}")
    return found.group(0)


def wait_for_idle(max_seconds: float, below: float = 1.0) -> float:
    """Wait (bounded) for the 1-minute load average to fall below `below`."""
    start = time.monotonic()
    while os.getloadavg()[0] >= below and time.monotonic() - start < max_seconds:
        time.sleep(5)
    return time.monotonic() - start


def fmt_status(statuses: dict[int, int]) -> str:
    return ", ".join(f"{k} x{v}" for k, v in sorted(statuses.items())) or "-"
