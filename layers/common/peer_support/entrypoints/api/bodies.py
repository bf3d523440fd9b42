"""What API Gateway cannot check for us, before a request reaches its route: the body's size, encoding,
depth and media type, and a form post decoded into the JSON the route validates."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from peer_support.core.errors import BadRequest, CrossSite, PayloadTooLarge, UnsupportedMediaType
from peer_support.entrypoints.api.forms import decode_form
from peer_support.entrypoints.api.responses import JSON

FORM = "application/x-www-form-urlencoded"
MAX_NESTING = 32

# A form post may carry its idempotency key as a hidden field (a browser cannot set the header).
IDEMPOTENCY_FIELD = "idempotency_key"


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def prepare(event: dict[str, Any], max_bytes: int, form: type[BaseModel] | None) -> dict[str, Any]:
    """`event` with its origin and body checked and, for a form posted to a route that takes `form`,
    turned into JSON. Raises `CrossSite`, `PayloadTooLarge`, `BadRequest` or `UnsupportedMediaType`."""
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    if event.get("httpMethod") not in SAFE_METHODS:
        check_origin(headers)
    body = event.get("body")
    if body is None or event.get("httpMethod") in ("GET", "HEAD"):
        return event
    raw = raw_body(body, bool(event.get("isBase64Encoded")))
    if len(raw) > max_bytes:
        raise PayloadTooLarge()
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("encoding") from None
    if nesting(text) > MAX_NESTING:  # a parser recursing that deep would fail with a 500
        raise BadRequest("nesting")
    if content_type == FORM and form is not None:
        return _from_form(event, headers, decode_form(text, form))
    if content_type not in ("", JSON) and not content_type.endswith("+json"):
        raise UnsupportedMediaType()
    if text.strip():
        try:
            # Read once here: an integer of over 4,300 digits is a ValueError that is not a
            # JSONDecodeError, which the resolver's own reading would let through as a 500.
            json.loads(text)
        except ValueError:
            raise BadRequest("json") from None
    return {**event, "body": text, "isBase64Encoded": False}


def _from_form(event: dict[str, Any], headers: dict[str, str], data: dict[str, Any]) -> dict[str, Any]:
    key = data.pop(IDEMPOTENCY_FIELD, None)
    headers["content-type"] = JSON
    if isinstance(key, str) and "idempotency-key" not in headers:
        headers["idempotency-key"] = key
    return {
        **event,
        "headers": headers,
        "multiValueHeaders": {},
        "body": json.dumps(data),
        "isBase64Encoded": False,
    }


def check_origin(headers: dict[str, str]) -> None:
    """Refuse a post that changes something when the browser says it comes from another site's page:
    its `Origin` is not this site's own (the host it was sent to), or, where a browser sends no
    `Origin` (or `null`), its `Sec-Fetch-Site` is `cross-site` or `same-site`. A client that sends
    neither (an API client, a script of the program's own) is not a browser acting for someone else,
    and is let through.

    Our own pages' forms post with `Origin: null`: their `Referrer-Policy: no-referrer` makes a
    browser withhold the origin of a form post too, and only `Sec-Fetch-Site` then says where it came
    from (`same-origin`)."""
    origin = (headers.get("origin") or "").strip().lower()
    if origin and origin != "null":
        own = headers.get("host", "").lower()
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not own or parts.netloc != own:
            raise CrossSite()
    elif headers.get("sec-fetch-site", "").strip().lower() in ("cross-site", "same-site"):
        raise CrossSite()


def nesting(text: str) -> int:
    """How deep JSON arrays and objects nest in `text` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def raw_body(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("encoding") from None
