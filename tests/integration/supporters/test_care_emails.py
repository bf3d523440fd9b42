"""The emails about supporters: a debrief asked for on closing, the training reminder (once), and the
administrators' Monday digest (once); and matching stopping the day after `trained_until`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from tests.integration.supporters.helpers import (
    ADMIN,
    CASE_LINK,
    PAGE_LINK,
    REQUEST,
    CarePipeline,
    availability,
    case_link,
    page,
    page_token,
    record,
    submit,
)

# Thursday 26 November 2026, 10:00 in Vancouver.
THURSDAY = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    frozen_clock = clock.FrozenClock(THURSDAY)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def close_case(care: CarePipeline, debrief: bool) -> str:
    reference = submit()
    care.run()
    [assigned] = care.to("s1@example.org")
    token = CASE_LINK.search(assigned["text"])
    assert token
    assert case_link("POST", token.group(1), {"action": "acknowledge"})["statusCode"] == 200
    answers = {"action": "close", "conversations": "2", "modality_used": "video"}
    if debrief:
        answers["debrief_requested"] = "true"
    assert case_link("POST", token.group(1), answers)["statusCode"] == 200
    care.run()
    return reference


def test_a_debrief_asked_for_tells_the_administrators_who_never_which_case(
    stack: Any, care: CarePipeline
) -> None:
    reference = close_case(care, debrief=True)
    told = [email for email in care.to(ADMIN) if "debrief" in email["subject"]]
    assert len(told) == 1
    [email] = told
    assert email["subject"] == "Dr. Supporter 1 would like a debrief"
    for part in (email["text"], email["html"]):
        assert "s1@example.org" in part
        assert "(604) 555-0101" in part
        assert reference not in part
        assert "Reference" not in part
        assert "Ann" not in part
    # And nothing of it is kept with the request
    from peer_support.requests.repository import RequestsRepository

    assert "debrief_requested" not in str(RequestsRepository(stack.refs["RequestsTable"]).get(reference))
    assert record(stack, "s1").open_count == 0


def test_closing_without_a_debrief_tells_nobody(stack: Any, care: CarePipeline) -> None:
    close_case(care, debrief=False)
    assert [email for email in care.to(ADMIN) if "debrief" in email["subject"]] == []


def set_training(stack: Any, supporter_id: str, until: str) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    current = record(stack, supporter_id)
    entry = RosterEntry.model_validate(
        {**current.model_dump(include=set(RosterEntry.model_fields)), "trained_until": until}
    )
    SupportersRepository(stack.refs["SupportersTable"]).upsert([entry])


def sweep() -> dict[str, Any]:
    result: dict[str, Any] = invoke("SlaCheckFunction", {})
    return result


def test_the_training_reminder_is_sent_once_and_matching_stops_the_day_after(
    stack: Any, care: CarePipeline, frozen: clock.FrozenClock
) -> None:
    # Given s1's training is current until Sunday 20 December, s2's for years
    set_training(stack, "s1", "2026-12-20")
    set_training(stack, "s2", "2030-01-01")
    # When sweeps run every quarter hour for a day, 24 days before
    for _ in range(4 * 24):
        sweep()
        frozen.advance(timedelta(minutes=15))
    care.run()
    # Then s1 and the administrators got one reminder each, with s1's page link
    [reminder] = [e for e in care.to("s1@example.org") if "training" in e["subject"]]
    assert "Sunday, December 20, 2026" in reminder["text"]
    assert PAGE_LINK.search(reminder["text"])
    assert [e["subject"] for e in care.to(ADMIN) if "training" in e["subject"]] == [
        "Dr. Supporter 1's training is current until Sunday, December 20, 2026"
    ]
    assert care.to("s2@example.org") == []
    # And s1 is matched on the 20th, not from the 21st (training_lapsed in the needs_admin counts)
    page("POST", page_token("s2"), availability(stack, "s2", paused=True))
    frozen.advance(datetime(2026, 12, 21, 18, 0, tzinfo=UTC) - frozen.now())
    reference = submit()
    care.run()
    from peer_support.requests.repository import RequestsRepository

    waiting = RequestsRepository(stack.refs["RequestsTable"]).get(reference)
    assert waiting["status"] == "needs_admin"
    assert waiting["left_out"] == {"paused": 1, "training_lapsed": 1}


def test_the_monday_digest_is_sent_once_and_lists_who_needs_an_eye(
    stack: Any, care: CarePipeline, frozen: clock.FrozenClock
) -> None:
    page("POST", page_token("s2"), availability(stack, "s2", paused=True))
    care.run()
    before = len(care.to(ADMIN))
    # Monday 30 November from 07:00 to 10:00 in Vancouver (15:00 to 18:00 UTC)
    frozen.advance(datetime(2026, 11, 30, 15, 0, tzinfo=UTC) - frozen.now())
    for _ in range(12):
        sweep()
        frozen.advance(timedelta(minutes=15))
    digests = [e for e in care.to(ADMIN)[before:] if e["subject"] == "Your Peer Supporters this week"]
    assert len(digests) == 1
    assert "Paused:\n- Dr. Supporter 2 (0 open)" in digests[0]["text"]
    assert "Dr. Supporter 1" not in digests[0]["text"]


def test_open_cases_per_supporter_are_a_metric_by_supporter_id(
    stack: Any, care: CarePipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    submit()
    care.run()
    capsys.readouterr()
    sweep()
    lines = [line for line in capsys.readouterr().out.splitlines() if '"OpenCases"' in line]
    assert any(
        '"supporter_id": "s1"' in line.replace('":"', '": "')
        and '"OpenCases": [1' in line.replace('":[', '": [')
        for line in lines
    ), lines
    assert not any("Dr. Supporter" in line for line in lines)


def test_away_from_next_monday_on_the_page_is_matched_until_sunday_and_not_from_monday(
    stack: Any, care: CarePipeline, frozen: clock.FrozenClock
) -> None:
    from peer_support.requests.repository import RequestsRepository

    requests = RequestsRepository(stack.refs["RequestsTable"])
    # Given s2 is paused, and s1 says on Thursday they are away from next Monday for a week
    page("POST", page_token("s2"), availability(stack, "s2", paused=True))
    answers = availability(stack, "s1", away_from="2026-11-30", away_until="2026-12-06")
    assert page("POST", page_token("s1"), answers)["statusCode"] == 200
    # When a request comes on Sunday at noon, s1 takes it
    frozen.advance(datetime(2026, 11, 29, 20, 0, tzinfo=UTC) - frozen.now())
    sunday = submit()
    care.run()
    assert requests.get(sunday)["supporter_id"] == "s1"
    # And one on Monday morning finds nobody: s1 is away, and keeps Sunday's case
    frozen.advance(datetime(2026, 11, 30, 16, 0, tzinfo=UTC) - frozen.now())
    monday = submit({**REQUEST, "requester": {"name": "Dr. Bo Chan", "email": "bo@example.org"}})
    care.run()
    assert requests.get(monday)["left_out"] == {"away": 1, "paused": 1}
    assert requests.get(sunday)["supporter_id"] == "s1"
    assert record(stack, "s1").open_count == 1
