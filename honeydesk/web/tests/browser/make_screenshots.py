"""Refresh the README screenshots: ``python -m honeydesk.web.tests.browser.make_screenshots``.

Runs the screenshot test against a throw-away test database filled with the demo company and
copies the screens (workspace queue, case page, portal request form, metrics dashboard,
monitoring) into docs/screenshots/.
"""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
TARGET = ROOT / "docs" / "screenshots"


def main() -> int:
    os.environ["HONEYDESK_SCREENSHOTS"] = str(TARGET)
    os.environ.setdefault("SECRET_KEY", "screenshots-only")
    os.chdir(ROOT)
    code = pytest.main([str(Path(__file__).with_name("test_readme_screenshots.py")), "-q", "-p", "no:warnings"])
    if code == 0:
        print("\n".join(str(p.relative_to(ROOT)) for p in sorted(TARGET.glob("*.png"))))
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
