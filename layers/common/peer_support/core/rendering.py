"""Rendering: every sentence a person reads lives in `templates/`, not in code.

HTML is autoescaped; plain-text templates (emails) are not, and are never used as markup.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent.parent / "templates"


@cache
def environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default_for_string=True, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["text"] = messages()
    env.globals["lookup"] = lookup
    env.filters["days"] = days
    env.filters["phone"] = phone
    return env


def days(count: int) -> str:
    """A number of days as a sentence says it: `30 days`, `1 day`."""
    return f"{count} day" if count == 1 else f"{count} days"


def phone(number: str) -> str:
    """A number as people read it: North American numbers are kept in E.164 (`+16045550101`) so a text
    can reach them, and shown as `(604) 555-0101`; any other number as it was given."""
    if len(number) == 12 and number.startswith("+1") and number[1:].isdigit():
        return f"({number[2:5]}) {number[5:8]}-{number[8:]}"
    return number


def lookup(values: Any, path: str) -> Any:
    """`values["requester"]["name"]` for `requester.name`, or None: lets a page show answers back."""
    for part in path.split("."):
        if not isinstance(values, dict):
            return None
        values = values.get(part)
    return values


def prepare(templates: tuple[str, ...]) -> None:
    """Compile `templates` (and what they extend or include) now rather than on first use."""
    env = environment()
    for template in templates:
        env.get_template(template)


def render(template: str, /, **context: Any) -> str:
    """Render `templates/<template>` with `context`."""
    return environment().get_template(template).render(**context)


@cache
def messages() -> dict[str, Any]:
    """Short sentences keyed by code (`templates/messages.toml`): field errors, error details."""
    with (TEMPLATES / "messages.toml").open("rb") as file:
        return tomllib.load(file)


def field_message(path: str, code: str = "") -> str:
    """The kind sentence for an answer that needs changing: by error code (for this answer, then any),
    then for an answer not given, then by field, then a default."""
    text = messages()
    by_code: dict[str, str] = text["field_rules"]
    missing: dict[str, str] = text["missing"]
    fields: dict[str, str] = text["fields"]
    for key in (f"{path}:{code}", code):
        if key in by_code:
            return by_code[key]
    if code == "missing" and path in missing:
        return missing[path]
    if path in fields:
        return fields[path]
    return fields.get(path.rsplit(".", 1)[-1], fields["_default"])


def known_field(path: str) -> bool:
    """Whether every part of `path` is a field name some form of ours uses."""
    names = {part for name in messages()["fields"] for part in name.split(".")}
    return all(part in names for part in path.split("."))
