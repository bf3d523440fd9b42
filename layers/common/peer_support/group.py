"""The BIPOC Physician Peer Support Group: its calendar, references and eligibility, and the items a
registration writes. Pure functions of data and a clock value; no AWS here.

The group meets online every Monday from 7:15 to 8:30 pm Pacific. A registration is always for the
next session that has not yet begun.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from peer_support.clock import iso
from peer_support.deadlines import PROGRAM_TIMEZONE, human_date, is_business_day
from peer_support.errors import Conflict, NotEligible
from peer_support.models import GroupRegistrationForm, GroupStatus, said_no
from peer_support.reference import keyed_reference

MONDAY = 0
STARTS = time(19, 15)
ENDS = time(20, 30)
REMINDER_AT = time(12, 0)  # the reminder goes out at noon on the session's Monday

SESSION_ITEM = "session"  # the sort key of a session's own item: its counters and its reminder
KIND_SESSION = "session"
KIND_REGISTRATION = "registration"

# The `reminder` attribute of a session's item, which the sparse `reminders-due` index is keyed on.
REMINDER_DUE = "due"
REMINDER_SENT = "sent"
REMINDER_MISSED = "missed"  # the sweep came only after the session began: nobody is reminded of the past
REMINDER_NOT_NEEDED = "not_needed"  # the first registration came after noon on the day

# A place is offered in this order: who joined the waitlist first (then by reference, for a tie).
WAITLIST_FIELD = "waitlist_at"


# -- the calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Session:
    """One Monday's session, named by its date in Vancouver."""

    day: date

    @property
    def session_id(self) -> str:
        return self.day.isoformat()

    @property
    def start(self) -> datetime:
        return datetime.combine(self.day, STARTS, PROGRAM_TIMEZONE)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.day, ENDS, PROGRAM_TIMEZONE)

    @property
    def reminder_at(self) -> datetime:
        return datetime.combine(self.day, REMINDER_AT, PROGRAM_TIMEZONE)

    @property
    def iso_start(self) -> str:
        """`2026-03-09T19:15:00-07:00`: Pacific time with the offset of that day."""
        return self.start.isoformat()


def holds_session(day: date, meets_on_holidays: bool = True) -> bool:
    """Whether the group meets on `day`: every Monday, statutory holidays too unless configured otherwise."""
    return day.weekday() == MONDAY and (meets_on_holidays or is_business_day(day))


def next_session(now: datetime, meets_on_holidays: bool = True) -> Session:
    """The next session that has not yet begun at `now`: later today if it is Monday before 7:15 pm,
    otherwise a later Monday."""
    day = now.astimezone(PROGRAM_TIMEZONE).date()
    day += timedelta(days=(MONDAY - day.weekday()) % 7)
    while True:
        session = Session(day)
        if session.start > now and holds_session(day, meets_on_holidays):
            return session
        day += timedelta(days=7)


def session_of(session_id: str) -> Session:
    """The session a stored `session_id` names."""
    return Session(date.fromisoformat(session_id))


def clock_time(when: datetime) -> str:
    """'7:15 pm': how a time reads on a page or in an email."""
    local = when.astimezone(PROGRAM_TIMEZONE)
    return f"{local.hour % 12 or 12}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"


def describe(session: Session) -> dict[str, str]:
    """The words for a session: `date` 'Monday, March 9', `time` '7:15 to 8:30 pm Pacific time'."""
    starts, ends = clock_time(session.start), clock_time(session.end)
    if starts[-2:] == ends[-2:]:
        starts = starts[:-3]
    return {"date": human_date(session.start), "time": f"{starts} to {ends} Pacific time"}


# -- who may register, and under which reference -------------------------------------------------


def check_group_eligibility(identifies_as_bipoc: object, practices_in_bc: object) -> None:
    """Raise `NotEligible` for someone the group is not for. Works on raw answers too, so a "no" is
    answered kindly before anything else on the form is asked to change. Nothing is stored."""
    if said_no(identifies_as_bipoc):
        raise NotEligible("not_bipoc")
    if said_no(practices_in_bc):
        raise NotEligible("not_in_bc")


def normalise_email(email: str) -> str:
    """The address as compared: case and surrounding spaces do not make a different person."""
    return email.strip().lower()


def registration_reference(secret: bytes, session_id: str, email: str) -> str:
    """`GR-7K3M-9QXD`: the reference, and key, of one person's registration for one session.

    Keyed with the server's secret, so the same person registering twice lands on the same item, while
    the key reveals nothing of the address and cannot be computed by anyone else.
    """
    return keyed_reference(secret, f"group:{session_id}:{normalise_email(email)}".encode(), prefix="GR")


# -- what a registration writes -------------------------------------------------------------------


def purge_time(session: Session, retention_days: int) -> int:
    """When a session's items, and every personal detail in them, are deleted (DynamoDB TTL)."""
    return int((session.end + timedelta(days=retention_days)).timestamp())


def registration_record(
    form: GroupRegistrationForm,
    reference: str,
    session: Session,
    status: GroupStatus,
    now: datetime,
    retention_days: int,
) -> dict[str, Any]:
    """The attributes a registration is stored with (its key, version and history are the repository's)."""
    record: dict[str, Any] = {
        "session_id": session.session_id,
        "item_id": reference,
        "kind": KIND_REGISTRATION,
        "reference": reference,
        "status": status.value,
        "name": form.name,
        "email": str(form.email),
        "session_start": session.iso_start,
        "updated_at": iso(now),
        "last_event": status.value,
        "purge_at": purge_time(session, retention_days),
    }
    if status is GroupStatus.WAITLISTED:
        record[WAITLIST_FIELD] = waitlist_position(now, reference)
    return record


def waitlist_position(now: datetime, reference: str) -> str:
    """Sorts in the order people joined the waitlist (microseconds), ties broken by reference."""
    return f"{now.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}#{reference}"


def session_record(session: Session, now: datetime, retention_days: int) -> dict[str, Any]:
    """What a session's own item starts with when its first registration arrives."""
    return {
        "kind": KIND_SESSION,
        "session_start": session.iso_start,
        "remind_at": iso(session.reminder_at),
        # Someone registering after noon on the day has just been told everything: no reminder.
        "reminder": REMINDER_DUE if now < session.reminder_at else REMINDER_NOT_NEEDED,
        "purge_at": purge_time(session, retention_days),
    }


def reminder_outcome(session: Session, now: datetime) -> str | None:
    """What the reminder step does for a session whose reminder is due: send it, or (once the session
    has begun) let it go. None before noon on the day."""
    if now < session.reminder_at:
        return None
    return REMINDER_SENT if now < session.start else REMINDER_MISSED


# -- what can go wrong -----------------------------------------------------------------------------


class AlreadyRegistered(Conflict):
    """This person already holds a place, or a place on the waitlist, for this session (`current`)."""


class SessionFull(Conflict):
    """Every place in the session is taken."""


class PlacesFree(Conflict):
    """A place came free while joining the waitlist: try for the place instead."""


class SessionStarted(Conflict):
    """The session has begun: its places can no longer be given up or handed on."""
