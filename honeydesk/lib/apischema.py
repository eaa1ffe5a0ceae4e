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
from datetime import datetime
from typing import Annotated, Any

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, field_validator

from honeydesk.lib.storable import bad_text

__all__ = [
    "READ_ERRORS",
    "WRITE_ERRORS",
    "DateTime",
    "ErrorDetail",
    "ErrorOut",
    "In",
    "LocalDateTime",
    "StrictBool",
    "StrictInt",
    "Text",
    "bad_text",
]


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


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: Any) -> Any:
    # pydantic would read 0 or "0.5" as seconds since 1970 and "2026-01-31" as midnight in
    # no time zone: only what the document promises (an RFC 3339 date-time) is taken.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError("Use an RFC 3339 date and time with its offset, e.g. 2026-01-31T09:00:00Z.")
    return value


DateTime = Annotated[datetime, BeforeValidator(_rfc3339)]

_LOCAL = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?")


def _local_or_rfc3339(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _LOCAL.fullmatch(value):
        raise ValueError("Use a date and time such as 2026-01-31T15:00 (local) or 2026-01-31T15:00:00Z.")
    return value


# A wall-clock time the caller may give without an offset (the endpoint says in which
# time zone it is read), or with one.
LocalDateTime = Annotated[datetime, BeforeValidator(_local_or_rfc3339)]


# Text that must say something: at least one character that is not blank (a value of
# spaces only is refused by the actions with a clearer message; the schema says so too).
Text = Annotated[str, Field(min_length=1, pattern=r"\S")]


class ErrorDetail(Schema):
    code: str = Field(..., description="Machine-readable: validation_error, not_found, stale_version, ...")
    message: str
    fields: dict[str, list[str]] = {}


class ErrorOut(Schema):
    error: ErrorDetail


# The error answers every read and every write may give, in the one error shape
# (declared on each operation so the OpenAPI document describes the API, issue 19).
READ_ERRORS: dict[int, type[ErrorOut]] = dict.fromkeys((401, 404, 422), ErrorOut)
WRITE_ERRORS: dict[int, type[ErrorOut]] = dict.fromkeys((400, 401, 404, 409, 413, 422), ErrorOut)
