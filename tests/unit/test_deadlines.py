"""The business-day calendar: America/Vancouver, weekends and BC statutory holidays skipped."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from peer_support.core.calendar import (
    add_business_days,
    business_midpoint,
    human_date,
    human_deadline,
    is_business_day,
    next_business_morning,
)
from peer_support.core.program import TIME_ZONE
from peer_support.requests.sla import contact_deadline


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TIME_ZONE)


def due_date(matched: datetime, urgent: bool = False) -> date:
    due = contact_deadline(matched, urgent).astimezone(TIME_ZONE)
    assert due.time() == time(17, 0)  # the close of the business day
    return due.date()


@pytest.mark.parametrize(
    ("holiday", "name"),
    [
        (date(2027, 1, 1), "New Year's Day"),
        (date(2027, 2, 15), "Family Day"),
        (date(2027, 3, 26), "Good Friday"),
        (date(2027, 5, 24), "Victoria Day"),
        (date(2027, 7, 1), "Canada Day"),
        (date(2027, 8, 2), "BC Day"),
        (date(2027, 9, 6), "Labour Day"),
        (date(2027, 9, 30), "Truth and Reconciliation Day"),
        (date(2027, 10, 11), "Thanksgiving"),
        (date(2027, 11, 11), "Remembrance Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_bc_statutory_holidays_are_not_business_days(holiday: date, name: str) -> None:
    assert not is_business_day(holiday), name
    # The day before a holiday counts 1 business day to the next working day after it.
    before = holiday - timedelta(days=1)
    while not is_business_day(before):
        before -= timedelta(days=1)
    nxt = holiday + timedelta(days=1)
    while not is_business_day(nxt):
        nxt += timedelta(days=1)
    assert (
        add_business_days(datetime.combine(before, time(10), TIME_ZONE), 1).astimezone(TIME_ZONE).date()
        == nxt
    )


def test_weekends_are_skipped() -> None:
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert not is_business_day(date(2026, 11, 29))  # Sunday
    assert due_date(local(2026, 11, 26)) == date(2026, 11, 30)  # Thursday → Monday
    assert due_date(local(2026, 11, 27)) == date(2026, 12, 1)  # Friday → Tuesday
    assert add_business_days(local(2026, 11, 27), 1).astimezone(TIME_ZONE).date() == date(2026, 11, 30)


def test_boxing_day_is_a_working_day_in_bc() -> None:
    assert is_business_day(date(2028, 12, 26))
    assert due_date(local(2026, 12, 24)) == date(2026, 12, 29)  # Christmas and the weekend skipped


def test_observed_holiday() -> None:
    assert not is_business_day(date(2027, 12, 27))  # Christmas on a Saturday, observed Monday


def test_a_request_made_on_a_holiday_or_a_weekend_evening() -> None:
    assert due_date(local(2027, 7, 1, 14)) == date(2027, 7, 5)  # Canada Day (Thursday) → Fri, Mon
    assert due_date(local(2026, 11, 28, 21, 30)) == date(2026, 12, 1)  # Saturday evening → Mon, Tue
    # Sunday 23:30 in Vancouver is already Monday in UTC: the local day is what counts.
    sunday_late = local(2026, 11, 29, 23, 30)
    assert sunday_late.astimezone(UTC).date() == date(2026, 11, 30)
    assert due_date(sunday_late) == date(2026, 12, 1)


def test_daylight_saving_changes_keep_the_local_close_of_day() -> None:
    # Spring forward on Sunday 8 March 2026; fall back on Sunday 1 November 2026.
    spring = contact_deadline(local(2026, 3, 6, 12), urgent=False)
    assert spring.astimezone(TIME_ZONE).date() == date(2026, 3, 10)
    assert spring == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)  # 17:00 PDT (UTC-7)
    autumn = contact_deadline(local(2026, 10, 30, 12), urgent=False)
    assert autumn.astimezone(TIME_ZONE).date() == date(2026, 11, 3)
    assert autumn == datetime(2026, 11, 4, 1, 0, tzinfo=UTC)  # 17:00 PST (UTC-8)


def test_add_business_days_counts_from_the_local_day() -> None:
    assert add_business_days(local(2026, 11, 26), 0).astimezone(TIME_ZONE).date() == date(2026, 11, 26)
    assert add_business_days(local(2026, 11, 26), 5).astimezone(TIME_ZONE).date() == date(2026, 12, 3)


def test_half_way_counts_business_time_only() -> None:
    matched = local(2026, 11, 26, 10)  # Thursday 10:00
    due = contact_deadline(matched, urgent=False)  # Monday 17:00
    # Office hours: 7 h of Thursday + 8 h of Friday + 8 h of Monday = 23 h; half is 11.5 h: Friday 13:30.
    assert business_midpoint(matched, due).astimezone(TIME_ZONE) == local(2026, 11, 27, 13, 30)
    friday = local(2026, 11, 27, 16)  # Friday afternoon → Tuesday: the reminder is Monday, not Sunday
    assert is_business_day(
        business_midpoint(friday, contact_deadline(friday, False)).astimezone(TIME_ZONE).date()
    )


def test_half_way_falls_in_office_hours() -> None:
    early = local(2026, 11, 26, 6, 24)  # matched before the working day
    due = add_business_days(early, 1)  # Friday 17:00
    assert business_midpoint(early, due).astimezone(TIME_ZONE) == local(2026, 11, 26, 17, 0)
    late = local(2026, 11, 26, 22, 0)  # matched in the evening: counting starts Friday 09:00
    reminder = business_midpoint(late, add_business_days(late, 1)).astimezone(TIME_ZONE)
    assert reminder == local(2026, 11, 27, 13, 0)


@pytest.mark.parametrize(
    ("matched", "due"),
    [
        (local(2026, 12, 2, 23, 0), local(2026, 12, 3, 10, 0)),  # at night: counting starts at 08:00
        (local(2026, 12, 2, 14, 0), local(2026, 12, 2, 16, 0)),  # in urgent hours: two hours on
        (local(2026, 12, 2, 19, 0), local(2026, 12, 3, 9, 0)),  # one hour tonight, one tomorrow
        (local(2026, 12, 5, 3, 0), local(2026, 12, 5, 10, 0)),  # a Saturday counts like any day
        (local(2026, 12, 25, 12, 0), local(2026, 12, 25, 14, 0)),  # and so does Christmas Day
        (local(2026, 3, 7, 23, 0), local(2026, 3, 8, 10, 0)),  # the night the clocks spring forward
    ],
)
def test_an_urgent_deadline_counts_minutes_between_8_am_and_8_pm_on_any_day(
    matched: datetime, due: datetime
) -> None:
    assert contact_deadline(matched, urgent=True).astimezone(TIME_ZONE) == due


def test_an_urgent_deadline_and_its_reminder_follow_the_setting() -> None:
    from peer_support.core.clock import iso
    from peer_support.core.settings import Settings
    from peer_support.requests.sla import URGENT, when_matched

    settings = Settings.model_validate(
        {
            "REQUESTS_TABLE": "r",
            "SUPPORTERS_TABLE": "s",
            "LINK_SECRET_ARN": "a",
            "URGENT_CONTACT_MINUTES": "90",
        }
    )
    deadline = when_matched(local(2026, 12, 2, 19, 30), True, settings)
    assert deadline["contact_due_at"] == iso(local(2026, 12, 3, 9, 0))  # 30 minutes tonight, 60 tomorrow
    assert deadline["sla_due"] == iso(local(2026, 12, 3, 8, 15))  # half-way: 45 minutes in urgent hours
    assert (deadline["sla_step"], deadline["sla_open"]) == ("contact_reminder", URGENT)
    assert when_matched(local(2026, 12, 2, 19, 30), False, settings)["sla_open"] == "open"


def test_next_business_morning() -> None:
    assert next_business_morning(local(2026, 11, 27, 15)).astimezone(TIME_ZONE) == local(2026, 11, 30, 9)
    assert next_business_morning(local(2026, 12, 24, 9)).astimezone(TIME_ZONE) == local(2026, 12, 28, 9)


def test_human_date() -> None:
    assert human_date(local(2026, 12, 1, 17)) == "Tuesday, December 1"


def test_a_deadline_reads_with_its_time_of_day() -> None:
    assert human_deadline(local(2026, 12, 3, 17)) == "5 pm on Thursday, December 3"
    assert human_deadline(datetime(2026, 12, 4, 1, 0, tzinfo=UTC)) == "5 pm on Thursday, December 3"
    assert human_deadline(local(2026, 12, 3, 10, 30)) == "10:30 am on Thursday, December 3"
    assert human_deadline(local(2026, 12, 3, 12)) == "noon on Thursday, December 3"
