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


class NotFound(DomainError):
    """Missing and forbidden look the same from outside."""

    code = "not_found"
    status = 404
