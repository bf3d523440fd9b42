"""parse_roster: the roster CSV as administrators export it from a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from peer_support.core.errors import DomainError
from peer_support.core.fields import Modality
from peer_support.supporters.roster import COLUMNS, RosterError, parse_roster

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.csv"

GOOD = {
    "supporter_id": "ps-100",
    "name": "Dr. Ada Example",
    "email": "ada.example@example.org",
    "phone": "604 555 0110",
    "active": "true",
    "modalities": "phone;video",
    "max_open": "2",
    "sites": "St. Paul's Hospital",
    "identities": "woman in surgery",
    "languages": "English;French",
    "away_until": "",
    "on_call": "sat;sun",
}


def roster(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    """A CSV roster: the header, then each row as GOOD with the given cells changed."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([{**GOOD, **row}.get(column, "") for column in columns])
    return out.getvalue()


def problems(text: str) -> list[tuple[int, str]]:
    with pytest.raises(RosterError) as caught:
        parse_roster(text)
    return caught.value.problems


def test_the_sample_roster_parses_to_six_supporters() -> None:
    entries = {entry.supporter_id: entry for entry in parse_roster(SAMPLE.read_text(encoding="utf-8"))}

    assert len(entries) == 6
    assert [e.supporter_id for e in entries.values() if not e.active] == ["ps-005"]
    assert entries["ps-004"].away_until == date(2030, 6, 30)
    assert entries["ps-001"].sites == ["Vancouver General Hospital", "St. Paul's Hospital"]
    assert entries["ps-001"].modalities == [Modality.IN_PERSON, Modality.PHONE, Modality.VIDEO]
    # ps-003 leaves phone, active and max_open empty: absent, so the model's defaults apply.
    assert (entries["ps-003"].phone, entries["ps-003"].active, entries["ps-003"].max_open) == (None, True, 3)
    assert entries["ps-002"].on_call == ["sat", "sun"]
    assert entries["ps-003"].on_call == []


def test_on_call_days_are_read_in_any_case() -> None:
    (entry,) = parse_roster(roster({"on_call": " Mon; SAT ;mon"}))

    assert entry.on_call == ["mon", "sat"]


def test_lists_are_split_on_semicolons_with_blanks_dropped() -> None:
    (entry,) = parse_roster(roster({"modalities": " phone ; video;", "languages": "English;;Punjabi"}))

    assert entry.modalities == [Modality.PHONE, Modality.VIDEO]
    assert entry.languages == ["English", "Punjabi"]


@pytest.mark.parametrize(
    ("cell", "active"),
    [("", True), ("true", True), ("YES", True), ("1", True), ("False", False), ("no", False), ("0", False)],
)
def test_active_accepts_yes_no_words_and_digits(cell: str, active: bool) -> None:
    (entry,) = parse_roster(roster({"active": cell}))
    assert entry.active is active


def test_empty_optional_cells_are_absent() -> None:
    (entry,) = parse_roster(roster({"phone": "", "max_open": "", "sites": "", "away_until": ""}))

    assert (entry.phone, entry.max_open, entry.sites, entry.away_until) == (None, 3, [], None)


def test_a_utf8_byte_order_mark_is_tolerated() -> None:
    assert parse_roster("\ufeff" + roster({})) == parse_roster(roster({}))


def test_columns_may_come_in_any_order_and_case() -> None:
    text = roster({}, columns=tuple(reversed(COLUMNS)))
    shouted = text.replace(",".join(reversed(COLUMNS)), ", ".join(c.upper() for c in reversed(COLUMNS)))

    assert parse_roster(shouted) == parse_roster(roster({}))
    assert parse_roster(shouted)[0].name == "Dr. Ada Example"


def test_optional_columns_may_be_left_out() -> None:
    (entry,) = parse_roster(roster({}, columns=("email", "modalities", "name", "supporter_id")))

    assert (entry.supporter_id, entry.phone, entry.active, entry.languages) == ("ps-100", None, True, [])


def test_a_header_without_rows_is_an_empty_roster() -> None:
    assert parse_roster(roster()) == []


def test_blank_lines_are_skipped_but_still_counted() -> None:
    header, row = roster({}).splitlines()
    bad = roster({"supporter_id": "ps-101", "email": "nope"}).splitlines()[1]

    assert problems(f"\n{header}\n\n{row}\n ,, \n\n{bad}\n") == [(7, "email: not a valid email address")]


def test_a_row_is_reported_at_the_line_where_it_starts() -> None:
    # The quoted name runs over two physical lines (and is not one line of text, so it is wrong).
    text = roster({"supporter_id": "a", "name": "Dr. Ada\nExample"}, {"supporter_id": "b", "email": "x"})

    assert problems(text) == [
        (2, "name: contains characters that are not allowed (control or unassigned)"),
        (4, "email: not a valid email address"),
    ]


def test_an_empty_file_needs_a_header() -> None:
    assert problems("\n \n") == [(1, "the file is empty: a header row is required")]


def test_unknown_repeated_and_missing_columns_are_reported_on_the_header_line() -> None:
    text = (
        "supporter_id,nmae,email,modalities,email,\nps-100,Dr. Ada,ada@example.org,phone,ada@example.org,\n"
    )

    assert problems(text) == [
        (1, f"unknown column(s) at position 2, 6; the columns are: {', '.join(COLUMNS)}"),
        (1, "column(s) given more than once: email"),
        (1, "missing required column(s): name"),
    ]


def test_a_file_without_its_header_says_so() -> None:
    headless = roster({}).split("\n", 1)[1]

    assert problems(headless) == [
        (1, f"no header row: the first line must name the columns ({', '.join(COLUMNS)})")
    ]


def test_a_row_with_more_or_fewer_cells_than_the_header() -> None:
    header, row = roster().splitlines()[0], roster({}).splitlines()[1]

    assert problems(f"{header}\n{row},extra\n{row.rsplit(',', 2)[0]}\n") == [
        (2, "has 17 cells but the header has 16 columns"),
        (3, "has 14 cells but the header has 16 columns"),
    ]


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"supporter_id": "ps 100"}, "supporter_id: must be letters, digits, '-' or '_' (at most 64), "),
        ({"supporter_id": ""}, "supporter_id: required"),
        ({"name": " "}, "name: required"),
        ({"name": "x" * 101}, "name: too long (at most 100 characters)"),
        ({"email": "ada@"}, "email: not a valid email address"),
        ({"email": ""}, "email: required"),
        ({"phone": "call me"}, "phone: not a valid phone number"),
        ({"active": "maybe"}, "active: must be true, false, yes, no, 1 or 0"),
        ({"modalities": ";"}, "modalities: required"),
        ({"modalities": "phone;fax"}, "modalities (value 2): must be one of 'in_person', 'phone' or 'video'"),
        ({"max_open": "lots"}, "max_open: must be a whole number"),
        ({"max_open": "51"}, "max_open: must be at most 50"),
        ({"max_open": "-1"}, "max_open: must be at least 0"),
        ({"sites": ";".join(f"Site {n}" for n in range(21))}, "sites: too many values (at most 20)"),
        (
            {"languages": "English;Fr\x07ench"},
            "languages (value 2): contains characters that are not allowed",
        ),
        ({"away_until": "next week"}, "away_until: must be a date as YYYY-MM-DD"),
        ({"on_call": "mon;someday"}, "on_call (value 2): must be one of 'mon', 'tue', 'wed', 'thu', 'fri', "),
    ],
)
def test_each_bad_cell_is_reported_with_its_line_and_column(cells: dict[str, str], message: str) -> None:
    ((line, reported),) = problems(roster({"supporter_id": "ps-099"}, cells))

    assert line == 3
    assert reported.startswith(message)


def test_a_repeated_supporter_id_is_reported_on_the_later_line() -> None:
    text = roster({"supporter_id": "a"}, {"supporter_id": "b"}, {"supporter_id": "a", "name": "Dr. Other"})

    assert problems(text) == [(4, "supporter_id: same as line 2")]


def test_every_problem_is_collected_in_file_order() -> None:
    text = roster(
        {"supporter_id": "a", "email": "x", "max_open": "99"},
        {"supporter_id": "b"},
        {"supporter_id": "c", "active": "perhaps", "modalities": "fax"},
        {"supporter_id": "a", "phone": "?"},
    )

    assert problems(text) == [
        (2, "email: not a valid email address"),
        (2, "max_open: must be at most 50"),
        (4, "active: must be true, false, yes, no, 1 or 0"),
        (4, "modalities (value 1): must be one of 'in_person', 'phone' or 'video'"),
        (5, "supporter_id: same as line 2"),
        (5, "phone: not a valid phone number"),
    ]


def test_no_cell_value_appears_in_any_message() -> None:
    secret = "Qzx"  # In every bad cell below, and in none of the messages' own words.
    bad = {
        "supporter_id": f"{secret} id",
        "name": f"{secret}\x00" + "y" * 100,
        "email": f"{secret},{secret}@@{secret}",
        "phone": f"{secret} 604",
        "active": secret,
        "modalities": f"phone;{secret}",
        "max_open": secret,
        "sites": ";".join(f"{secret}{n}" for n in range(21)),
        "identities": f"{secret}\x1b",
        "languages": f"{secret}\u202e",
        "away_until": f"2030-{secret}",
    }
    # Without its header the first supporter's details would be read as column names.
    headless = roster({"email": f"{secret}@example.org"}).split("\n", 1)[1]

    reported = problems(roster(bad)) + problems(headless)

    assert {message.split(":")[0].split(" ")[0] for line, message in reported if line == 2} == set(bad)
    assert all(secret.lower() not in message.lower() for _, message in reported)
    with pytest.raises(RosterError) as caught:
        parse_roster(roster(bad))
    assert secret not in str(caught.value)


def test_an_unreadable_csv_is_a_roster_error() -> None:
    text = roster({"supporter_id": "a"}, {"supporter_id": "b", "name": "x" * 200_000})

    assert problems(text) == [(3, "cannot be read as CSV: field larger than field limit (131072)")]


def test_roster_errors_are_domain_errors() -> None:
    assert issubclass(RosterError, DomainError)
