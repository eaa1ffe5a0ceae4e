"""Word lists and phrase patterns read from data files (``data/lexicons/*.txt``).

A person adds a new insult or a new way of asking for a supervisor by adding a line to a
file, without reading code. Format, one entry per line::

    # What the group is for (at least one comment line right above every group).
    [group_name]
    a regex fragment, matched case-insensitively on the lower-cased analysis key
    another one

Blank lines are ignored; a line starting with ``#`` is a comment. Entries are regular
expression fragments (so ``idiots?`` covers both forms); a literal ``#`` or ``[`` at the
start of an entry is written ``\\#`` / ``\\[``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

LEXICONS = Path(__file__).resolve().parent / "data" / "lexicons"


class LexiconError(ValueError):
    pass


@cache
def load(name: str) -> dict[str, tuple[str, ...]]:
    """The groups of ``data/lexicons/<name>.txt`` (group name -> entries, in file order)."""
    path = LEXICONS / f"{name}.txt"
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    comment = False
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            comment = True
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1].strip()
            if not comment:
                raise LexiconError(f"{path.name}:{n}: group [{group}] needs a comment line above it")
            if group in groups:
                raise LexiconError(f"{path.name}:{n}: group [{group}] appears twice")
            current = groups[group] = []
            comment = False
            continue
        if current is None:
            raise LexiconError(f"{path.name}:{n}: entry before any [group]")
        current.append(line[1:] if line.startswith(("\\#", "\\[")) else line)
    return {k: tuple(v) for k, v in groups.items()}


def group(name: str, group_name: str) -> tuple[str, ...]:
    return load(name)[group_name]
