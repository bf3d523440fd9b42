"""Domain exceptions. The repository raises them instead of botocore errors, and the API maps
them to HTTP in one place (`peer_support.api.base`)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

# AWS error codes that say "not now" rather than "no": throttling, or the service briefly unable to answer.
TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "Throttling",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "LimitExceededException",
        "InternalServerError",
        "InternalFailure",
        "InternalServiceError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ThrottlingError",  # a transaction's cancellation reason
    }
)
# The network failing between us and AWS: the call may not have reached it.
_NETWORK = (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError, ConnectionClosedError)


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


class Unavailable(DomainError):
    """Something we depend on (a table, the signing secret) cannot answer now; nothing was changed,
    and the same call can be tried again shortly. `code` names the fault (an AWS error code)."""

    def __init__(self, dependency: str, code: str) -> None:
        super().__init__(dependency)
        self.dependency = dependency
        self.code = code


def _chain(error: BaseException) -> list[BaseException]:
    """`error` and the errors it was raised from or during, nearest first."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _codes(error: BaseException) -> list[str]:
    """The AWS error code behind `error` (its own or that of an error it was raised from), then a
    cancelled transaction's reasons; a network failure is named by its type."""
    for link in _chain(error):
        if isinstance(link, Unavailable):
            return [link.code]
        response = getattr(link, "response", None)
        if isinstance(response, dict) and response.get("Error", {}).get("Code"):
            reasons = response.get("CancellationReasons") or []
            return [str(response["Error"]["Code"]), *(str(r.get("Code", "None")) for r in reasons)]
        if isinstance(link, _NETWORK):
            return [type(link).__name__]
    return []


def aws_error_code(error: BaseException) -> str | None:
    """The fault behind `error` as AWS names it, e.g. `ProvisionedThroughputExceededException` or
    `TransactionCanceledException: ThrottlingError, None`. Never the message, which can quote a
    person's data."""
    codes = _codes(error)
    if not codes:
        return None
    return f"{codes[0]}: {', '.join(codes[1:])}" if codes[1:] else codes[0]


def is_transient(error: BaseException) -> bool:
    """Whether `error` comes from AWS throttling us, being briefly unavailable, or not being reached."""
    codes = _codes(error)
    return any(code in TRANSIENT_CODES for code in codes) or any(
        isinstance(link, _NETWORK) for link in _chain(error)
    )
