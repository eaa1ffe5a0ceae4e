"""axe-core in the Playwright suite: inject the engine (from node_modules, installed by
`npm ci` from package-lock.json; used only in tests, never served) and report serious and
critical violations. Injected as an init script through the DevTools protocol, which the
pages' Content-Security-Policy does not govern, so the pages stay as strict as in production:

    with_axe(page)           # before the pages to check are opened
    assert violations(page) == []
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[4] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}


@cache
def _source() -> str:
    if not AXE.exists():
        # Fail, never skip: `make test` runs `npm ci`.
        pytest.fail(f"{AXE} is missing: run `npm ci` in the repository (make test does)")
    return AXE.read_text()


def with_axe(page: Page) -> Page:
    """Every document this page opens from now on carries axe-core."""
    page.add_init_script(script=_source())
    return page


def violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    assert page.evaluate("() => typeof window.axe === 'object'"), "call with_axe(page) before opening the page"
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await window.axe.run(document, {resultTypes: ["violations"]})).violations
          .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}))"""
    )
    return [v for v in found if v["impact"] in BLOCKING]
