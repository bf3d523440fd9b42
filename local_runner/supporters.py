"""`GET` and `PUT /_local/supporters`: the roster, read and replaced by whoever runs the local stack.

What `GET` gives, `PUT` takes back: what the stack keeps itself (`open_count`, `last_assigned_at`,
`version`, `own_max_open`, `training_reminded_for`) is accepted and ignored, so a roster can be read,
edited and put back as it is. Anything else wrong is
said for an operator, one line per problem and keyed by where it is: `supporters[2].email: not a valid
email address`. Values are never quoted back.
"""

from __future__ import annotations

import json
import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import boto3

from local_runner.server import Reply, error_reply, json_reply

if TYPE_CHECKING:
    from local_runner.server import LocalApp, LocalRequest
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

SHAPE = "Send a JSON list of roster objects, as GET /_local/supporters gives them."
# A field name is named back only when it looks like one (a typo of a field, say), never free text.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,39}$")


def _repository(app: LocalApp) -> SupportersRepository:
    from peer_support.supporters.repository import SupportersRepository

    assert app.local.stack is not None
    return SupportersRepository(app.local.stack.refs["SupportersTable"], boto3.client("dynamodb"))


def list_supporters(app: LocalApp, _request: LocalRequest) -> Reply:
    roster = sorted(_repository(app).all(), key=lambda s: s.supporter_id)
    return json_reply(HTTPStatus.OK, [s.model_dump(mode="json", exclude_none=True) for s in roster])


def replace_supporters(app: LocalApp, request: LocalRequest) -> Reply:
    """Replace the roster with a JSON list of roster objects; open cases are kept for those who stay."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return error_reply(HTTPStatus.BAD_REQUEST, "malformed", f"The body is not JSON. {SHAPE}")
    if not isinstance(body, list):
        return error_reply(HTTPStatus.BAD_REQUEST, "malformed", SHAPE)
    entries, problems = roster_entries(body)
    if problems:
        detail = f"The roster was not changed: {len(problems)} thing(s) to fix, each named in fields."
        return error_reply(HTTPStatus.UNPROCESSABLE_ENTITY, "validation", detail, problems)
    repository = _repository(app)
    keep = {entry.supporter_id for entry in entries}
    leaving = [s for s in repository.all() if s.supporter_id not in keep]
    busy = sorted(s.supporter_id for s in leaving if s.open_count > 0)
    if busy:
        # Their cases would lose track of the slots they hold; mark them inactive instead.
        detail = f"These supporters still have open cases: {', '.join(busy)}. Keep them, with active false."
        return error_reply(HTTPStatus.CONFLICT, "conflict", detail)
    repository.upsert(entries)
    repository.remove([s.supporter_id for s in leaving])
    return list_supporters(app, request)


def kept_by_the_stack() -> set[str]:
    """The fields `GET` adds to a roster entry, which the stack keeps up to date itself."""
    from peer_support.supporters.models import RosterEntry, SupporterRecord

    return set(SupporterRecord.model_fields) - set(RosterEntry.model_fields)


def roster_entries(body: list[Any]) -> tuple[list[RosterEntry], dict[str, str]]:
    """The roster entries in `body`, or (where any is wrong) every problem: where → what to change."""
    from pydantic import TypeAdapter, ValidationError

    from peer_support.supporters.models import RosterEntry

    ignored = kept_by_the_stack()
    given = [{k: v for k, v in e.items() if k not in ignored} if isinstance(e, dict) else e for e in body]
    try:
        entries = TypeAdapter(list[RosterEntry]).validate_python(given)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for detail in error.errors():
            where, message = _problem(detail)
            problems.setdefault(where, message)
        return [], problems
    first: dict[str, int] = {}
    problems = {}
    for index, entry in enumerate(entries):
        if entry.supporter_id in first:
            problems[f"supporters[{index}].supporter_id"] = (
                f"the same as supporters[{first[entry.supporter_id]}]'s: each supporter once"
            )
        first.setdefault(entry.supporter_id, index)
    return ([] if problems else entries), problems


def _problem(error: Any) -> tuple[str, str]:
    """Where a pydantic error is (`supporters[2].modalities[0]`), and what to change, in plain words."""
    from peer_support.supporters.models import RosterEntry

    loc = list(error.get("loc", ()))
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    where = f"supporters[{loc[0]}]" if loc else "supporters"
    field = str(loc[1]) if len(loc) > 1 else ""
    if kind == "extra_forbidden":
        fields = ", ".join([*RosterEntry.model_fields, *sorted(kept_by_the_stack())])
        if not _NAME.match(field):
            return where, f"has a field that is not a roster field (the fields: {fields})"
        return f"{where}.{field}", f"not a roster field (the fields: {fields})"
    where += "".join(f".{part}" if isinstance(part, str) else f"[{part}]" for part in loc[1:])
    return where, _message(field, kind, ctx)


def _message(field: str, kind: str, ctx: dict[str, Any]) -> str:
    by_field = {
        ("supporter_id", "string_pattern_mismatch"): (
            "letters, digits, - and _ only (up to 64), starting with a letter or digit"
        ),
        ("phone", "string_pattern_mismatch"): "not a phone number: digits, spaces, ( ) - . and a leading +",
        ("email", "value_error"): "not a valid email address",
    }
    if (field, kind) in by_field:
        return by_field[(field, kind)]
    if kind == "value_error":
        # Our own validators' words (say, "contains control or unassigned characters"), never the value.
        return str(ctx.get("error") or "not accepted")
    messages = {
        "missing": "missing: every supporter needs one",
        "model_type": "not a roster object",
        "dict_type": "not a roster object",
        "string_type": "not text",
        "string_too_short": "empty",
        "string_too_long": f"longer than {ctx.get('max_length')} characters",
        "bool_type": "true or false",
        "bool_parsing": "true or false",
        "int_type": "a whole number",
        "int_parsing": "a whole number",
        "int_from_float": "a whole number",
        "greater_than_equal": f"at least {ctx.get('ge')}",
        "less_than_equal": f"at most {ctx.get('le')}",
        "enum": f"one of {ctx.get('expected', '')}".replace("'", ""),
        "literal_error": f"one of {ctx.get('expected', '')}".replace("'", ""),
        "list_type": "a list",
        "too_short": f"at least {ctx.get('min_length')} value(s)",
        "too_long": f"at most {ctx.get('max_length')} values",
        "date_type": "a date, YYYY-MM-DD",
        "date_parsing": "a date, YYYY-MM-DD",
        "date_from_datetime_parsing": "a date, YYYY-MM-DD",
        "date_from_datetime_inexact": "a date, YYYY-MM-DD",
    }
    return messages.get(kind, "not accepted")
