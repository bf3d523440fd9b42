"""The API's one OpenAPI document. Each function has a resolver of its own that knows only its own
routes, so the document served at `/openapi.json` is theirs put together."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

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
    from peer_support.api import actions, group, intake

    document: dict[str, Any] = {}
    for app in (intake.app, group.app, actions.app):
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
