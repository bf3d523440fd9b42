"""Intake: eligibility, and turning a valid request form into the stored record."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger

from peer_support.core import clock
from peer_support.core.aws_faults import aws_error_code, is_transient
from peer_support.core.errors import Conflict, IdempotencyKeyReused, NotEligible
from peer_support.core.fields import said_no
from peer_support.core.reference import new_reference, normalise_email, reference_for_key
from peer_support.core.settings import get_settings
from peer_support.requests.models import CareerStage, Kind, RequestForm, Status
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.sla import when_awaiting_confirmation, when_awaiting_consent, when_invited
from peer_support.requests.surge import NO_SURGE, Surge, SurgeCheck
from peer_support.requests.transitions import Transitions

logger = Logger()

# Random references collide about once in a trillion; a couple of retries make it a non-event.
_COLLISION_RETRIES = 3


@dataclass(frozen=True)
class Receipt:
    reference: str
    status: Status
    again: bool = False  # the person's open request, answered again: nothing new was stored


# A person who asks again while their request is open is told its reference again, at most once a day.
TELL_AGAIN_AFTER = timedelta(hours=24)


def check_eligibility(career_stage: object, practices_in_vancouver: object) -> None:
    """Raise `NotEligible` for people the program cannot serve.

    Works on raw answers too, so a resident hears where to go before being asked to fix
    anything else on the form.
    """
    stage = str(career_stage) if career_stage is not None else None
    if stage in (CareerStage.RESIDENT, CareerStage.MEDICAL_STUDENT):
        raise NotEligible(stage)
    if stage == CareerStage.OTHER:
        raise NotEligible("not_practising")
    if said_no(practices_in_vancouver):
        raise NotEligible("not_in_vancouver")


def initial_status(kind: Kind, surge: Surge = NO_SURGE) -> Status:
    """Self requests go straight to matching, or in a surge wait for their sender's confirmation; a
    referral first waits for the colleague's consent (an administrator's step: no surge can pass it)."""
    if kind is Kind.COLLEAGUE:
        return Status.PENDING_CONSENT
    if kind is Kind.REACH_IN:  # nothing is matched until the physician invited says yes
        return Status.INVITED
    return Status.PENDING_CONFIRMATION if surge.held else Status.PENDING_MATCH


def person_key(secret: bytes, form: RequestForm) -> str:
    """A keyed hash naming whom a request stands for: its requester's address, and for a referral the
    colleague's too (a referrer may refer two colleagues). Never an address in clear."""
    who = normalise_email(str(form.requester.email))
    if form.colleague is not None:
        who += "|" + normalise_email(str(form.colleague.email))
    return hmac.new(secret, f"person:{who}".encode(), hashlib.sha256).hexdigest()


def fingerprint(form: RequestForm) -> str:
    """A digest of the answers, to tell a retry from a reused Idempotency-Key."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()


def new_record(
    form: RequestForm,
    reference: str,
    submission_hash: str,
    person: str | None = None,
    surge: Surge = NO_SURGE,
) -> dict[str, Any]:
    """The item stored for a new request, with its first history entry."""
    now = clock.now()
    at = clock.iso(now)
    status = initial_status(form.kind, surge)
    # A referral waits for the administrator to confirm consent, a held request for its sender: both
    # waits have a deadline.
    deadline: dict[str, Any] = {}
    if status is Status.PENDING_CONSENT:
        deadline = when_awaiting_consent(now, get_settings())
    elif status is Status.INVITED:
        deadline = when_invited(now)
    elif status is Status.PENDING_CONFIRMATION:
        deadline = {**when_awaiting_confirmation(now), **({"surge_alert": True} if surge.starts_now else {})}
    answers = form.model_dump(mode="json", exclude_none=True)
    return {
        **answers,
        "request_id": reference,
        "status": status.value,
        "version": 1,
        "created_at": at,
        "updated_at": at,
        "excluded_supporters": [],
        "history": [
            {"at": at, "event": "submitted", "by": "requester" if form.kind is Kind.SELF else "referrer"}
        ],
        "submission_hash": submission_hash,
        "last_event": "submitted",
        "told_at": at,  # when the person was last sent their reference
        **({"requester_key": person} if person else {}),
        **deadline,
    }


def _store(repository: RequestsRepository, record: dict[str, Any]) -> None:
    """Write the new request; if AWS throttles or cannot be reached, say which request was not stored
    (its reference: with an Idempotency-Key the retry stores the same one) before the error goes on."""
    try:
        repository.create(record)
    except Exception as error:
        if is_transient(error):
            logger.warning(
                "request not stored",
                extra={"reference": record["request_id"], "error_code": aws_error_code(error)},
            )
        raise


def submit_request(
    form: RequestForm,
    *,
    repository: RequestsRepository,
    transitions: Transitions,
    secret: Callable[[], bytes],
    idempotency_key: str | None = None,
    surge: SurgeCheck = lambda _: NO_SURGE,
) -> Receipt:
    """Store a request with one conditional write and return its reference.

    One open request per person: someone who already has one is answered with it (and told its
    reference again, at most once a day), and nothing new is stored. With an `idempotency_key` the
    reference is derived from the key and the requester's address, so a retry finds the item it
    already wrote: the same answers give the same receipt, other answers raise `IdempotencyKeyReused`.
    In a surge (`surge`), a new self request waits for its sender's confirmation.
    """
    check_eligibility(form.career_stage, form.practices_in_vancouver)
    key = secret()
    person = person_key(key, form)
    keyed = reference_for_key(key, idempotency_key, str(form.requester.email)) if idempotency_key else None
    digest = fingerprint(form)
    if keyed is not None:
        digest = hashlib.sha256(f"{idempotency_key}\n{digest}".encode()).hexdigest()
    held = repository.open_request_of(person)
    if held is not None:
        # The request this key stored already (a retry), or the person's open request.
        return _retried(held, digest) if held["request_id"] == keyed else _answer_again(held, transitions)
    state = surge(clock.now()) if form.kind is Kind.SELF else NO_SURGE
    if keyed is not None:
        try:
            _store(repository, new_record(form, keyed, digest, person, state))
        except Conflict as conflict:
            return _retried(conflict.current or repository.get(keyed), digest)
        return Receipt(keyed, initial_status(form.kind, state))

    for _ in range(_COLLISION_RETRIES):
        reference = new_reference()
        try:
            _store(repository, new_record(form, reference, digest, person, state))
        except Conflict:
            continue
        return Receipt(reference, initial_status(form.kind, state))
    raise Conflict("could not allocate a reference")


def _retried(kept: dict[str, Any], digest: str) -> Receipt:
    """The same receipt for a retry with the same answers; `IdempotencyKeyReused` for other answers."""
    if kept.get("submission_hash") != digest:
        raise IdempotencyKeyReused(kept["request_id"])
    if kept.get("kind") == Kind.REACH_IN:  # as in `_answer_again`: never the invitation's answer
        return Receipt(kept["request_id"], Status.INVITED)
    return Receipt(kept["request_id"], Status(kept["status"]))


def _answer_again(held: dict[str, Any], transitions: Transitions) -> Receipt:
    """The person's open request, as it stands. Its reference is sent to them again if they were last
    told more than a day ago (a change of state; a lost race to another change is no matter)."""
    now = clock.now()
    told = held.get("told_at") or held["created_at"]
    if now - clock.parse_iso(told) >= TELL_AGAIN_AFTER:
        with contextlib.suppress(Conflict):
            transitions.move(
                held["request_id"],
                version=int(held["version"]),
                current=str(held["status"]),
                event="submitted_again",
                at=clock.iso(now),
                set_values={"told_at": clock.iso(now)},
            )
    if held.get("kind") == Kind.REACH_IN:
        # Its referrer learns only that the invitation was sent, never the answer (nor its state).
        return Receipt(held["request_id"], Status.INVITED, again=True)
    return Receipt(held["request_id"], Status(held["status"]), again=True)
