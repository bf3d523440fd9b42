"""The secret behind the signed links: the current key signs, and links signed with the key before
the last rotation still verify until they expire. Read from Secrets Manager, cached in the function."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from aws_lambda_powertools import Logger

from peer_support.core.aws_faults import aws_error_code
from peer_support.core.errors import Unavailable
from peer_support.core.settings import get_settings
from peer_support.links.tokens import InvalidLink

logger = Logger()

# Long enough to save a call per request, short enough that a rotation takes effect quickly.
CACHE_SECONDS = 300
Claims = TypeVar("Claims")


def use_the_shared_session() -> None:
    """Give Powertools' Secrets Manager provider (which caches each value for `max_age`) a client of the
    process's one boto3 session. Left to itself, it starts a session of its own, which loads botocore's
    endpoint and service data all over again: about 70 ms of CPU in a cold start."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    if "secrets" not in DEFAULT_PROVIDERS:
        DEFAULT_PROVIDERS["secrets"] = SecretsProvider(boto3_client=boto3.client("secretsmanager"))


def signing_key() -> bytes:
    """The current signing key as bytes: every new link and keyed reference is made with it. Raises
    `Unavailable` when Secrets Manager cannot give it."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    use_the_shared_session()
    try:
        value = parameters.get_secret(get_settings().link_secret_arn, max_age=CACHE_SECONDS)
    except GetParameterError as error:
        # Powertools wraps every failure; the AWS code says which (missing, denied, throttled, unreachable).
        code = aws_error_code(error) or "GetParameterError"
        logger.error("signing secret unavailable", extra={"error_code": code})
        raise Unavailable("signing_secret", code) from None
    return value.encode() if isinstance(value, str) else bytes(value)


_previous: dict[str, Any] = {"provider": None, "none_until": 0.0}


def forget_previous_key() -> None:
    """Forget the cached previous key, as a new process would."""
    _previous.update(provider=None, none_until=0.0)


def previous_signing_key() -> bytes | None:
    """The key before the last rotation (the secret's `AWSPREVIOUS` version), or None if it was never
    rotated. Links already sent were signed with it, and must keep working until they expire."""
    import boto3
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    if time.monotonic() < _previous["none_until"]:
        return None
    if _previous["provider"] is None:
        # A provider of its own: Powertools caches by name alone, so the current version would answer.
        _previous["provider"] = SecretsProvider(boto3_client=boto3.client("secretsmanager"))
    try:
        value = _previous["provider"].get(
            get_settings().link_secret_arn, max_age=CACHE_SECONDS, VersionStage="AWSPREVIOUS"
        )
    except GetParameterError as error:
        code = aws_error_code(error)
        if code != "ResourceNotFoundException":
            logger.error("previous signing secret unavailable", extra={"error_code": code})
            raise Unavailable("signing_secret", code or "GetParameterError") from None
        # Remembered, so that a stream of forged tokens does not become a stream of Secrets Manager calls.
        _previous["none_until"] = time.monotonic() + CACHE_SECONDS
        return None
    return value.encode() if isinstance(value, str) else bytes(value)


def verified(verify: Callable[[str, bytes, datetime], Claims], token: str, now: datetime) -> Claims:
    """`verify(token, key, now)` with the current key, then the previous one; else `InvalidLink`."""
    try:
        return verify(token, signing_key(), now)
    except InvalidLink:
        previous = previous_signing_key()
        if previous is None:
            raise
        return verify(token, previous, now)
