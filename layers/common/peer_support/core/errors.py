"""Domain exceptions. The repositories raise them instead of botocore errors, and the API maps
them to HTTP in one place (`entrypoints.api.problems`)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the application knows how to explain."""


class Conflict(DomainError):
    """A conditional write lost: the item changed or already exists."""

    def __init__(self, message: str = "conflict", current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = current


class NotFound(DomainError):
    """No such item."""


class IdempotencyKeyReused(DomainError):
    """The same Idempotency-Key came back with different data."""


class NotEligible(DomainError):
    """The program cannot serve this person; nothing is stored."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadRequest(DomainError):
    """The body cannot be read at all (malformed JSON or form data)."""


class PayloadTooLarge(DomainError):
    """The body is over the size limit."""


class UnsupportedMediaType(DomainError):
    """The body is neither JSON nor a form."""


class CrossSite(DomainError):
    """A post that changes something came from another site's page: refused, nothing is changed."""


class Unavailable(DomainError):
    """Something we depend on (a table, the signing secret) cannot answer now; nothing was changed,
    and the same call can be tried again shortly. `code` names the fault (an AWS error code)."""

    def __init__(self, dependency: str, code: str) -> None:
        super().__init__(dependency)
        self.dependency = dependency
        self.code = code
