"""Browser tests: pytest-playwright drives Debian's Chromium against pytest-django's live server.

One browser for the whole session (pytest-playwright's session-scoped ``browser``); each test
gets fresh browser contexts, so every person in a scenario has their own cookies. Every request
the browser makes is checked: nothing may leave 127.0.0.1 (no CDN, no fonts, no telemetry).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# (the cast, reading the outbox's case) are deliberately synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.path.exists(CHROMIUM):
        # Fail, never skip: a green run must mean the browser tests ran (`make test` installs it).
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium chromium-driver")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-US", "timezone_id": "UTC"}


@pytest.fixture
def live_cast(transactional_db, live_server):
    """The test cast, committed, so the live server's thread sees it."""
    from honeydesk.testing import make_cast

    return make_cast()


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings) -> None:
    # The live server speaks plain HTTP; production settings mark cookies Secure.
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.scheme in ("http", "https", "ws") and parts.hostname in LOCAL_HOSTS


@pytest.fixture
def outside_requests() -> list[str]:
    return []


@pytest.fixture
def new_context(new_context: Callable[..., BrowserContext], outside_requests: list[str]) -> Iterator[Callable]:
    """Every context the test opens records any request that would leave this machine."""

    def make(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(10_000)
        context.on("request", lambda request: None if _is_local(request.url) else outside_requests.append(request.url))
        return context

    yield make
    assert outside_requests == [], f"requests left 127.0.0.1: {outside_requests}"


@pytest.fixture
def shot(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Callable[[Page, str], Path]:
    """shot(page, "name") saves a numbered (full-page) screenshot in this test's own folder."""
    folder = tmp_path_factory.mktemp(re.sub(r"\W+", "-", request.node.name)[:60], numbered=True)
    count = iter(range(1, 100))

    def save(page: Page, name: str, full_page: bool = True) -> Path:
        path = folder / f"{next(count):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return save


@pytest.fixture
def sign_in(new_context: Callable[..., BrowserContext], live_server) -> Callable[..., Page]:
    """sign_in("bianca") opens a fresh browser context and signs in on /login/ with the password."""

    def login(username: str, password: str | None = None, viewport: dict | None = None) -> Page:
        page = new_context().new_page()
        if viewport:
            page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password or f"pw-{username}")
        page.get_by_role("button", name="Sign in").click()
        expect(page).not_to_have_url(re.compile(r"/login/"))
        return page

    return login
