"""Business-day deadlines in the program's time zone: weekends and BC statutory holidays skipped.

Pure functions of datetimes; the holiday list comes from the `holidays` package.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

PROGRAM_TIMEZONE = ZoneInfo("America/Vancouver")
START_OF_DAY = time(9, 0)
END_OF_DAY = time(17, 0)  # a deadline falls at the close of its business day


@cache
def _statutory_holidays(year: int) -> Any:
    import holidays

    return holidays.country_holidays("CA", subdiv="BC", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _statutory_holidays(day.year)


def local_date(when: datetime) -> date:
    return when.astimezone(PROGRAM_TIMEZONE).date()


def add_business_days(start: datetime, days: int, end_of_day: time = END_OF_DAY) -> datetime:
    """The close of the `days`-th business day after the day of `start` (Vancouver time), in UTC.

    A request matched on Thursday is due, 2 business days later, on Monday at 17:00; one matched
    on a Saturday evening or a holiday starts counting on the next business day.
    """
    day = local_date(start)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return datetime.combine(day, end_of_day, PROGRAM_TIMEZONE).astimezone(UTC)


def contact_deadline(matched_at: datetime, urgent: bool, days: int = 2, urgent_days: int = 1) -> datetime:
    """When first contact is due: 2 business days after matching, 1 when the request is urgent."""
    return add_business_days(matched_at, urgent_days if urgent else days)


def _business_hours(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) in office hours (09:00 to 17:00 on business days), local time."""
    local_start, local_end = start.astimezone(PROGRAM_TIMEZONE), end.astimezone(PROGRAM_TIMEZONE)
    stretches = []
    day = local_start.date()
    while day <= local_end.date():
        if is_business_day(day):
            day_start = datetime.combine(day, START_OF_DAY, PROGRAM_TIMEZONE)
            day_end = datetime.combine(day, END_OF_DAY, PROGRAM_TIMEZONE)
            begin, finish = max(day_start, local_start), min(day_end, local_end)
            if begin < finish:
                stretches.append((begin, finish))
        day += timedelta(days=1)
    return stretches


def business_midpoint(start: datetime, end: datetime) -> datetime:
    """The moment half of the office hours between `start` and `end` have passed, so a reminder comes
    during a working day, never at night."""
    stretches = _business_hours(start, end)
    total = sum((b - a).total_seconds() for a, b in stretches)
    if total <= 0:
        return start + (end - start) / 2
    remaining = total / 2
    for begin, finish in stretches:
        length = (finish - begin).total_seconds()
        if remaining <= length:
            return (begin + timedelta(seconds=remaining)).astimezone(UTC)
        remaining -= length
    return end


def next_business_morning(after: datetime, at: time = time(9, 0)) -> datetime:
    """09:00 on the next business day after `after` (daily administrator reminders)."""
    day = local_date(after)
    while True:
        day += timedelta(days=1)
        if is_business_day(day):
            return datetime.combine(day, at, PROGRAM_TIMEZONE).astimezone(UTC)


def human_date(when: datetime) -> str:
    """'Tuesday, December 1': how a deadline reads in an email or on a page."""
    local = when.astimezone(PROGRAM_TIMEZONE)
    return f"{local:%A}, {local:%B} {local.day}"
