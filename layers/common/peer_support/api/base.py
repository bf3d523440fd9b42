"""The API Gateway resolver every API function shares: body checks, form decoding, security
headers, and the one place where errors become HTTP responses."""

from __future__ import annotations

import base64
import binascii
import json
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel, ValidationError

from peer_support import templates
from peer_support.api.forms import decode_form
from peer_support.errors import (
    BadRequest,
    Conflict,
    DomainError,
    IdempotencyKeyReused,
    NotEligible,
    NotFound,
    PayloadTooLarge,
    Unavailable,
    UnsupportedMediaType,
    aws_error_code,
    is_transient,
)
from peer_support.log_privacy import withhold_personal_data
from peer_support.settings import Settings

logger = Logger()
withhold_personal_data()

FORM = "application/x-www-form-urlencoded"
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

# A form post may carry its idempotency key as a hidden field (a browser cannot set the header).
IDEMPOTENCY_FIELD = "idempotency_key"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class FormSpec:
    """A route that browsers post a form to: its model, the view that re-renders the form with the
    person's answers and what to change, and a check that outranks field errors."""

    model: type[BaseModel]
    view: Callable[[Api, dict[str, Any], dict[str, str]], Response[str]]
    precheck: Callable[[dict[str, Any]], None] = lambda _: None
    guard: Callable[[Api], object] = lambda _: None  # e.g. the signed link in the path, checked first


# A browser (`Accept: text/html`) is answered with a page wherever JSON is answered otherwise.
PAGE = {"text/html": {"schema": {"type": "string"}}}
BODY_ERRORS = {
    400: "Malformed body",
    413: "Body over 16 KiB",
    415: "Neither JSON nor a form",
    503: "Busy for a moment, nothing stored: send the same request again after Retry-After seconds",
}


def documented(
    answer: tuple[str, type[BaseModel]], errors: dict[int, str], status: int = HTTPStatus.CREATED
) -> dict[int, Any]:
    """OpenAPI responses for a form-or-JSON route: what it answers (`status`, 201 unless told), then the
    contract's errors (400, 413, 415 and 503 as for every such route, plus the route's own `errors`), all
    in `ErrorBody`, or as a page for a browser."""
    return {
        status: {"description": answer[0], "content": {"application/json": {"model": answer[1]}, **PAGE}},
        **page_errors({**BODY_ERRORS, **errors}),
    }


def documented_page(description: str, errors: dict[int, str] | None = None) -> dict[int, Any]:
    """OpenAPI responses for a page (`GET`): the HTML, then the route's own `errors` in `ErrorBody`."""
    return {200: {"description": description, "content": dict(PAGE)}, **page_errors(errors or {})}


def page_errors(errors: dict[int, str]) -> dict[int, Any]:
    from peer_support.models import ErrorBody

    return {
        code: {"description": text, "content": {"application/json": {"model": ErrorBody}, **PAGE}}
        for code, text in sorted(errors.items())
    }


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
        if error.get("type") == "extra_forbidden" and not templates.known_field(path):
            # Only the API's own words are named back: an unknown name may be anything, a person's too.
            path = "unexpected"
        fields.setdefault(path, templates.field_message(path, str(error.get("type", ""))))
    return fields


def _unreadable(errors: list[Any]) -> bool:
    # A body that is not JSON, or not an object at all, is malformed rather than invalid.
    return any(
        (
            error.get("type") in ("json_invalid", "model_attributes_type", "dict_type")
            and len([p for p in error.get("loc", ()) if not isinstance(p, int)]) <= 1
        )
        or (error.get("type") == "missing" and tuple(error.get("loc", ())) == ("body",))
        for error in errors
    )


class Api(APIGatewayRestResolver):
    """`APIGatewayRestResolver` with validation, plus what API Gateway cannot check for us."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        forms: Mapping[str, FormSpec],
        not_eligible_page: str = "pages/not_eligible.html",
    ):
        super().__init__(enable_validation=True)
        self._settings = settings
        self._forms = dict(forms)
        # The kind page for someone this service is not for (the group has its own).
        self._not_eligible_page = not_eligible_page
        self.exception_handler(RequestValidationError)(self._on_request_validation)
        self.exception_handler(ValidationError)(self._on_model_validation)
        self.exception_handler(RequestUnsupportedContentType)(lambda _: self.error(UnsupportedMediaType()))
        self.exception_handler(DomainError)(self.error)
        self.exception_handler(Exception)(self._on_unexpected)
        self.not_found()(lambda _: self.error(NotFound()))

    # -- before routing -----------------------------------------------------------------------

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        try:
            event = self._prepare(dict(event))
        except DomainError as error:
            # Refused before routing, so the resolver never sees it; answer in the same shape.
            proxy = self._to_proxy_event(dict(event))
            return _proxy(self.error(error, html=_accepts_html(proxy.headers), base=_base_path(proxy)))
        return super().resolve(event, context)

    def _prepare(self, event: dict[str, Any]) -> dict[str, Any]:
        body = event.get("body")
        if body is None or event.get("httpMethod") in ("GET", "HEAD"):
            return event
        raw = _raw_body(body, bool(event.get("isBase64Encoded")))
        if len(raw) > self._settings().max_body_bytes:
            raise PayloadTooLarge()
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("encoding") from None
        if _nesting(text) > MAX_NESTING:  # a parser recursing that deep would fail with a 500
            raise BadRequest("nesting")
        spec = self._form_spec(event.get("resource"), event.get("path"))
        if content_type == FORM and spec is not None:
            data = decode_form(text, spec.model)
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

    def _form_spec(self, resource: str | None, path: str | None) -> FormSpec | None:
        """The form posted to this route (API Gateway names it by its resource, `/actions/{token}`)."""
        return self._forms.get(resource or "") or self._forms.get(path or "")

    def page(self, template: str, /, **context: Any) -> str:
        """Render a page. Every page says how long a person's details are kept, so each is told."""
        return templates.render(template, retention_days=self._settings().retention_days, **context)

    # -- errors → HTTP, in one place ------------------------------------------------------------

    def wants_html(self) -> bool:
        return _accepts_html(self.current_event.headers)

    def base_path(self) -> str:
        return _base_path(self.current_event)

    def error(
        self,
        error: DomainError,
        fields: dict[str, str] | None = None,
        *,
        html: bool | None = None,
        base: str | None = None,
    ) -> Response[str]:
        status, code = _status_of(error)
        text = templates.messages()["errors"]
        if isinstance(error, NotEligible):
            detail = templates.messages()["not_eligible"][error.reason]
        else:
            detail = text[code]
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(error, Unavailable) else {}
        if self.wants_html() if html is None else html:
            page = self._not_eligible_page if isinstance(error, NotEligible) else "pages/error.html"
            reason = error.reason if isinstance(error, NotEligible) else code
            base = self.base_path() if base is None else base
            return html_response(self.page(page, base=base, code=reason, detail=detail), status, headers)
        return json_response({"error": code, "detail": detail, "fields": fields or {}}, status, headers)

    def _on_request_validation(self, error: RequestValidationError) -> Response[str]:
        return self._invalid(list(error.errors()))

    def _on_model_validation(self, error: ValidationError) -> Response[str]:
        return self._invalid(list(error.errors()))

    def _invalid(self, errors: list[Any]) -> Response[str]:
        if _unreadable(errors):
            return self.error(BadRequest("body"))
        spec = self._form_spec(self.current_event.resource, self.current_event.path)
        try:
            values = self.current_event.json_body
        except ValueError:
            values = None
        values = values if isinstance(values, dict) else {}
        if spec is not None:
            try:
                spec.guard(self)
                spec.precheck(values)
            except DomainError as error:
                return self.error(error)
        fields = field_errors(errors)
        if spec is not None and self.wants_html():
            try:
                return spec.view(self, values, fields)
            except DomainError as error:  # a bad link under a bad form: the link's answer comes first
                return self.error(error)
        return json_response(
            {"error": "validation", "detail": templates.messages()["errors"]["validation"], "fields": fields},
            HTTPStatus.UNPROCESSABLE_ENTITY,
        )

    def _on_unexpected(self, error: Exception) -> Response[str]:
        if is_transient(error):
            # AWS throttled us or could not be reached: nothing was changed, and the same request (with
            # its Idempotency-Key) can come again. Named by its code and call, never its message.
            code = aws_error_code(error) or type(error).__name__
            logger.warning(
                "aws unavailable",
                extra={"error_code": code, "operation": getattr(error, "operation_name", None)},
            )
            return self.error(Unavailable("aws", code))
        # The message may hold a person's data (a validation error echoes its input): log the type and
        # the frames only.
        logger.error(
            "unhandled error",
            extra={"error_type": type(error).__name__, "frames": traceback.format_tb(error.__traceback__)},
        )
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        if self.wants_html():
            detail = templates.messages()["errors"]["internal"]
            return html_response(
                self.page("pages/error.html", base=self.base_path(), code="internal", detail=detail),
                status,
            )
        return json_response(
            {"error": "internal", "detail": templates.messages()["errors"]["internal"], "fields": {}}, status
        )


MAX_NESTING = 32


def _nesting(text: str) -> int:
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


def _accepts_html(headers: Mapping[str, str]) -> bool:
    return "text/html" in (headers.get("accept") or "")


def _base_path(event: Any) -> str:
    """The stage prefix (`/prod`) the browser sees in front of our routes, or ''."""
    seen = event.request_context.path or ""
    path = event.path or ""
    return seen[: len(seen) - len(path)].rstrip("/") if seen.endswith(path) else ""


def _status_of(error: DomainError) -> tuple[int, str]:
    table: list[tuple[type[DomainError], int, str]] = [
        (BadRequest, HTTPStatus.BAD_REQUEST, "malformed"),
        (NotFound, HTTPStatus.NOT_FOUND, "not_found"),
        (IdempotencyKeyReused, HTTPStatus.CONFLICT, "idempotency_key_reused"),
        (Conflict, HTTPStatus.CONFLICT, "conflict"),
        (PayloadTooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "too_large"),
        (UnsupportedMediaType, HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        (NotEligible, HTTPStatus.UNPROCESSABLE_ENTITY, "not_eligible"),
        (Unavailable, HTTPStatus.SERVICE_UNAVAILABLE, "unavailable"),
    ]
    for kind, status, code in table:
        if isinstance(error, kind):
            return status, code
    return HTTPStatus.INTERNAL_SERVER_ERROR, "internal"


def _raw_body(body: str, is_base64: bool) -> bytes:
    if not is_base64:
        return body.encode("utf-8", "surrogatepass")
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("encoding") from None


def _proxy(response: Response[str]) -> dict[str, Any]:
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
