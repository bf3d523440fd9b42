"""Rendering: every sentence a person reads lives in `templates/`, not in code.

HTML is autoescaped; plain-text templates (emails) are not, and are never used as markup.
"""

from __future__ import annotations

import sys
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import BaseLoader, Environment

TEMPLATES = Path(__file__).parent.parent / "templates"
# The deployed layer's templates, compiled to Python modules when it is built (`layers/common/Makefile`),
# so that no cold start parses and compiles the pages and emails it renders first.
COMPILED = Path(__file__).parent.parent / "compiled_templates"
# What Jinja renders; the rest of `templates/` (the messages, the assets) is read as it is.
KINDS = ("html", "txt")


@cache
def environment() -> Environment:
    return new_environment(COMPILED if COMPILED.is_dir() else None)


def new_environment(compiled: Path | None) -> Environment:
    """The templates' environment: from `compiled` where a template is there, else from its source."""
    from jinja2 import (
        ChoiceLoader,
        Environment,
        FileSystemLoader,
        ModuleLoader,
        StrictUndefined,
        select_autoescape,
    )

    loader: BaseLoader = FileSystemLoader(TEMPLATES)
    if compiled is not None:
        loader = ChoiceLoader([ModuleLoader(compiled), loader])
    env = Environment(
        loader=loader,
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


def compile_templates(target: Path) -> None:
    """Compile every template of `templates/` to a module in `target`, as Jinja compiles it on first use.
    The modules hold what the environment decides when compiling (escaping, whitespace), so they are
    compiled by the same environment that loads them, and by the layer's own Jinja."""
    new_environment(None).compile_templates(target, extensions=KINDS, zip=None, ignore_errors=False)


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


if __name__ == "__main__":  # the layer's build: python -m peer_support.core.rendering <target>
    compile_templates(Path(sys.argv[1]))
