"""Intake: eligibility, and turning a valid request form into the stored record."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from peer_support.core import clock
from peer_support.core.aws_faults import aws_error_code, is_transient
from peer_support.core.errors import Conflict, IdempotencyKeyReused, NotEligible
from peer_support.core.fields import said_no
from peer_support.core.reference import new_reference, reference_for_key
from peer_support.core.settings import get_settings
from peer_support.requests.models import CareerStage, Kind, RequestForm, Status
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.sla import when_awaiting_consent

logger = Logger()

# Random references collide about once in a trillion; a couple of retries make it a non-event.
_COLLISION_RETRIES = 3


@dataclass(frozen=True)
class Receipt:
    reference: str
    status: Status


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


def initial_status(kind: Kind) -> Status:
    """Self requests go straight to matching; a referral first waits for the colleague's consent."""
    return Status.PENDING_CONSENT if kind is Kind.COLLEAGUE else Status.PENDING_MATCH


def fingerprint(form: RequestForm) -> str:
    """A digest of the answers, to tell a retry from a reused Idempotency-Key."""
    return hashlib.sha256(form.model_dump_json().encode()).hexdigest()


def new_record(form: RequestForm, reference: str, submission_hash: str) -> dict[str, Any]:
    """The item stored for a new request, with its first history entry."""
    now = clock.now()
    at = clock.iso(now)
    status = initial_status(form.kind)
    # A referral waits for the administrator to confirm consent: that wait has a deadline too.
    deadline = when_awaiting_consent(now, get_settings()) if status is Status.PENDING_CONSENT else {}
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
            {"at": at, "event": "submitted", "by": "referrer" if form.kind is Kind.COLLEAGUE else "requester"}
        ],
        "submission_hash": submission_hash,
        "last_event": "submitted",
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
    idempotency_key: str | None = None,
    secret: Callable[[], bytes] | None = None,
) -> Receipt:
    """Store a request with one conditional write and return its reference.

    With an `idempotency_key` the reference is derived from the key, so a retry finds the
    item it already wrote: the same answers give the same receipt, other answers raise
    `IdempotencyKeyReused`.
    """
    check_eligibility(form.career_stage, form.practices_in_vancouver)
    digest = fingerprint(form)
    if idempotency_key is not None:
        if secret is None:
            raise ValueError("an idempotency key needs the signing secret")
        digest = hashlib.sha256(f"{idempotency_key}\n{digest}".encode()).hexdigest()
        reference = reference_for_key(secret(), idempotency_key, str(form.requester.email))
        try:
            _store(repository, new_record(form, reference, digest))
        except Conflict as conflict:
            kept = conflict.current or repository.get(reference)
            if kept.get("submission_hash") != digest:
                raise IdempotencyKeyReused(reference) from None
        return Receipt(reference, initial_status(form.kind))

    for _ in range(_COLLISION_RETRIES):
        reference = new_reference()
        try:
            _store(repository, new_record(form, reference, digest))
        except Conflict:
            continue
        return Receipt(reference, initial_status(form.kind))
    raise Conflict("could not allocate a reference")
