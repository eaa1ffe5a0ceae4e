"""Whether text can be stored the same way in SQLite and PostgreSQL.

Below the API schemas (`honeydesk.lib.apischema` checks every request field with it) and
without their framework, so that actions run by the job worker can check text too without
loading django-ninja and pydantic into it.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def bad_text(value: Any) -> str:
    """Why `value` (or a string inside it) cannot be stored, or ''. NUL characters:
    PostgreSQL cannot store them (SQLite can: both must refuse them alike); lone
    surrogates: not encodable as UTF-8."""
    if isinstance(value, str):
        if "\x00" in value:
            return "Text may not contain NUL characters."
        if _SURROGATE.search(value):
            return "Text may not contain lone surrogates (it must be valid Unicode)."
        return ""
    if isinstance(value, dict):
        return next((why for k, v in value.items() if (why := bad_text(k) or bad_text(v))), "")
    if isinstance(value, list | tuple):
        return next((why for v in value if (why := bad_text(v))), "")
    return ""
