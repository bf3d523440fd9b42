"""Turning notices into emails to real addresses, each sent exactly once per
(request, version, kind, recipient) under the stream's at-least-once delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support import clock
from peer_support.deadlines import human_date
from peer_support.mailer import Envelope, PermanentSendError, send_email
from peer_support.notifications import Notice, parse_time
from peer_support.repository import RequestsRepository, SupportersRepository
from peer_support.settings import NotifySettings, get_notify_settings
from peer_support.signing import Role, issue_link, signing_key
from peer_support.templates import render_email

logger = Logger()
metrics = Metrics()

# How long a sent email is remembered: longer than any stream record can be retried.
REMEMBER_SENT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Recipient:
    role: str
    address: str


def recipients(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
    if notice.role == "admin":
        return [Recipient("administrator", address) for address in settings.admin_emails]
    if notice.role in ("requester", "colleague"):
        person = item.get(notice.role) or {}
        return [Recipient(notice.role, person["email"])] if person.get("email") else []
    if notice.role == "supporter" and notice.supporter_id:
        supporter = SupportersRepository(settings.supporters_table).find(notice.supporter_id)
        return [Recipient("supporter", supporter.email)] if supporter else []
    return []


def link(settings: NotifySettings, request_id: str, role: Role, holder: str) -> str:
    token = issue_link(
        request_id, role, holder, clock.now(), timedelta(days=settings.link_ttl_days), signing_key()
    )
    return f"{settings.public_base_url}/actions/{token}"


def email_context(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> dict[str, Any]:
    request_id = item["request_id"]
    context: dict[str, Any] = {
        "program_name": settings.program_name,
        "reference": request_id,
        **notice.context,
    }
    if item.get("contact_due_at"):
        context["contact_due"] = human_date(parse_time(item["contact_due_at"]))
    if notice.role in ("requester", "colleague"):
        # The referrer's link and the colleague's differ: once consent is given, it is the colleague's.
        context["withdraw_url"] = link(settings, request_id, "requester", notice.role)
    elif notice.role == "supporter" and notice.kind != "case_moved" and notice.supporter_id:
        context["case_url"] = link(settings, request_id, "supporter", notice.supporter_id)
    elif notice.role == "admin":
        context["action_url"] = link(settings, request_id, "admin", "admin")
        context["waiting_since"] = human_date(parse_time(item.get("updated_at") or item["created_at"]))
    return context


@cache
def _exactly_once() -> Any:
    """`deliver` wrapped in Powertools idempotency, keyed on (request, version, kind, recipient)."""
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from peer_support.repository import dynamodb_client

    settings = get_notify_settings()
    config = IdempotencyConfig(
        event_key_jmespath="[request_id, version, kind, to]",
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
    settings = get_notify_settings()
    email = render_email(delivery["kind"], **delivery["context"])
    envelope = Envelope(settings.sender_email, delivery["to"], settings.program_name)
    try:
        message_id = send_email(envelope, email, settings.configuration_set)
    except PermanentSendError as error:
        # Kept off the shard: record it on the request (role only, never the address) and tell the admin.
        logger.warning(
            "email undeliverable",
            extra={
                "reference": delivery["request_id"],
                "email_kind": delivery["kind"],
                "code": error.code,
                "recipient_role": delivery["role"],
            },
        )
        metrics.add_metric(name="EmailsUndeliverable", unit=MetricUnit.Count, value=1)
        RequestsRepository(settings.requests_table).note(
            delivery["request_id"],
            clock.iso(clock.now()),
            "email_undeliverable",
            "system",
            recipient_role=delivery["role"],
        )
        if delivery["role"] != "administrator":
            alert = Notice("email_undeliverable", "admin", {"recipient_role": delivery["role"]})
            item = {"request_id": delivery["request_id"], "created_at": clock.iso(clock.now())}
            send_notice(alert, item, int(delivery["version"]))
        return {"status": "undeliverable"}
    logger.info(
        "email sent",
        extra={
            "reference": delivery["request_id"],
            "email_kind": delivery["kind"],
            "recipient_role": delivery["role"],
        },
    )
    metrics.add_metric(name="EmailsSent", unit=MetricUnit.Count, value=1)
    return {"status": "sent", "message_id": message_id}


def send_notice(notice: Notice, item: dict[str, Any], version: int) -> None:
    """Send `notice` to each of its recipients, once each whatever the redeliveries."""
    settings = get_notify_settings()
    _, deliver = _exactly_once()
    context = email_context(notice, item, settings)
    for recipient in recipients(notice, item, settings):
        deliver(
            delivery={
                "request_id": item["request_id"],
                "version": version,
                "kind": notice.kind,
                "to": recipient.address,
                "role": recipient.role,
                "context": context,
            },
        )
