"""The roster import command, run in-process (so moto applies) against the template's own table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REGION
from tools.roster import main

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "roster.csv"


@pytest.fixture
def table(stack: Any) -> str:
    name: str = stack.refs["SupportersTable"]
    return name


def run(file: Path, table: str) -> int:
    return main([str(file), "--table", table, "--region", REGION])


def stored(table: str) -> dict[str, dict[str, Any]]:
    import boto3

    from peer_support.core.dynamodb import from_item

    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=table)["Items"]
    return {item["supporter_id"]: item for item in map(from_item, items)}


def test_importing_the_sample_stores_six_supporters_with_no_open_cases(
    table: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(SAMPLE, table) == 0

    supporters = stored(table)
    assert len(supporters) == 6
    assert {s["open_count"] for s in supporters.values()} == {0}
    assert supporters["ps-005"]["active"] is False
    assert supporters["ps-004"]["away_until"] == "2030-06-30"
    assert "phone" not in supporters["ps-003"]
    assert capsys.readouterr().out == f"Imported 6 supporters into {table}.\n"


def test_reimporting_updates_details_and_keeps_open_cases(table: str, tmp_path: Path) -> None:
    import boto3

    run(SAMPLE, table)
    # Two cases were assigned to ps-002 since the first import.
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=table,
        Key={"supporter_id": {"S": "ps-002"}},
        UpdateExpression="SET open_count = :two",
        ExpressionAttributeValues={":two": {"N": "2"}},
    )
    renamed = tmp_path / "roster.csv"
    renamed.write_text(SAMPLE.read_text().replace("Dr. Kofi Sample", "Dr. Kofi Sample-Renamed"))

    assert run(renamed, table) == 0

    supporters = stored(table)
    assert (supporters["ps-002"]["name"], supporters["ps-002"]["open_count"]) == (
        "Dr. Kofi Sample-Renamed",
        2,
    )
    assert len(supporters) == 6
    assert supporters["ps-001"]["open_count"] == 0


def test_a_file_with_one_bad_row_writes_nothing(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(SAMPLE, table)
    before = stored(table)
    capsys.readouterr()
    lines = SAMPLE.read_text().splitlines()
    lines[1] = lines[1].replace("Dr. Ada Example", "Dr. Ada Changed")  # A good change, not to be written.
    lines[4] = lines[4].replace("wing.fictional@example.org", "wing.fictional@")
    bad = tmp_path / "roster.csv"
    bad.write_text("\n".join(lines) + "\n")

    assert run(bad, table) == 1

    assert stored(table) == before
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (
        captured.err
        == "line 5: email: not a valid email address\n1 problem(s) found; nothing was imported.\n"
    )


def test_a_bad_file_on_an_empty_table_leaves_it_empty(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "roster.csv"
    bad.write_text(SAMPLE.read_text().replace("ps-006", "ps-001"))

    assert run(bad, table) == 1

    assert stored(table) == {}
    assert "line 7: supporter_id: same as line 2\n" in capsys.readouterr().err


def test_a_missing_file_is_a_clear_error(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.csv"

    assert run(missing, table) == 2

    assert capsys.readouterr().err == f"roster: {missing}: no such file\n"
    assert stored(table) == {}


def test_a_file_that_is_not_utf8_is_a_clear_error(
    table: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    latin1 = tmp_path / "roster.csv"
    latin1.write_bytes(SAMPLE.read_text().replace("Ada", "Zoë").encode("latin-1"))

    assert run(latin1, table) == 2

    assert "not UTF-8 text" in capsys.readouterr().err


def test_a_missing_table_is_reported_by_its_error_code(
    capsys: pytest.CaptureFixture[str], stack: Any
) -> None:
    assert run(SAMPLE, "no-such-table") == 2

    assert capsys.readouterr().err.startswith(
        "roster: could not write to no-such-table: ResourceNotFoundException"
    )


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main([str(SAMPLE)])

    assert caught.value.code == 2
    assert "--table" in capsys.readouterr().err
