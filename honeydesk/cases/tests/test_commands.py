"""`honeydesk createtoken USERNAME`: a token on stdout that the API accepts."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client

from honeydesk.accounts.models import ApiToken


def create_token(*args: str) -> str:
    out = StringIO()
    call_command("createtoken", *args, stdout=out)
    return out.getvalue()


def get_cases(token: str):
    return Client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})


def test_it_prints_only_a_token_that_authenticates(cast):
    output = create_token(cast.supervisor.username)
    token = output.strip()
    assert output == token + "\n" and token.startswith("hd_") and " " not in token
    response = get_cases(token)
    assert response.status_code == 200
    refs = {c["ref"] for c in response.json()["items"]}
    assert {cast.alice_case.ref, cast.bob_case.ref} <= refs


def test_it_gives_each_person_their_own_view(cast):
    response = get_cases(create_token(cast.alice.username).strip())
    assert response.status_code == 200
    assert [c["ref"] for c in response.json()["items"]] == [cast.alice_case.ref]


def test_it_names_the_token_and_stores_only_its_hash(cast):
    token = create_token(cast.billing_agent.username, "--name", "billing export").strip()
    stored = ApiToken.objects.get(user=cast.billing_agent)
    assert stored.name == "billing export"
    assert stored.digest == ApiToken.hash(token) and token not in (stored.digest, stored.prefix)


def test_it_issues_a_new_token_each_time(cast):
    first, second = create_token("sam").strip(), create_token("sam").strip()
    assert first != second
    assert get_cases(first).status_code == 200 and get_cases(second).status_code == 200


def test_it_fails_clearly_for_an_unknown_user(cast):
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        create_token("nobody")
    assert not ApiToken.objects.exists()


def test_it_refuses_a_deactivated_user(cast):
    cast.repair_agent.is_active = False
    cast.repair_agent.save(update_fields=["is_active"])
    with pytest.raises(CommandError, match="deactivated"):
        create_token(cast.repair_agent.username)


def test_a_made_up_token_is_refused(cast):
    assert get_cases("hd_not-a-real-token").status_code == 401


def test_the_honeydesk_console_script_runs_it(cast, monkeypatch, capsys):
    from honeydesk import cli

    monkeypatch.setattr(sys, "argv", ["honeydesk", "createtoken", "sam"])
    # run_from_argv closes every connection when it is done; the test's connection must stay open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    cli.main()
    token = capsys.readouterr().out.strip()
    assert get_cases(token).status_code == 200


@pytest.mark.parametrize(
    ("vendor", "env", "threads"),
    [("sqlite", None, "1"), ("postgresql", None, "4"), ("sqlite", "3", "3")],
    ids=["sqlite default", "postgresql default", "WEB_THREADS"],
)
def test_serve_runs_granian_with_threads_to_suit_the_database(monkeypatch, settings, tmp_path, vendor, env, threads):
    from django.db import connection

    from honeydesk.web.management.commands import serve

    settings.STATIC_ROOT = tmp_path / "static"
    monkeypatch.setattr(connection, "vendor", vendor)
    if env is None:
        monkeypatch.delenv("WEB_THREADS", raising=False)
    else:
        monkeypatch.setenv("WEB_THREADS", env)
    ran: list[list[str]] = []
    monkeypatch.setattr(serve.os, "execv", lambda _exe, argv: ran.append(argv))
    call_command("serve", "--port", "8123", "--workers", "2", stdout=StringIO())
    [argv] = ran
    assert argv[argv.index("--blocking-threads") + 1] == threads
    assert argv[argv.index("--workers") + 1] == "2" and argv[argv.index("--port") + 1] == "8123"
    assert argv[-1] == "config.wsgi:application"


def test_serve_with_worker_runs_both_and_one_interrupt_stops_both(tmp_path):
    """`make run`: the web server and the worker in one command; Ctrl-C stops both."""
    import os
    import pathlib
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    root = pathlib.Path(__file__).resolve().parents[3]
    env = {**os.environ, "SECRET_KEY": "t", "DEBUG": "1", "HONEYDESK_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cli = [sys.executable, "-m", "honeydesk.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v", "0"], env=env, cwd=root, check=True, timeout=120)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = (tmp_path / "run.log").open("w")
    run = [*cli, "serve", "--port", str(port), "--workers", "1", "--with-worker"]
    proc = subprocess.Popen(run, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, answered = time.monotonic() + 120, False  # a loaded CI machine starts slowly
        while time.monotonic() < deadline and not answered:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
                answered = True
            except OSError:
                time.sleep(0.3)
        while time.monotonic() < deadline and "honeydesk worker" not in (tmp_path / "run.log").read_text():
            time.sleep(0.3)
        output = (tmp_path / "run.log").read_text()
        assert answered and "honeydesk worker" in output, output[-3000:]
        family = _descendants(proc.pid)
        assert len(family) >= 3, "the server, its worker process and the job worker"
        os.killpg(proc.pid, signal.SIGINT)  # the terminal sends Ctrl-C to the foreground group
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
    # Nothing is left running: not the server, not its worker processes, not the job worker.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_running(pid) for pid in family):
        time.sleep(0.2)
    assert [pid for pid in family if _running(pid)] == []


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def _children(pid: int) -> list[int]:
    import subprocess

    return [int(c) for c in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]


def _running(pid: int) -> bool:
    """A zombie counts as gone: it has exited, and only waits for its parent to read it."""
    import pathlib

    try:
        status = pathlib.Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"
