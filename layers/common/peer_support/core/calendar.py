"""Business days and clock times in the program's time zone: weekends and statutory holidays skipped.

Pure functions of datetimes; the holiday list comes from the `holidays` package, read from its copy in
`holiday_table` for the years that covers (the package loads every country's calendar with the first).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from peer_support.core.program import (
    HOLIDAY_COUNTRY,
    HOLIDAY_SUBDIVISION,
    OFFICE_CLOSES,
    OFFICE_OPENS,
    TIME_ZONE,
    URGENT_HOURS_CLOSE,
    URGENT_HOURS_OPEN,
)


@cache
def _statutory_holidays(year: int) -> Any:
    from peer_support.core.holiday_table import STATUTORY_HOLIDAYS

    if year in STATUTORY_HOLIDAYS:
        return frozenset(date.fromisoformat(f"{year}-{day}") for day in STATUTORY_HOLIDAYS[year].split())
    import holidays

    return holidays.country_holidays(HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIVISION, years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _statutory_holidays(day.year)


def local_date(when: datetime) -> date:
    return when.astimezone(TIME_ZONE).date()


def at_local(day: date, when: time) -> datetime:
    """`when` o'clock on `day` in the program's time zone."""
    return datetime.combine(day, when, TIME_ZONE)


def add_business_days(start: datetime, days: int, end_of_day: time = OFFICE_CLOSES) -> datetime:
    """The close of the `days`-th business day after the day of `start` (local time), in UTC.

    A request matched on Thursday is due, 2 business days later, on Monday at 17:00; one matched
    on a Saturday evening or a holiday starts counting on the next business day.
    """
    day = local_date(start)
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return at_local(day, end_of_day).astimezone(UTC)


def _business_hours(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) in office hours on business days, local time."""
    local_start, local_end = start.astimezone(TIME_ZONE), end.astimezone(TIME_ZONE)
    stretches = []
    day = local_start.date()
    while day <= local_end.date():
        if is_business_day(day):
            begin = max(at_local(day, OFFICE_OPENS), local_start)
            finish = min(at_local(day, OFFICE_CLOSES), local_end)
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


def add_urgent_minutes(start: datetime, minutes: float) -> datetime:
    """`minutes` after `start`, counted only between URGENT_HOURS_OPEN and URGENT_HOURS_CLOSE local time,
    on any day: 120 minutes after 14:00 is 16:00, after 19:00 it is 09:00 the next morning, and after
    23:00 it is 10:00. In UTC."""
    remaining = timedelta(minutes=minutes)
    local = start.astimezone(TIME_ZONE)
    day = local.date()
    while True:
        opens, closes = at_local(day, URGENT_HOURS_OPEN), at_local(day, URGENT_HOURS_CLOSE)
        begin = max(opens, local)
        if begin < closes:
            if begin + remaining <= closes:
                return (begin + remaining).astimezone(UTC)
            remaining -= closes - begin
        day += timedelta(days=1)


def next_business_morning(after: datetime, at: time = OFFICE_OPENS) -> datetime:
    """The opening of the next business day after `after` (daily administrator reminders)."""
    day = local_date(after)
    while True:
        day += timedelta(days=1)
        if is_business_day(day):
            return at_local(day, at).astimezone(UTC)


def human_date(when: datetime) -> str:
    """'Tuesday, December 1': how a date reads in an email or on a page."""
    local = when.astimezone(TIME_ZONE)
    return f"{local:%A}, {local:%B} {local.day}"


def clock_time(when: datetime) -> str:
    """'7:15 pm': how a time reads on a page or in an email."""
    local = when.astimezone(TIME_ZONE)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def clock_24h(when: datetime) -> str:
    """'14:30': a time of day as a text message gives it, short and unambiguous."""
    return f"{when.astimezone(TIME_ZONE):%H:%M}"


def human_deadline(when: datetime) -> str:
    """'5 pm on Thursday, December 3': a deadline as an email or a page says it, with its time of day."""
    local = when.astimezone(TIME_ZONE)
    if local.minute:
        hour = clock_time(local)
    elif local.hour == 12:
        hour = "noon"
    else:
        hour = f"{local.hour % 12 or 12} {'am' if local.hour < 12 else 'pm'}"
    return f"{hour} on {human_date(local)}"


def human_day(day: date) -> str:
    """'Monday, December 7, 2026': a calendar date (no time of day) as a page or an email says it."""
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"
