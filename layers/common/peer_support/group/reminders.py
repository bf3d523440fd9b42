"""The group's day-of reminder: the step the scheduled sweep takes for each session at noon on its day.
The step is one conditional write on the session's item; the emails follow from the table's stream."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from peer_support.core import clock
from peer_support.core.errors import Conflict
from peer_support.group.models import REMINDER_MISSED, REMINDER_SENT
from peer_support.group.repository import GroupRepository
from peer_support.group.sessions import Session, session_of


def reminder_outcome(session: Session, now: datetime) -> str | None:
    """What the reminder step does for a session whose reminder is due: send it, or (once the session
    has begun) let it go. None before noon on the day."""
    if now < session.reminder_at:
        return None
    return REMINDER_SENT if now < session.start else REMINDER_MISSED


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
