"""A roster import and what supporters set for themselves: the import keeps each self-set answer unless
the CSV gives it a value, and the CSV wins then (README, "Supporters' own page")."""

from __future__ import annotations

from typing import Any

from peer_support.supporters.roster import parse_roster
from tests.integration.supporters.helpers import ADMIN, CarePipeline, availability, page, page_token, record

HEADER = "supporter_id,name,email,modalities,max_open,away_from,away_until,paused,on_call"


def import_roster(stack: Any, *rows: str) -> None:
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        parse_roster("\n".join((HEADER, *rows)) + "\n")
    )


def test_a_reimport_with_blank_cells_keeps_what_the_supporter_set(stack: Any, care: CarePipeline) -> None:
    # Given s1 set time away, a pause, days on call and a lower limit on their page
    answers = availability(
        stack, "s1", away_from="2026-12-21", away_until="2027-01-04", paused=True, on_call=["sat"], max_open=1
    )
    assert page("POST", page_token("s1"), answers)["statusCode"] == 200
    # When the administrator re-imports the roster with those cells blank and a higher cap
    import_roster(stack, "s1,Dr. Supporter 1,s1@example.org,video,4,,,,")
    # Then everything s1 set stays, and the cap is the roster's
    stored = record(stack, "s1")
    assert (str(stored.away_from), str(stored.away_until), stored.paused, stored.on_call) == (
        "2026-12-21",
        "2027-01-04",
        True,
        ["sat"],
    )
    assert (stored.max_open, stored.own_max_open, stored.open_limit) == (4, 1, 1)


def test_a_value_in_the_csv_wins_over_what_the_supporter_set(stack: Any, care: CarePipeline) -> None:
    answers = availability(
        stack, "s1", away_from="2026-12-21", away_until="2027-01-04", paused=True, max_open=1
    )
    assert page("POST", page_token("s1"), answers)["statusCode"] == 200
    # When the CSV gives its own values
    import_roster(stack, "s1,Dr. Supporter 1,s1@example.org,video,3,2026-12-01,2026-12-02,false,mon;tue")
    stored = record(stack, "s1")
    assert (str(stored.away_from), str(stored.away_until), stored.paused, stored.on_call) == (
        "2026-12-01",
        "2026-12-02",
        False,
        ["mon", "tue"],
    )
    # The roster's max_open is the cap, and the supporter's own limit under it stays theirs
    assert (stored.max_open, stored.own_max_open, stored.open_limit) == (3, 1, 1)


def test_a_page_opened_before_an_import_is_refused_and_nothing_lost(stack: Any, care: CarePipeline) -> None:
    # Given s1 opened their page, then the roster was imported
    stale = availability(stack, "s1", paused=True)
    import_roster(stack, "s1,Dr. Supporter 1,s1@example.org,video,2,,,,sun")
    # When the page is saved, it is refused: the import's days on call stay, and nobody is told
    assert page("POST", page_token("s1"), stale)["statusCode"] == 409
    care.run()
    stored = record(stack, "s1")
    assert (stored.paused, stored.on_call) == (False, ["sun"])
    assert care.to(ADMIN) == []


def test_the_away_dates_go_together(stack: Any, care: CarePipeline) -> None:
    answers = availability(stack, "s1", away_from="2026-12-21", away_until="2027-01-04")
    assert page("POST", page_token("s1"), answers)["statusCode"] == 200
    # The CSV gives only a last day away: the supporter's first day away goes with the rest
    import_roster(stack, "s1,Dr. Supporter 1,s1@example.org,video,2,,2026-12-10,,")
    stored = record(stack, "s1")
    assert (stored.away_from, str(stored.away_until)) == (None, "2026-12-10")


def test_a_save_from_a_version_already_written_is_refused_by_the_table_itself(
    stack: Any, care: CarePipeline
) -> None:
    import pytest

    from peer_support.core.errors import Conflict
    from peer_support.supporters.repository import SupportersRepository

    repository = SupportersRepository(stack.refs["SupportersTable"])
    repository.save_own("s1", 1, {"paused": True}, ["paused"])
    with pytest.raises(Conflict):
        repository.save_own("s1", 1, {"on_call": ["mon"]}, ["on_call"])
    stored = record(stack, "s1")
    assert (stored.paused, stored.on_call, stored.version) == (True, [], 2)
