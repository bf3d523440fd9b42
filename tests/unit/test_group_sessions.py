"""The BIPOC group's calendar: the next session that has not yet begun, in Vancouver time, across the
daylight-saving changes and statutory holidays. Pure functions of a clock value."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peer_support.core.calendar import clock_time
from peer_support.core.program import TIME_ZONE
from peer_support.group.models import REMINDER_DUE, REMINDER_MISSED, REMINDER_NOT_NEEDED, REMINDER_SENT
from peer_support.group.registrations import purge_time, session_record
from peer_support.group.reminders import reminder_outcome
from peer_support.group.sessions import Session, describe, holds_session, next_session, session_of


def pacific(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=TIME_ZONE)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Before a Monday session: that same evening
        (pacific(2026, 3, 9, 0, 0), "2026-03-09T19:15:00-07:00"),
        (pacific(2026, 3, 9, 19, 14, 59), "2026-03-09T19:15:00-07:00"),
        # As it begins, during it and after it: the next Monday
        (pacific(2026, 3, 9, 19, 15), "2026-03-16T19:15:00-07:00"),
        (pacific(2026, 3, 9, 19, 45), "2026-03-16T19:15:00-07:00"),
        (pacific(2026, 3, 9, 20, 30), "2026-03-16T19:15:00-07:00"),
        (pacific(2026, 3, 9, 23, 59), "2026-03-16T19:15:00-07:00"),
        # Any other day: the coming Monday
        (pacific(2026, 3, 10, 9, 0), "2026-03-16T19:15:00-07:00"),
        (pacific(2026, 3, 15, 23, 59), "2026-03-16T19:15:00-07:00"),
    ],
    ids=[
        "monday-morning",
        "a-second-before",
        "as-it-begins",
        "during",
        "as-it-ends",
        "monday-night",
        "tuesday",
        "sunday",
    ],
)
def test_the_next_session_that_has_not_yet_begun(now: datetime, expected: str) -> None:
    assert next_session(now).iso_start == expected


def test_the_time_is_read_in_vancouver_whatever_the_clock_s_zone() -> None:
    # 02:14 UTC on Tuesday is 19:14 on Monday in Vancouver (daylight time): tonight's session
    assert next_session(datetime(2026, 3, 10, 2, 14, tzinfo=UTC)).iso_start == "2026-03-09T19:15:00-07:00"
    # 03:30 UTC on Tuesday is 20:30 on Monday: next week's
    assert next_session(datetime(2026, 3, 10, 3, 30, tzinfo=UTC)).iso_start == "2026-03-16T19:15:00-07:00"
    # 23:00 UTC on Sunday is still Sunday afternoon in Vancouver
    assert next_session(datetime(2026, 3, 15, 23, 0, tzinfo=UTC)).iso_start == "2026-03-16T19:15:00-07:00"


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Daylight time begins at 02:00 on Sunday 8 March 2026
        (pacific(2026, 3, 2, 19, 15), "2026-03-09T19:15:00-07:00"),
        (pacific(2026, 3, 2, 12, 0), "2026-03-02T19:15:00-08:00"),
        (pacific(2026, 3, 8, 1, 59), "2026-03-09T19:15:00-07:00"),
        (datetime(2026, 3, 8, 10, 30, tzinfo=UTC), "2026-03-09T19:15:00-07:00"),  # the missing hour
        # Standard time returns at 02:00 on Sunday 1 November 2026
        (pacific(2026, 10, 26, 19, 30), "2026-11-02T19:15:00-08:00"),
        (pacific(2026, 10, 26, 12, 0), "2026-10-26T19:15:00-07:00"),
        (datetime(2026, 11, 1, 8, 30, tzinfo=UTC), "2026-11-02T19:15:00-08:00"),  # 01:30, the second time
        (datetime(2026, 11, 1, 9, 30, tzinfo=UTC), "2026-11-02T19:15:00-08:00"),
    ],
)
def test_around_the_daylight_saving_changes(now: datetime, expected: str) -> None:
    session = next_session(now)
    assert session.iso_start == expected
    assert session.start.astimezone(TIME_ZONE).hour == 19
    assert session.start.astimezone(TIME_ZONE).minute == 15


def test_a_session_s_instant_in_utc_moves_with_daylight_time() -> None:
    assert session_of("2026-03-02").start.astimezone(UTC) == datetime(2026, 3, 3, 3, 15, tzinfo=UTC)
    assert session_of("2026-03-09").start.astimezone(UTC) == datetime(2026, 3, 10, 2, 15, tzinfo=UTC)
    assert session_of("2026-11-02").end.astimezone(UTC) == datetime(2026, 11, 3, 4, 30, tzinfo=UTC)
    assert session_of("2026-03-09").reminder_at.astimezone(UTC) == datetime(2026, 3, 9, 19, 0, tzinfo=UTC)
    assert session_of("2026-03-02").reminder_at.astimezone(UTC) == datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("monday", "otherwise", "name"),
    [
        (date(2026, 2, 16), date(2026, 2, 23), "Family Day"),
        (date(2026, 5, 18), date(2026, 5, 25), "Victoria Day"),
        (date(2026, 8, 3), date(2026, 8, 10), "British Columbia Day"),
        (date(2026, 9, 7), date(2026, 9, 14), "Labour Day"),
        (date(2026, 10, 12), date(2026, 10, 19), "Thanksgiving"),
        # Christmas and New Year's Day are both observed on a Monday: two holiday Mondays in a row
        (date(2027, 12, 27), date(2028, 1, 10), "Christmas Day, observed"),
    ],
)
def test_a_statutory_holiday_monday_holds_the_session_unless_configured_otherwise(
    monday: date, otherwise: date, name: str
) -> None:
    friday_before = datetime.combine(monday - timedelta(days=3), datetime.min.time(), TIME_ZONE)
    assert next_session(friday_before).day == monday, name
    assert holds_session(monday)
    assert not holds_session(monday, meets_on_holidays=False)
    assert next_session(friday_before, meets_on_holidays=False).day == otherwise, name


def test_an_ordinary_monday_is_held_either_way() -> None:
    assert next_session(pacific(2026, 3, 6, 9, 0), meets_on_holidays=False).day == date(2026, 3, 9)
    assert not holds_session(date(2026, 3, 10))  # a Tuesday


@given(
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)),
    st.booleans(),
)
def test_the_next_session_is_always_the_first_monday_evening_to_come(
    now: datetime, on_holidays: bool
) -> None:
    session = next_session(now, on_holidays)
    local = session.start.astimezone(TIME_ZONE)
    assert (local.weekday(), local.hour, local.minute) == (0, 19, 15)
    assert session.start > now
    # At most a week away; skipping holidays, at most three (holiday Mondays come two in a row at most)
    assert session.start - now <= timedelta(days=7 if on_holidays else 21)
    assert session.end - session.start == timedelta(hours=1, minutes=15)
    # No session it could have been comes earlier
    day = now.astimezone(TIME_ZONE).date()
    while day < session.day:
        if holds_session(day, on_holidays):
            assert Session(day).start <= now
        day += timedelta(days=1)


def test_the_words_for_a_session() -> None:
    assert describe(session_of("2026-03-09")) == {
        "date": "Monday, March 9",
        "time": "7:15 to 8:30 pm Pacific time",
    }
    assert clock_time(pacific(2026, 3, 9, 12, 0)) == "12:00 pm"
    assert clock_time(pacific(2026, 3, 9, 0, 5)) == "12:05 am"
    assert clock_time(datetime(2026, 3, 10, 2, 15, tzinfo=UTC)) == "7:15 pm"


def test_the_reminder_step_at_noon_and_never_once_the_session_has_begun() -> None:
    session = session_of("2026-03-09")
    assert reminder_outcome(session, pacific(2026, 3, 9, 11, 59)) is None
    assert reminder_outcome(session, pacific(2026, 3, 9, 12, 0)) == REMINDER_SENT
    assert reminder_outcome(session, pacific(2026, 3, 9, 19, 14)) == REMINDER_SENT
    assert reminder_outcome(session, pacific(2026, 3, 9, 19, 15)) == REMINDER_MISSED


def test_a_session_s_first_item_waits_for_its_reminder_unless_noon_has_passed() -> None:
    session = session_of("2026-03-09")
    before = session_record(session, pacific(2026, 3, 5, 10, 0), retention_days=30)
    assert before == {
        "kind": "session",
        "session_start": "2026-03-09T19:15:00-07:00",
        "remind_at": "2026-03-09T19:00:00Z",
        "reminder": REMINDER_DUE,
        "purge_at": purge_time(session, 30),
    }
    assert session_record(session, pacific(2026, 3, 9, 13, 0), 30)["reminder"] == REMINDER_NOT_NEEDED


def test_personal_data_is_purged_a_retention_period_after_the_session() -> None:
    session = session_of("2026-03-09")
    assert purge_time(session, 30) == int(datetime(2026, 4, 9, 3, 30, tzinfo=UTC).timestamp())
    assert purge_time(session, 1) - purge_time(session, 0) == 86400
