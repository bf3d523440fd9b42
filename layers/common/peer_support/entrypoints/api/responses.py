"""What every API answer carries: the security headers, and the JSON or HTML body."""

from __future__ import annotations

import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel

JSON = "application/json"
HTML = "text/html; charset=utf-8"

# No scripts at all; styles only from our own origin; never framed; forms post only to us.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # Pages can hold a person's answers: never keep them in a shared cache or the back-forward cache.
    "Cache-Control": "no-store",
}

# When to come back after a 503: long enough for throttling to ease, short enough to wait for.
RETRY_AFTER_SECONDS = 30


def html_response(
    body: str, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None
) -> Response[str]:
    return Response(
        status_code=status, content_type=HTML, body=body, headers={**SECURITY_HEADERS, **(headers or {})}
    )


def json_response(
    data: Any, status: int = HTTPStatus.OK, headers: Mapping[str, str] | None = None
) -> Response[str]:
    body = data.model_dump_json() if isinstance(data, BaseModel) else json.dumps(data)
    return Response(
        status_code=status, content_type=JSON, body=body, headers={**SECURITY_HEADERS, **(headers or {})}
    )


def proxy(response: Response[str]) -> dict[str, Any]:
    """A Powertools `Response` as the REST proxy integration result."""
    return {
        "statusCode": response.status_code,
        "headers": {
            "Content-Type": response.headers.get("Content-Type", JSON),
            **{k: str(v) for k, v in response.headers.items()},
        },
        "multiValueHeaders": {},
        "body": response.body,
        "isBase64Encoded": False,
    }
