from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


def eml(name: str, **replace: str) -> bytes:
    raw = (FIXTURES / name).read_bytes()
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


@pytest.fixture
def thread(cast):
    """alice's case with a mail we sent her (Message-ID hd-thread-1@honeydesk.test), so
    the reply fixtures, which answer that mail, thread onto it."""
    from honeydesk.channels.email.models import Message
    from honeydesk.lib import clock

    case = cast.alice_case
    Message.objects.create(
        direction=Message.Direction.OUT,
        state=Message.State.SENT,
        dedupe_key="mid:hd-thread-1@honeydesk.test",
        message_id="hd-thread-1@honeydesk.test",
        sender="billing@honeydesk.test",
        recipients="alice@example.test",
        subject=f"[{case.ref}] Charged twice in March",
        case=case,
        created_at=clock.now(),
    )
    return case


def reply(name: str, case) -> bytes:
    return eml(name, **{"HD-THREAD": case.ref})


@pytest.fixture(scope="session")
def dovecot():
    from honeydesk.channels.email.tests.servers import start_dovecot, stop_dovecot

    try:
        server = start_dovecot()
    except (FileNotFoundError, PermissionError) as exc:
        # Fail, never skip: a green run must mean the real IMAP server was used.
        pytest.fail(f"Dovecot could not start ({exc}); `make test` installs dovecot-imapd as root")
    yield server
    stop_dovecot(server)


@pytest.fixture(scope="session")
def live():
    import shutil

    from honeydesk.channels.email.tests.servers import start_live

    env = start_live()
    yield env
    shutil.rmtree(env.var_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _fresh_address_cache():
    from honeydesk.channels.email.matching import forget_cached_addresses

    forget_cached_addresses()
    yield
    forget_cached_addresses()
