"""Registering for the BIPOC group's next session, giving up a place, and the day-of reminder step.

Each is a conditional write on the group's own table (see `GroupRepository`): the emails follow from
its stream, never from here.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from peer_support import clock
from peer_support.errors import Conflict
from peer_support.group import (
    AlreadyRegistered,
    PlacesFree,
    Session,
    SessionFull,
    SessionStarted,
    check_group_eligibility,
    next_session,
    registration_record,
    registration_reference,
    reminder_outcome,
    session_of,
    session_record,
)
from peer_support.models import GroupRegistrationForm, GroupStatus
from peer_support.repository import GroupRepository
from peer_support.settings import GroupSettings
from peer_support.signing import GroupLinkClaims

# Transactions on the same session that land at the same instant are refused by DynamoDB
# (TransactionConflict); a few jittered retries make that invisible to the person registering.
ATTEMPTS = 8


@dataclass(frozen=True)
class Registration:
    reference: str
    status: GroupStatus
    session: Session
    new: bool  # False when the same person had already registered for this session


def _pause(attempt: int) -> None:
    time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter, not a secret


def register(
    form: GroupRegistrationForm,
    *,
    repository: GroupRepository,
    settings: GroupSettings,
    secret: Callable[[], bytes],
    now: datetime | None = None,
) -> Registration:
    """A place in the next session, or a place on its waitlist once every place is taken.

    Tries for a place first; only when the counter says the session is full does it join the
    waitlist, which in turn only succeeds while the session is still full. The same person (same
    address, whatever its case) registering again gets the registration they already hold.
    """
    check_group_eligibility(form.identifies_as_bipoc, form.practices_in_bc)
    now = now or clock.now()
    session = next_session(now, settings.group_meets_on_holidays)
    reference = registration_reference(secret(), session.session_id, str(form.email))
    defaults = session_record(session, now, settings.retention_days)
    for attempt in range(ATTEMPTS):
        for status in (GroupStatus.REGISTERED, GroupStatus.WAITLISTED):
            record = registration_record(form, reference, session, status, now, settings.retention_days)
            try:
                repository.add(
                    record,
                    capacity=settings.group_capacity,
                    session_defaults=defaults,
                    waitlisted=status is GroupStatus.WAITLISTED,
                )
            except AlreadyRegistered as held:
                kept = held.current or repository.get(session.session_id, reference)
                return Registration(reference, GroupStatus(kept["status"]), session, new=False)
            except SessionFull:
                continue  # every place is taken: the waitlist
            except PlacesFree:
                break  # a place came free meanwhile: try for it again
            except Conflict:
                break  # another registration touched the session at the same instant
            return Registration(reference, status, session, new=True)
        _pause(attempt)
    raise Conflict("session busy")


def cancel(claims: GroupLinkClaims, *, repository: GroupRepository, now: datetime | None = None) -> str:
    """Give up the place (or the waitlist place) a registration's link names; returns what it was:
    `registered`, `waitlisted`, or `cancelled` when it had already been given up.

    A place given up goes, in the same transaction, to whoever has waited longest. Giving up twice
    changes nothing. Raises `SessionStarted` once the session has begun, `NotFound` for a link to a
    registration that is gone.
    """
    now = now or clock.now()
    if now >= session_of(claims.session_id).start:
        raise SessionStarted(claims.session_id)
    for attempt in range(ATTEMPTS):
        registration = repository.get(claims.session_id, claims.reference)
        status = registration["status"]
        if status == GroupStatus.CANCELLED:
            return str(status)
        promote = repository.first_waitlisted(claims.session_id) if status == GroupStatus.REGISTERED else None
        try:
            repository.give_up(registration, at=clock.iso(now), promote=promote)
        except Conflict:
            _pause(attempt)
            continue
        return str(status)
    raise Conflict("registration busy")


# -- the reminder step of the scheduled sweep -----------------------------------------------------


@dataclass
class ReminderReport:
    """What one sweep did about reminders: `read` counts the sessions it looked at (only the due ones)."""

    read: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # another sweep got there first


def send_due_reminders(repository: GroupRepository, now: datetime) -> ReminderReport:
    """Take the reminder step of every session whose reminder is due, once each.

    Reads only the sparse `reminders-due` index. The step is one conditional write on the session's
    item (`due` → `sent`); the stream consumer then emails everyone holding a place. A sweep that comes
    only after the session has begun marks it `missed` and emails nobody.
    """
    report = ReminderReport()
    for session_id in repository.reminders_due(clock.iso(now)):
        report.read += 1
        outcome = reminder_outcome(session_of(session_id), now)
        if outcome is None:
            report.skipped += 1
            continue
        try:
            repository.mark_reminder(session_id, outcome, clock.iso(now))
        except Conflict:
            report.skipped += 1
            continue
        report.outcomes[outcome] += 1
    return report
