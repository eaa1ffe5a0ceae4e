import os
import shutil
import tempfile
from collections.abc import Iterator

import pytest
from django.test import override_settings

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to
# run there unless told the test is deliberately synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """On SQLite, test against a file database, as production runs.

    Django's default in-memory test database is shared between threads through SQLite's
    shared cache, where a second writer gets "database table is locked" at once instead of
    waiting on the busy timeout. A file in WAL mode with IMMEDIATE transactions behaves as
    the real deployment does, so tests with several threads (concurrency, live servers)
    see real locking. Each session (and xdist worker) gets its own directory.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    directory = None
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        directory = tempfile.mkdtemp(prefix="honeydesk-testdb-")
        db.setdefault("TEST", {})["NAME"] = os.path.join(directory, "test.sqlite3")
    yield
    if directory:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """The cast creates six users per test; PBKDF2 at production strength would make
    every test take seconds. (override_settings clears Django's hasher cache.)"""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def cast(db):
    from honeydesk.testing import make_cast

    return make_cast()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The cast has six people; real PBKDF2 would spend seconds per test hashing passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> Iterator[None]:
    """Small tables (security policy, calendars, request types...) are kept in the process
    for a few seconds (`lib.cache.Recent`); each test starts from its own database's rows,
    not those a previous test saved and rolled back."""
    from honeydesk.lib.cache import Recent

    Recent.forget_all()
    yield
    Recent.forget_all()
