"""Domain errors shared by pages and API. Each carries a machine-readable code."""

from __future__ import annotations


class DomainError(Exception):
    code = "error"
    status = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class InvalidInput(DomainError):
    """The input is well-formed but its values are not acceptable."""

    code = "validation_error"
    status = 422

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        return cls(message, fields={name: [message]})


class InvalidTransition(DomainError):
    """The action does not apply to the case in its current state."""

    code = "invalid_transition"
    status = 409


class StaleVersion(DomainError):
    """Someone else changed the case after this person loaded it."""

    code = "stale_version"
    status = 409


class VersionRequired(DomainError):
    """A write that changes a case came without the version the person saw: without it,
    the slower of two people would overwrite the faster unawares (issue 19)."""

    code = "version_required"
    status = 409

    def __init__(self, message: str = "") -> None:
        super().__init__(
            message
            or "Send the version of the case you saw (the `version` field); reload the case if you do not have it."
        )


class NotFound(DomainError):
    """Missing and forbidden look the same from outside."""

    code = "not_found"
    status = 404
