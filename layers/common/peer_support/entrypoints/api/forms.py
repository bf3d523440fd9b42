"""Browser form posts, decoded into the same nested shape as the JSON API.

Dotted names nest (`requester.name`), list fields repeat (`reasons=burnout&reasons=other`), and an
empty answer counts as no answer.
"""

from __future__ import annotations

import types
import typing
from functools import cache
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel

from peer_support.core.errors import BadRequest

MAX_FIELDS = 200
MAX_DEPTH = 3


def models_in(annotation: Any) -> list[type[BaseModel]]:
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in args for model in models_in(arg)]


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(arg) for arg in typing.get_args(annotation))
    return origin is list


@cache
def list_fields(model: type[BaseModel], prefix: str = "") -> frozenset[str]:
    """The dotted paths of every list-valued field of `model`."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        if _is_list(field.annotation):
            paths.add(path)
        for nested in models_in(field.annotation):
            paths |= list_fields(nested, f"{path}.")
    return frozenset(paths)


def group_at(model: type[BaseModel], path: str) -> type[BaseModel] | None:
    """The model of the answers grouped under `path` (`requester` → its contact), or None for a single
    answer."""
    current: type[BaseModel] | None = model
    for part in path.split("."):
        field = current.model_fields.get(part) if current is not None else None
        found = models_in(field.annotation) if field is not None else []
        current = found[0] if found else None
    return current


def decode_form(body: str, model: type[BaseModel]) -> dict[str, Any]:
    """Decode an `application/x-www-form-urlencoded` body into nested data for `model`.

    Raises `BadRequest` for a body that is not a form (bad encoding, clashing names).
    """
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("form") from None
    lists = list_fields(model)
    data: dict[str, Any] = {}
    for name, raw in pairs:
        value = raw.strip()
        parts = name.split(".")
        if not name or len(parts) > MAX_DEPTH or not all(parts):
            raise BadRequest("form")
        if name in lists:
            target = _parent(data, parts)
            existing = target.setdefault(parts[-1], [])
            if not isinstance(existing, list):
                raise BadRequest("form")
            if value:
                existing.append(value)
        elif value:
            target = _parent(data, parts)
            if isinstance(target.get(parts[-1]), dict):
                raise BadRequest("form")
            target[parts[-1]] = value
    return data


def _parent(data: dict[str, Any], parts: list[str]) -> dict[str, Any]:
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise BadRequest("form")
        node = child
    return node
