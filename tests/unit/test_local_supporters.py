"""The local roster route's checks, without a stack: what GET adds is ignored, the rest is named."""

from __future__ import annotations

from typing import Any

from local_runner.supporters import kept_by_the_stack, roster_entries

ENTRY = {"supporter_id": "ps-1", "name": "Dr. One", "email": "one@example.org", "modalities": ["phone"]}


def test_what_the_stack_keeps_is_what_get_adds() -> None:
    assert kept_by_the_stack() == {
        "open_count",
        "last_assigned_at",
        "version",
        "own_max_open",
        "training_reminded_for",
    }


def test_counts_are_accepted_and_ignored() -> None:
    counted = {**ENTRY, "open_count": 3, "last_assigned_at": "2026-01-01T00:00:00Z"}
    entries, problems = roster_entries([counted])
    assert problems == {}
    assert [e.supporter_id for e in entries] == ["ps-1"]


def test_problems_are_keyed_by_where_they_are_and_never_quote_a_value() -> None:
    body: list[Any] = [
        ENTRY,
        {**ENTRY, "supporter_id": "ps 2", "phone": "call me", "max_open": 51, "away_until": "soon"},
        {**ENTRY, "supporter_id": "ps-3", "active": "perhaps", "languages": [7]},
        {**ENTRY, "supporter_id": "ps-4", "Dr. One's secret": 1},
        "ps-5",
    ]
    entries, problems = roster_entries(body)
    assert entries == []
    assert problems == {
        "supporters[1].supporter_id": (
            "letters, digits, - and _ only (up to 64), starting with a letter or digit"
        ),
        "supporters[1].phone": "not a phone number: digits, spaces, ( ) - . and a leading +",
        "supporters[1].max_open": "at most 50",
        "supporters[1].away_until": "a date, YYYY-MM-DD",
        "supporters[2].active": "true or false",
        "supporters[2].languages[0]": "not text",
        "supporters[3]": problems["supporters[3]"],
        "supporters[4]": "not a roster object",
    }
    assert problems["supporters[3]"].startswith("has a field that is not a roster field")
    assert "secret" not in str(problems)
    assert "call me" not in str(problems)
