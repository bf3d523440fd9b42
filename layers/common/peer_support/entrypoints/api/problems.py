"""Errors as the API answers them: which status and code each domain error is, and which answers a
validation error points at, with a kind sentence each (never the value given)."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel

from peer_support.core import rendering
from peer_support.core.errors import (
    BadRequest,
    Conflict,
    CrossSite,
    DomainError,
    IdempotencyKeyReused,
    NotEligible,
    NotFound,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
)
from peer_support.entrypoints.api.forms import group_at

IDEMPOTENCY_HEADER = "Idempotency-Key"

# Most specific first: the first type an error is an instance of gives its status and code.
STATUSES: list[tuple[type[DomainError], int, str]] = [
    (BadRequest, HTTPStatus.BAD_REQUEST, "malformed"),
    (CrossSite, HTTPStatus.FORBIDDEN, "cross_site"),
    (NotFound, HTTPStatus.NOT_FOUND, "not_found"),
    (IdempotencyKeyReused, HTTPStatus.CONFLICT, "idempotency_key_reused"),
    (Conflict, HTTPStatus.CONFLICT, "conflict"),
    (PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large"),
    (UnsupportedMediaType, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
    (NotEligible, HTTPStatus.UNPROCESSABLE_ENTITY, "not_eligible"),
    (Unavailable, HTTPStatus.SERVICE_UNAVAILABLE, "unavailable"),
]


def status_of(error: DomainError) -> tuple[int, str]:
    for kind, status, code in STATUSES:
        if isinstance(error, kind):
            return status, code
    return HTTPStatus.INTERNAL_SERVER_ERROR, "internal"


def field_path(loc: tuple[Any, ...] | list[Any], ctx: Mapping[str, Any] | None = None) -> str:
    """`("body", "requester", "email")` → `requester.email`; list positions point at the list."""
    parts = [str(part) for part in loc if not isinstance(part, int)]
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    elif parts and parts[0] == "header":
        parts = [
            IDEMPOTENCY_HEADER if parts[1:] and parts[1].lower() == "idempotency-key" else "/".join(parts[1:])
        ]
    if ctx and isinstance(ctx.get("field"), str):
        parts.append(ctx["field"])
    return ".".join(parts)


def field_errors(errors: list[Any]) -> dict[str, str]:
    """Each answer at fault, with a kind sentence about what to change; never the value given."""
    fields: dict[str, str] = {}
    for error in errors:
        path = field_path(error.get("loc", ()), error.get("ctx"))
        if error.get("type") == "extra_forbidden" and not rendering.known_field(path):
            # Only the API's own words are named back: an unknown name may be anything, a person's too.
            path = "unexpected"
        fields.setdefault(path, rendering.field_message(path, str(error.get("type", ""))))
    return fields


def point_at_answers(
    fields: dict[str, str], model: type[BaseModel], values: dict[str, Any]
) -> dict[str, str]:
    """`fields` as a form shows them: a message about a group of answers (no contact details at all, a
    colleague's details not given) becomes one for each answer of the group still to give, so every
    message names its answer and points at a field the page has. Order is kept."""
    shown: dict[str, str] = {}
    for path, message in fields.items():
        group = group_at(model, path)
        missing = [
            f"{path}.{name}"
            for name, field in (group.model_fields.items() if group is not None else ())
            if field.is_required() and rendering.lookup(values, f"{path}.{name}") in (None, "", [])
        ]
        if not missing:
            shown.setdefault(path, message)
        for answer in missing:
            shown.setdefault(answer, rendering.field_message(answer, "missing"))
    return shown


def unreadable(errors: list[Any]) -> bool:
    """Whether a validation error says the body is not JSON, or not an object at all: malformed rather
    than invalid."""
    return any(
        (
            error.get("type") in ("json_invalid", "model_attributes_type", "dict_type")
            and len([p for p in error.get("loc", ()) if not isinstance(p, int)]) <= 1
        )
        or (error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",))
        for error in errors
    )
