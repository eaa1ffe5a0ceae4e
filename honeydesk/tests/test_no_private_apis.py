"""No code leans on another library's private internals: they change without notice
(Django's caches on querysets, its SQLite placeholder rewriting, the standard library's
regex parser). Speed work stays on public APIs; see ARCHITECTURE.md."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Spelled in pieces so this file does not match itself.
PRIVATE = [
    "re." + "_parser",
    "sre" + "_parse",
    "sre" + "_compile",
    "_result" + "_cache",
    "_prefetched" + "_objects_cache",
    "FORMAT_QMARK" + "_REGEX",
]


def test_it_finds_no_private_internals_in_the_code():
    found = []
    pattern = re.compile("|".join(re.escape(p) for p in PRIVATE) + "|from re " + r"import _")
    for folder in ("honeydesk", "config", "bench"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert found == []
