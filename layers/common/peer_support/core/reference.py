"""Request references: short, readable over the phone, unguessable, and free of personal data.

`PS-7K3M-9QXD`: the program's prefix (`core.program`), then eight Crockford base32 characters (no I, L,
O or U), 40 random bits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from peer_support.core.program import REQUEST_PREFIX

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _format(bits: int, prefix: str = REQUEST_PREFIX) -> str:
    chars = "".join(ALPHABET[(bits >> shift) & 31] for shift in range(35, -1, -5))
    return f"{prefix}-{chars[:4]}-{chars[4:]}"


def new_reference() -> str:
    """A fresh random reference."""
    return _format(secrets.randbits(40))


def normalise_email(email: str) -> str:
    """The address as compared: case and surrounding spaces do not make a different person."""
    return email.strip().lower()


def reference_for_key(secret: bytes, idempotency_key: str, submitter: str) -> str:
    """The reference a client's Idempotency-Key maps to, for the submitter's email address.

    Keyed with the server's secret, so knowing a key does not reveal its reference and a retry
    lands on the same item: the one conditional write both stores and de-duplicates. Scoped to the
    submitter, so a stranger who learns someone's key and sends it with another address never meets
    their request (no 409 for it, no reference learnt).
    """
    message = f"idempotency:{normalise_email(submitter)}\n{idempotency_key}".encode()
    return keyed_reference(secret, message)


def keyed_reference(secret: bytes, message: bytes, prefix: str = REQUEST_PREFIX) -> str:
    """A reference derived from `message` with the server's secret: the same message, the same reference."""
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return _format(int.from_bytes(digest[:5], "big"), prefix)
