"""The API's OpenAPI document: what each route answers, in the contract's error shape, and the one
document served at `/openapi.json`. Each function has a resolver of its own that knows only its own
routes, so that document is theirs put together."""

from __future__ import annotations

import json
from functools import cache
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel

from peer_support.core.fields import Model
from peer_support.core.settings import Settings


class ErrorBody(Model):
    """The contract's error shape. `fields` names each field at fault; values are never echoed."""

    error: str
    detail: str
    fields: dict[str, str] = {}


# A signed link's token, as a route takes it: any string, since whatever is wrong with a token earns the
# same plain 404, never a hint of what.
Token = Annotated[str, Path(description="The signed token from the link")]

# A browser (`Accept: text/html`) is answered with a page wherever JSON is answered otherwise.
PAGE = {"text/html": {"schema": {"type": "string"}}}
_LIMIT_KIB = Settings.model_fields["max_body_bytes"].default // 1024
BODY_ERRORS = {
    400: "Malformed body",
    413: f"Body over the size limit (MAX_BODY_BYTES; {_LIMIT_KIB} KiB unless the stack sets another)",
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
    return {
        code: {"description": text, "content": {"application/json": {"model": ErrorBody}, **PAGE}}
        for code, text in sorted(errors.items())
    }


VERSION = "1.0.0"
# Powertools documents a 422 in a shape of its own on every route, and the schemas for it. This API never
# answers in that shape (every error is an `ErrorBody`), so they are left out.
POWERTOOLS_SCHEMAS = ("HTTPValidationError", "ValidationError", "ResponseValidationError")


@cache
def openapi_document(title: str) -> dict[str, Any]:
    """Every route of the API (the request form, the group, the signed links), with the models they use.

    Raises `ValueError` if two functions declare the same operation, or two different schemas under one
    name: either would make the merged document lie about one of them.
    """
    from peer_support.entrypoints.api import actions, group, intake, reports

    document: dict[str, Any] = {}
    for app in (intake.app, group.app, actions.app, reports.app):
        part = json.loads(app.get_openapi_json_schema(title=title, version=VERSION))
        if not document:
            document = part
            continue
        paths = document.setdefault("paths", {})
        for path, operations in part.get("paths", {}).items():
            for method, operation in operations.items():
                if paths.setdefault(path, {}).setdefault(method, operation) is not operation:
                    raise ValueError(f"{method.upper()} {path} is declared twice")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in part.get("components", {}).get("schemas", {}).items():
            if schemas.setdefault(name, schema) != schema:
                raise ValueError(f"two different schemas are named {name}")
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.get("responses", {})
            if "HTTPValidationError" in json.dumps(answers.get("422", {})):
                del answers["422"]
    if any(name in json.dumps(document.get("paths", {})) for name in POWERTOOLS_SCHEMAS):
        raise ValueError("a route still answers in Powertools' validation shape")
    for name in POWERTOOLS_SCHEMAS:
        document.get("components", {}).get("schemas", {}).pop(name, None)
    return document
