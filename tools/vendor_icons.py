"""Build honeydesk's icon sprite from the Lucide icon set (npm package lucide-static).

    npm pack lucide-static@1.62.0 && tar xzf lucide-static-1.62.0.tgz
    python tools/vendor_icons.py package/

writes honeydesk/web/static/honeydesk/icons/lucide.svg (one <symbol> per icon used by the
pages, ids are Lucide's names) and copies Lucide's LICENSE beside it. Templates draw an
icon with {% icon "inbox" %} (honeydesk/web/templatetags/ui.py), which refers to the sprite
by <use href>: the icons come from this server's static files, take the text colour, and
need no inline style or script. To add an icon, add its name to ICONS and run this again.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ICONS = sorted(
    [
        "arrow-right-left",
        "at-sign",
        "bell",
        "book-open",
        "building-2",
        "calendar-clock",
        "check",
        "chevron-down",
        "circle-arrow-up",
        "circle-check",
        "clock",
        "code",
        "coins",
        "download",
        "file",
        "history",
        "hourglass",
        "inbox",
        "info",
        "key-round",
        "layers",
        "lock",
        "log-out",
        "mail",
        "mail-warning",
        "message-square",
        "message-square-text",
        "paperclip",
        "phone",
        "phone-call",
        "plus",
        "printer",
        "receipt",
        "reply",
        "search",
        "send",
        "settings",
        "shield-alert",
        "shield-check",
        "sticky-note",
        "tag",
        "triangle-alert",
        "user",
        "user-check",
        "users",
        "x",
        "zap",
    ]
)

TARGET = Path(__file__).resolve().parents[1] / "honeydesk" / "web" / "static" / "honeydesk" / "icons"


def symbol(name: str, svg: str) -> str:
    body = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.S)
    if body is None:
        raise SystemExit(f"{name}: not an SVG")
    inner = " ".join(line.strip() for line in body.group(1).splitlines() if line.strip())
    return f'<symbol id="{name}" viewBox="0 0 24 24">{inner}</symbol>'


def main(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    symbols = [symbol(name, (package / "icons" / f"{name}.svg").read_text()) for name in ICONS]
    TARGET.mkdir(parents=True, exist_ok=True)
    (TARGET / "lucide.svg").write_text(
        f"<!-- Lucide icons (lucide-static {version}, ISC licence: LICENSE beside this file). -->\n"
        '<svg xmlns="http://www.w3.org/2000/svg">\n' + "\n".join(symbols) + "\n</svg>\n"
    )
    (TARGET / "LICENSE").write_text((package / "LICENSE").read_text())
    print(f"{len(symbols)} icons from lucide-static {version} -> {TARGET / 'lucide.svg'}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "package"))
