import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to
# run there unless told the test is deliberately synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory) -> None:
    """On SQLite, test against a file database, as production runs.

    Django's default in-memory test database is shared between threads through SQLite's
    shared cache, where a second writer gets "database table is locked" at once instead of
    waiting on the busy timeout. A file in WAL mode with IMMEDIATE transactions behaves as
    the real deployment does, so tests with several threads (concurrency, live servers)
    see real locking. tmp_path_factory is per xdist worker, so workers never share it.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3" and not db.get("TEST", {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "honeydesk-test.sqlite3")


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
