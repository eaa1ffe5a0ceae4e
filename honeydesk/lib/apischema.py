"""The base of every API request shape and the one error shape (issue 19).

Here, below every app, so that channels declare their endpoints' shapes on the same
rules as the core API (`honeydesk.api.schemas` re-exports these). The rules:

- unknown fields are refused (`additionalProperties: false`): a misspelt `verison`
  would otherwise be dropped silently;
- text may not hold NUL characters (PostgreSQL cannot store them, SQLite can: both
  must answer the same 422) nor lone surrogates (not encodable as UTF-8: a server
  error on write otherwise);
- numbers and booleans are strict where they are declared so (`StrictInt`,
  `StrictBool`): `false` is not 0 and "3" is not 3 in a JSON body.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator

__all__ = ["ErrorDetail", "ErrorOut", "In", "StrictBool", "StrictInt", "Text", "bad_text"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def bad_text(value: Any) -> str:
    """Why `value` (or a string inside it) cannot be stored, or ''."""
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


class In(Schema):
    """Base of every request shape (see the module's docstring)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        why = bad_text(value)
        if why:
            raise ValueError(why)
        return value


# Text that must say something: at least one character that is not blank (a value of
# spaces only is refused by the actions with a clearer message; the schema says so too).
Text = Annotated[str, Field(min_length=1, pattern=r"\S")]


class ErrorDetail(Schema):
    code: str = Field(..., description="Machine-readable: validation_error, not_found, stale_version, ...")
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail
