"""The group's emails to real addresses, each sent exactly once per (registration, version, kind,
recipient) under the stream's at-least-once delivery: the same Powertools idempotency as `delivery`,
in a namespace of its own."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.group import describe, session_of
from peer_support.group_notifications import GroupNotice
from peer_support.mailer import Envelope, PermanentSendError, send_email
from peer_support.repository import GroupRepository
from peer_support.settings import GroupNotifySettings, get_group_notify_settings
from peer_support.signing import issue_group_link, signing_key
from peer_support.templates import render_email

logger = Logger()
metrics = Metrics()

# How long a sent email is remembered: longer than any stream record can be retried.
REMEMBER_SENT_SECONDS = 7 * 24 * 3600

# The emails that tell a registrant how to join (a place is theirs).
JOINING = frozenset({"group_registered", "group_promoted", "group_reminder"})


@dataclass(frozen=True)
class Recipient:
    role: str
    address: str


def recipients(notice: GroupNotice, item: dict[str, Any], settings: GroupNotifySettings) -> list[Recipient]:
    if notice.role == "registrant":
        return [Recipient("registrant", item["email"])] if item.get("email") else []
    if notice.role == "facilitator":
        return [Recipient("facilitator", settings.facilitator_email)]
    if notice.role == "admin":
        return [Recipient("administrator", address) for address in settings.admin_emails]
    return []


def cancel_url(settings: GroupNotifySettings, item: dict[str, Any]) -> str:
    """The registrant's own link to give up their place; it works until the session ends."""
    session = session_of(item["session_id"])
    token = issue_group_link(item["session_id"], item["reference"], session.end, signing_key())
    return f"{settings.public_base_url}/group-registrations/{token}"


def email_context(notice: GroupNotice, item: dict[str, Any], settings: GroupNotifySettings) -> dict[str, Any]:
    """What the email's template reads: the session's date and time, and each recipient only what
    they need (the registrant their links, the facilitator a name and the session's numbers)."""
    words = describe(session_of(item["session_id"]))
    context: dict[str, Any] = {
        "program_name": settings.program_name,
        "reference": item["reference"],
        "session_date": words["date"],
        "session_time": words["time"],
        **notice.context,
    }
    if notice.role == "registrant":
        context["cancel_url"] = cancel_url(settings, item)
        if notice.kind in JOINING:
            context["join_url"] = settings.group_join_url
    elif notice.role == "facilitator":
        counts = GroupRepository(settings.group_table).session(item["session_id"]) or {}
        context.update(
            registrant_name=item["name"],
            registered_count=int(counts.get("registered_count", 0)),
            waitlisted_count=int(counts.get("waitlisted_count", 0)),
            capacity=settings.group_capacity,
        )
    return context


@cache
def _exactly_once() -> Any:
    """`deliver` wrapped in Powertools idempotency, keyed on (registration, version, kind, recipient)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from peer_support.repository import dynamodb_client

    settings = get_group_notify_settings()
    config = IdempotencyConfig(
        event_key_jmespath="[registration, version, kind, to]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=REMEMBER_SENT_SECONDS,
        hash_function="sha256",  # the key holds an address; only its digest is stored
    )
    persistence = DynamoDBPersistenceLayer(
        table_name=settings.idempotency_table, boto3_client=dynamodb_client()
    )
    return config, idempotent_function(
        data_keyword_argument="delivery", persistence_store=persistence, config=config
    )(_deliver)


def idempotency_config() -> Any:
    config, _ = _exactly_once()
    return config


def _deliver(delivery: dict[str, Any]) -> dict[str, Any]:
    settings = get_group_notify_settings()
    email = render_email(delivery["kind"], **delivery["context"])
    envelope = Envelope(settings.sender_email, delivery["to"], settings.program_name)
    log = {
        "reference": delivery["context"]["reference"],
        "email_kind": delivery["kind"],
        "recipient_role": delivery["role"],
    }
    try:
        message_id = send_email(envelope, email, settings.configuration_set)
    except PermanentSendError as error:
        # Kept off the shard: the administrator is told which registration (never the address).
        logger.warning("email undeliverable", extra={**log, "code": error.code})
        metrics.add_metric(name="GroupEmailsUndeliverable", unit=MetricUnit.Count, value=1)
        if delivery["role"] != "administrator":
            alert = GroupNotice("group_undeliverable", "admin", {"recipient_role": delivery["role"]})
            _send(alert, delivery["item"], int(delivery["version"]), settings)
        return {"status": "undeliverable"}
    logger.info("email sent", extra=log)
    metrics.add_metric(name="GroupEmailsSent", unit=MetricUnit.Count, value=1)
    return {"status": "sent", "message_id": message_id}


def _send(notice: GroupNotice, item: dict[str, Any], version: int, settings: GroupNotifySettings) -> None:
    _, deliver = _exactly_once()
    context = email_context(notice, item, settings)
    # An alert about this email, should it bounce, needs the registration's keys and nothing personal.
    keys = {"session_id": item["session_id"], "reference": item["reference"]}
    for recipient in recipients(notice, item, settings):
        deliver(
            delivery={
                "registration": f"{item['session_id']}/{item['reference']}",
                "version": version,
                "kind": notice.kind,
                "to": recipient.address,
                "role": recipient.role,
                "context": context,
                "item": keys,
            },
        )


def send_group_notice(notice: GroupNotice, item: dict[str, Any], version: int) -> None:
    """Send `notice` about a registration to each of its recipients, once each whatever the redeliveries."""
    _send(notice, item, version, get_group_notify_settings())


def send_reminders(session_item: dict[str, Any]) -> int:
    """Remind everyone holding a place in the session (never the waitlist); returns how many.

    Keyed on the session's version at the reminder step, so a redelivered record reminds nobody twice.
    """
    settings = get_group_notify_settings()
    version = int(session_item["version"])
    reminded = 0
    for registration in GroupRepository(settings.group_table).registered(session_item["session_id"]):
        _send(GroupNotice("group_reminder", "registrant"), registration, version, settings)
        reminded += 1
    logger.info("group reminders", extra={"session_id": session_item["session_id"], "reminded": reminded})
    return reminded
