"""Explaining a fault that came from AWS: its error code (never its message, which can quote a
person's data), and whether it is passing (throttled, briefly unavailable, not reached) or final."""

from __future__ import annotations

from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from peer_support.core.errors import Unavailable

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
