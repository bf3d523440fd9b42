"""The BIPOC Physician Peer Support Group's calendar: which session is next, and how it reads. Pure
functions of dates and a clock value; no AWS here.

The group meets online every week (the day and hours are the program's: `core.program`). A
registration is always for the next session that has not yet begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from peer_support.core.calendar import at_local, clock_time, human_date, is_business_day
from peer_support.core.program import GROUP_ENDS, GROUP_REMINDER_AT, GROUP_STARTS, GROUP_WEEKDAY, TIME_ZONE


@dataclass(frozen=True)
class Session:
    """One week's session, named by its date in the program's time zone."""

    day: date

    @property
    def session_id(self) -> str:
        return self.day.isoformat()

    @property
    def start(self) -> datetime:
        return at_local(self.day, GROUP_STARTS)

    @property
    def end(self) -> datetime:
        return at_local(self.day, GROUP_ENDS)

    @property
    def reminder_at(self) -> datetime:
        return at_local(self.day, GROUP_REMINDER_AT)

    @property
    def iso_start(self) -> str:
        """`2026-03-09T19:15:00-07:00`: Pacific time with the offset of that day."""
        return self.start.isoformat()


def holds_session(day: date, meets_on_holidays: bool = True) -> bool:
    """Whether the group meets on `day`: every week on its day, statutory holidays too unless configured
    otherwise."""
    return day.weekday() == GROUP_WEEKDAY and (meets_on_holidays or is_business_day(day))


def next_session(now: datetime, meets_on_holidays: bool = True) -> Session:
    """The next session that has not yet begun at `now`: later today if it is the group's day before the
    session starts, otherwise a later week."""
    day = now.astimezone(TIME_ZONE).date()
    day += timedelta(days=(GROUP_WEEKDAY - day.weekday()) % 7)
    while True:
        session = Session(day)
        if session.start > now and holds_session(day, meets_on_holidays):
            return session
        day += timedelta(days=7)


def session_of(session_id: str) -> Session:
    """The session a stored `session_id` names."""
    return Session(date.fromisoformat(session_id))


def describe(session: Session) -> dict[str, str]:
    """The words for a session: `date` 'Monday, March 9', `time` '7:15 to 8:30 pm Pacific time'."""
    starts, ends = clock_time(session.start), clock_time(session.end)
    if starts[-2:] == ends[-2:]:
        starts = starts[:-3]
    return {"date": human_date(session.start), "time": f"{starts} to {ends} Pacific time"}
