"""Registering for the BIPOC group's next session and giving up a place: who may register, under which
reference, the items a registration writes, and the conditional writes on the group's own table (see
`GroupRepository`). The emails follow from its stream, never from here.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from peer_support.core import clock
from peer_support.core.errors import Conflict, NotEligible
from peer_support.core.fields import said_no
from peer_support.core.program import GROUP_PREFIX
from peer_support.core.reference import keyed_reference, normalise_email
from peer_support.group.models import (
    KIND_REGISTRATION,
    KIND_SESSION,
    REMINDER_DUE,
    REMINDER_NOT_NEEDED,
    WAITLIST_FIELD,
    AlreadyRegistered,
    CountsMoved,
    GroupRegistrationForm,
    GroupStatus,
    SessionStarted,
)
from peer_support.group.repository import GroupRepository
from peer_support.group.sessions import Session, next_session, session_of
from peer_support.group.settings import GroupSettings
from peer_support.links.tokens import GroupLinkClaims

# Transactions on the same session that land at the same instant are refused by DynamoDB
# (TransactionConflict); a few jittered retries make that invisible to the person registering.
ATTEMPTS = 8
# Every refusal because the counts moved means another registration went through, so a try is never
# wasted; this bounds them for a session taken by storm (a place each for everyone before).
MAX_TRIES = 64
# Registering again sends the email again, at most this often, so nobody's inbox can be flooded with it.
RESEND_AFTER = timedelta(minutes=10)
# Retry jitter only spreads retries apart; it guards nothing, but costs nothing to draw from the OS.
_jitter = random.SystemRandom()


# -- who may register, and under which reference -------------------------------------------------


def check_group_eligibility(identifies_as_bipoc: object, practices_in_bc: object) -> None:
    """Raise `NotEligible` for someone the group is not for. Works on raw answers too, so a "no" is
    answered kindly before anything else on the form is asked to change. Nothing is stored."""
    if said_no(identifies_as_bipoc):
        raise NotEligible("not_bipoc")
    if said_no(practices_in_bc):
        raise NotEligible("not_in_bc")


def registration_reference(secret: bytes, session_id: str, email: str) -> str:
    """`GR-7K3M-9QXD`: the reference, and key, of one person's registration for one session.

    Keyed with the server's secret, so the same person registering twice lands on the same item, while
    the key reveals nothing of the address and cannot be computed by anyone else.
    """
    message = f"group:{session_id}:{normalise_email(email)}".encode()
    return keyed_reference(secret, message, prefix=GROUP_PREFIX)


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
        "updated_at": clock.iso(now),
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
        "remind_at": clock.iso(session.reminder_at),
        # Someone registering after noon on the day has just been told everything: no reminder.
        "reminder": REMINDER_DUE if now < session.reminder_at else REMINDER_NOT_NEEDED,
        "purge_at": purge_time(session, retention_days),
    }


# -- registering and giving up --------------------------------------------------------------------


@dataclass(frozen=True)
class Registration:
    reference: str
    status: GroupStatus
    session: Session
    new: bool  # False when the same person had already registered for this session
    emailed: bool = True  # False: registered again so soon after the last email that it is not sent again


def _pause(attempt: int) -> None:
    time.sleep(_jitter.uniform(0, 0.02 * 2**attempt))


def register(
    form: GroupRegistrationForm,
    *,
    repository: GroupRepository,
    settings: GroupSettings,
    secret: Callable[[], bytes],
    now: datetime | None = None,
) -> Registration:
    """A place in the next session, or a place on its waitlist once every place is taken.

    Reads the session's counts once; each write then changes them only if they still stand, so the
    numbers a registration keeps (and the facilitator is told) are exactly its own. When they moved
    meanwhile, the refusal brings the counts as they are now and the next try uses them. The same
    person (same address, whatever its case) registering again gets the registration they already hold,
    and its email again (they most likely cannot find it: its links are how to join and to give the
    place up), unless the last one went out less than RESEND_AFTER ago.
    """
    check_group_eligibility(form.identifies_as_bipoc, form.practices_in_bc)
    now = now or clock.now()
    session = next_session(now, settings.group_meets_on_holidays)
    reference = registration_reference(secret(), session.session_id, str(form.email))
    defaults = session_record(session, now, settings.retention_days)
    seen, busy = repository.counts(session.session_id), 0
    for _ in range(MAX_TRIES):
        full = seen is not None and seen.registered >= settings.group_capacity
        status = GroupStatus.WAITLISTED if full else GroupStatus.REGISTERED
        record = registration_record(form, reference, session, status, now, settings.retention_days)
        try:
            repository.add(record, capacity=settings.group_capacity, session_defaults=defaults, seen=seen)
        except AlreadyRegistered as held:
            kept = held.current or repository.get(session.session_id, reference)
            emailed = repository.resend(
                kept, at=clock.iso(now), last_sent_before=clock.iso(now - RESEND_AFTER)
            )
            return Registration(reference, GroupStatus(kept["status"]), session, new=False, emailed=emailed)
        except CountsMoved as moved:
            seen = moved.counts  # someone else registered or left meanwhile: try with the counts as they are
            continue
        except Conflict:  # another registration touched the session at the same instant
            busy += 1
            if busy == ATTEMPTS:
                break
            _pause(busy)
            seen = repository.counts(session.session_id)
            continue
        return Registration(reference, status, session, new=True)
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
