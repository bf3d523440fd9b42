"""Signed one-click links and the secret behind them.

A token names one request and one holder (a supporter, the administrator or the requester),
expires, and is signed with HMAC-SHA256 using the stack's secret (Secrets Manager, cached in
the function). It carries no personal data: a reference, a role, an opaque supporter id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar

from aws_lambda_powertools import Logger

from peer_support.errors import Unavailable, aws_error_code
from peer_support.settings import get_settings

logger = Logger()

# Long enough to save a call per request, short enough that a rotation takes effect quickly.
CACHE_SECONDS = 300

MAX_TOKEN_LENGTH = 400
Role = Literal["supporter", "admin", "requester"]
ROLES: tuple[Role, ...] = ("supporter", "admin", "requester")
Claims = TypeVar("Claims")


class InvalidLink(Exception):
    """Tampered, malformed, expired or signed with another key: answered with a plain 404."""


def signing_key() -> bytes:
    """The current signing key as bytes: every new link and keyed reference is made with it. Raises
    `Unavailable` when Secrets Manager cannot give it."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

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
    from aws_lambda_powertools.utilities.parameters import SecretsProvider
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError

    if time.monotonic() < _previous["none_until"]:
        return None
    if _previous["provider"] is None:
        # A provider of its own: Powertools caches by name alone, so the current version would answer.
        _previous["provider"] = SecretsProvider()
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


@dataclass(frozen=True)
class LinkClaims:
    request_id: str
    role: Role
    holder: str  # supporter id, or the role itself for the administrator and the requester
    expires: int  # epoch seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(kind: bytes, fields: tuple[str, ...], key: bytes) -> str:
    """`fields`, joined and signed for one kind of link: a token of one kind never verifies as another."""
    payload = "|".join(fields).encode()
    return f"{_b64(payload)}.{_b64(_mac(kind, key, payload))}"


def _mac(kind: bytes, key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, kind + b":" + payload, hashlib.sha256).digest()


def _verify(kind: bytes, token: str, key: bytes, count: int) -> list[str]:
    """The fields of a genuine token of `kind`; otherwise `InvalidLink` (never saying why)."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidLink()
    try:
        encoded_payload, encoded_mac = token.split(".")
        payload, mac = _unb64(encoded_payload), _unb64(encoded_mac)
        fields = payload.decode().split("|")
    except (ValueError, binascii.Error):
        raise InvalidLink() from None
    if not hmac.compare_digest(mac, _mac(kind, key, payload)):
        raise InvalidLink()
    if len(fields) != count:
        raise InvalidLink()
    return fields


def sign_link(claims: LinkClaims, key: bytes) -> str:
    return _sign(b"link", (claims.request_id, claims.role, claims.holder, str(claims.expires)), key)


def issue_link(request_id: str, role: Role, holder: str, now: datetime, ttl: timedelta, key: bytes) -> str:
    return sign_link(LinkClaims(request_id, role, holder, int((now + ttl).timestamp())), key)


def verify_link(token: str, key: bytes, now: datetime) -> LinkClaims:
    """The claims of a genuine, unexpired token; otherwise `InvalidLink`."""
    request_id, role, holder, expires = _verify(b"link", token, key, 4)
    try:
        claims = LinkClaims(request_id, role, holder, int(expires))  # type: ignore[arg-type]
    except ValueError:
        raise InvalidLink() from None
    if claims.role not in ROLES or claims.expires <= now.timestamp():
        raise InvalidLink()
    return claims


# -- a group registration's link ----------------------------------------------------------------
#
# A separate kind of token: signed under its own prefix, so a request's link never opens a registration
# and a registration's link never opens a request. It names one registration (the session's date and
# the registration's reference, neither of them personal data) and stops working when the session ends.

SESSION_ID = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GROUP_REFERENCE = re.compile(r"^GR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


@dataclass(frozen=True)
class GroupLinkClaims:
    session_id: str  # the session's date in Vancouver, e.g. 2026-03-09
    reference: str
    expires: int  # epoch seconds


def issue_group_link(session_id: str, reference: str, expires: datetime, key: bytes) -> str:
    return _sign(b"group-link", (session_id, reference, str(int(expires.timestamp()))), key)


def verify_group_link(token: str, key: bytes, now: datetime) -> GroupLinkClaims:
    """The claims of a genuine, unexpired registration link; otherwise `InvalidLink`."""
    session_id, reference, expires = _verify(b"group-link", token, key, 3)
    try:
        claims = GroupLinkClaims(session_id, reference, int(expires))
    except ValueError:
        raise InvalidLink() from None
    if not (SESSION_ID.match(claims.session_id) and GROUP_REFERENCE.match(claims.reference)):
        raise InvalidLink()
    if claims.expires <= now.timestamp():
        raise InvalidLink()
    return claims
