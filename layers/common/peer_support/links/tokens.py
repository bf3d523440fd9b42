"""Signed one-click links: what a token says, how it is signed and how it is verified.

A token names one request and one holder (a supporter, the administrator or the requester), or one
group registration; it expires, and is signed with HMAC-SHA256 using the stack's secret (`keys`). It
carries no personal data: a reference, a role, an opaque supporter id. Each kind of token is signed
under its own prefix, and every kind is checked by the one verifier, `_verify`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

MAX_TOKEN_LENGTH = 400
Role = Literal["supporter", "admin", "requester"]
ROLES: tuple[Role, ...] = ("supporter", "admin", "requester")


class InvalidLink(Exception):
    """Tampered, malformed, expired or signed with another key: answered with a plain 404."""


@dataclass(frozen=True)
class LinkClaims:
    request_id: str
    role: Role
    holder: str  # supporter id, or the role itself for the administrator and the requester
    expires: int  # epoch seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# Unpadded URL-safe base64, and nothing else: no padding, no other characters.
_URLSAFE = re.compile(r"[A-Za-z0-9_-]*")
MAC_BYTES = hashlib.sha256().digest_size


def _unb64(text: str) -> bytes:
    """Strictly: only the one canonical spelling of some bytes decodes. A lenient decoder would take
    other characters (skipped), padding, or unused low bits in the last character, so that different
    strings carried the same capability."""
    if not _URLSAFE.fullmatch(text):
        raise ValueError("not unpadded URL-safe base64")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not the canonical spelling")
    return data


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
    if len(mac) != MAC_BYTES:
        raise InvalidLink()
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


# -- a supporter's own page -----------------------------------------------------------------------
#
# Another kind again: it names one supporter (an opaque id) and no request, so it opens that supporter's
# own page and nothing else; a case link never opens it, nor it a case.


@dataclass(frozen=True)
class SupporterPageClaims:
    supporter_id: str
    expires: int  # epoch seconds


def issue_supporter_link(supporter_id: str, now: datetime, ttl: timedelta, key: bytes) -> str:
    return _sign(b"supporter-page", (supporter_id, str(int((now + ttl).timestamp()))), key)


def verify_supporter_link(token: str, key: bytes, now: datetime) -> SupporterPageClaims:
    """The claims of a genuine, unexpired link to a supporter's own page; otherwise `InvalidLink`."""
    supporter_id, expires = _verify(b"supporter-page", token, key, 2)
    try:
        claims = SupporterPageClaims(supporter_id, int(expires))
    except ValueError:
        raise InvalidLink() from None
    if not supporter_id or claims.expires <= now.timestamp():
        raise InvalidLink()
    return claims


# -- the report's link and a feedback link -----------------------------------------------------------
#
# Kinds of their own again. The administrators' report link names nothing but its expiry. A feedback
# link names no request and no person: a random nonce (what makes it single-use), the month it counts
# for, and its expiry, rounded to the day so that it says nothing finer about when it was sent.

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
NONCE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def issue_report_link(expires: datetime, key: bytes) -> str:
    return _sign(b"report-link", ("admin", str(int(expires.timestamp()))), key)


def verify_report_link(token: str, key: bytes, now: datetime) -> int:
    """The expiry of a genuine, unexpired report link; otherwise `InvalidLink`."""
    holder, expires = _verify(b"report-link", token, key, 2)
    if holder != "admin" or not expires.isdigit() or int(expires) <= now.timestamp():
        raise InvalidLink()
    return int(expires)


@dataclass(frozen=True)
class FeedbackClaims:
    nonce: str
    month: str  # YYYY-MM
    expires: int  # epoch seconds


def issue_feedback_link(nonce: str, month: str, expires: datetime, key: bytes) -> str:
    return _sign(b"feedback-link", (nonce, month, str(int(expires.timestamp()))), key)


def verify_feedback_link(token: str, key: bytes, now: datetime) -> FeedbackClaims:
    """The claims of a genuine, unexpired feedback link; otherwise `InvalidLink`."""
    nonce, month, expires = _verify(b"feedback-link", token, key, 3)
    if not (NONCE.match(nonce) and MONTH.match(month) and expires.isdigit()):
        raise InvalidLink()
    if int(expires) <= now.timestamp():
        raise InvalidLink()
    return FeedbackClaims(nonce, month, int(expires))
