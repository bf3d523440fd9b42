"""Reading the Peer Supporter roster from CSV, as administrators keep it in a spreadsheet.

Every problem is reported with its CSV line and the column(s) at fault, never with the cell's
value: the roster holds personal data, and error output ends up in terminals, logs and tickets.
"""

from __future__ import annotations

import csv
import io
from typing import Any, get_origin

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from peer_support.core.errors import DomainError
from peer_support.supporters.models import RosterEntry

COLUMNS = tuple(RosterEntry.model_fields)
REQUIRED = tuple(name for name, field in RosterEntry.model_fields.items() if field.is_required())
LIST_COLUMNS = frozenset(n for n, f in RosterEntry.model_fields.items() if get_origin(f.annotation) is list)
BOOL_COLUMNS = frozenset(n for n, f in RosterEntry.model_fields.items() if f.annotation is bool)
LIST_SEPARATOR = ";"

_BOOLEANS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}

# Pydantic's messages can quote the input (email-validator names the offending characters), so
# each error type gets our own wording, built only from the rule's limits.
_MESSAGES = {
    "missing": "required",
    "string_too_short": "must not be empty",
    "string_too_long": "too long (at most {max_length} characters)",
    "too_short": "needs at least {min_length} value(s)",
    "too_long": "too many values (at most {max_length})",
    "enum": "must be one of {expected}",
    "literal_error": "must be one of {expected}",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "date_parsing": "must be a date as YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date as YYYY-MM-DD",
}
_RULES = {
    "away_until_required": "needed whenever away_from is given",
    "away_until_before_away_from": "must be on or after away_from",
}
_FORMATS = {
    "supporter_id": "must be letters, digits, '-' or '_' (at most 64), starting with a letter or digit",
    "phone": "not a valid phone number",
}


class RosterError(DomainError):
    """The roster cannot be imported. `problems` holds (CSV line, message) pairs, in file order."""

    def __init__(self, problems: list[tuple[int, str]]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the roster")
        self.problems = problems


def parse_roster(text: str) -> list[RosterEntry]:
    """The supporters listed in CSV `text`, or `RosterError` with every problem found."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    problems: list[tuple[int, str]] = []
    entries: list[RosterEntry] = []
    first_line: dict[str, int] = {}
    header: list[str] | None = None
    try:
        while True:
            # A quoted cell may span lines: a row is reported at the line where it starts.
            line = reader.line_num + 1
            row = next(reader, None)
            if row is None:
                break
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = _header(row, line)
                continue
            entry, messages = _row(header, row, line, first_line)
            problems.extend((line, message) for message in messages)
            if entry is not None and not messages:
                entries.append(entry)
    except csv.Error as error:
        # The csv module's messages are fixed sentences ("line contains NUL"), never the data.
        problems.append((reader.line_num, f"cannot be read as CSV: {error}"))
    if header is None and not problems:
        problems.append((1, "the file is empty: a header row is required"))
    if problems:
        raise RosterError(problems)
    return entries


def _row(
    header: list[str], row: list[str], line: int, first_line: dict[str, int]
) -> tuple[RosterEntry | None, list[str]]:
    """One data row as an entry and what is wrong with it; `first_line` remembers where each
    supporter_id was first seen, so a repeat is reported at the later line."""
    if len(row) != len(header):
        return None, [f"has {len(row)} cells but the header has {len(header)} columns"]
    cells = dict(zip(header, row, strict=True))
    entry, messages = _entry(cells)
    supporter_id = cells["supporter_id"].strip()
    if supporter_id in first_line:
        messages.insert(0, f"supporter_id: same as line {first_line[supporter_id]}")
    elif supporter_id:
        first_line[supporter_id] = line
    return entry, messages


def _header(row: list[str], line: int) -> list[str]:
    """The column names of the header row. Without the right columns no row can be read: the header's
    problems are all there is (`RosterError`)."""
    header = [cell.strip().lower() for cell in row]
    if messages := _check_header(header):
        raise RosterError([(line, message) for message in messages])
    return header


def _check_header(header: list[str]) -> list[str]:
    # Unknown columns are named by position: a file without its header would otherwise have
    # its first supporter's details quoted back as "column names".
    if not set(header) & set(COLUMNS):
        return [f"no header row: the first line must name the columns ({', '.join(COLUMNS)})"]
    messages = []
    unknown = [str(position) for position, name in enumerate(header, start=1) if name not in COLUMNS]
    if unknown:
        messages.append(
            f"unknown column(s) at position {', '.join(unknown)}; the columns are: {', '.join(COLUMNS)}"
        )
    repeated = sorted({name for name in header if name in COLUMNS and header.count(name) > 1})
    if repeated:
        messages.append(f"column(s) given more than once: {', '.join(repeated)}")
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        messages.append(f"missing required column(s): {', '.join(missing)}")
    return messages


def _entry(cells: dict[str, str]) -> tuple[RosterEntry | None, list[str]]:
    """One row as an entry (None if it does not validate) and what is wrong with it."""
    values: dict[str, Any] = {}
    messages: list[str] = []
    for column, cell in cells.items():
        cell = cell.strip()
        if column in LIST_COLUMNS:
            parts = [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]
            if parts:
                values[column] = parts
        elif column in BOOL_COLUMNS:
            if cell.lower() in _BOOLEANS:
                values[column] = _BOOLEANS[cell.lower()]
            elif cell:
                messages.append(f"{column}: must be true, false, yes, no, 1 or 0")
        elif cell:  # An empty optional cell means absent; an empty required one is reported as missing.
            values[column] = cell
    try:
        entry = RosterEntry.model_validate(values)
    except ValidationError as error:
        messages.extend(_describe(detail) for detail in error.errors(include_input=False, include_url=False))
        return None, messages
    return entry, messages


def _describe(error: ErrorDetails) -> str:
    if not error["loc"]:  # a rule across columns (`RosterEntry._away_dates`) names its column
        column = str(error.get("ctx", {}).get("field", "row"))
        return f"{column}: {_RULES.get(error['type'], 'invalid value')}"
    column, *rest = map(str, error["loc"])
    # A list's item is located by index: (column, 1) is the column's second value.
    where = f"{column} (value {int(rest[0]) + 1})" if rest else column
    kind = error["type"]
    if column == "email" and kind not in ("missing", "string_too_long"):
        return f"{where}: not a valid email address"
    if kind == "string_pattern_mismatch":
        return f"{where}: {_FORMATS.get(column, 'not in the expected format')}"
    if kind == "value_error":  # From RosterEntry's own checks: only `_printable` raises it.
        return f"{where}: contains characters that are not allowed (control or unassigned)"
    return f"{where}: {_MESSAGES.get(kind, 'invalid value').format(**error.get('ctx', {}))}"
