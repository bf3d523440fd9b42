"""The sending end of the outbox (the tables' streams): one email to a real address, sent exactly once
under a stream's at-least-once delivery. The Powertools idempotency and the send itself (logged and
counted, a refused address told apart) that the Requests emails (`delivery`) and the group's
(`group_delivery`) have in common; who gets which email, what it says and what a refused address leads
to stay with each of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.mailer import Envelope, PermanentSendError, send_email
from peer_support.settings import NotifySettings
from peer_support.templates import render_email

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

logger = Logger()
metrics = Metrics()

# How long a sent email is remembered: longer than any stream record can be retried.
REMEMBER_SENT_SECONDS = 7 * 24 * 3600

# Called as `deliver(delivery={...})`; answers what is remembered of the send.
Deliver = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Recipient:
    role: str
    address: str


class ExactlyOnce(NamedTuple):
    config: IdempotencyConfig
    deliver: Deliver


def exactly_once(deliver: Callable[[dict[str, Any]], dict[str, Any]], key: str, table: str) -> ExactlyOnce:
    """`deliver` wrapped in Powertools idempotency on `table`: it runs once for each value of `key` (a
    JMESPath over its `delivery` argument), and a repeat is answered with what the first call returned.

    Powertools names each stored record after `deliver`'s module and name as well as the key, so moving
    or renaming `deliver` would forget every email already sent.
    """
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from peer_support.repository import dynamodb_client

    config = IdempotencyConfig(
        event_key_jmespath=key,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=REMEMBER_SENT_SECONDS,
        hash_function="sha256",  # the key holds an address; only its digest is stored
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client())
    wrapped = idempotent_function(
        data_keyword_argument="delivery", persistence_store=persistence, config=config
    )(deliver)
    return ExactlyOnce(config, wrapped)


class _InvocationEnded:
    """The Lambda context Powertools idempotency is given: it reads only the time left, to decide how
    long an email stays "in progress" if the invocation never finishes it."""

    def get_remaining_time_in_millis(self) -> int:
        # No time at all. A stream shard's records go to one invocation at a time (a partition key's, in
        # order, even with a parallelization factor), so when a record comes back the invocation that left
        # its email in progress has ended: crashed, killed or out of memory. Holding the email until that
        # invocation's deadline would only fail the retries meanwhile, until the record was given up to
        # the on-failure queue with its email unsent.
        return 0


def hold_only_during_the_invocation(config: IdempotencyConfig) -> None:
    """Let a record that comes back retry an email its earlier, ended invocation left in progress."""
    config.register_lambda_context(_InvocationEnded())  # type: ignore[arg-type]


def send(delivery: dict[str, Any], settings: NotifySettings, reference: str, metric: str) -> dict[str, Any]:
    """Render `delivery`'s email and send it: `{"status": "sent", "message_id": …}`, or
    `{"status": "undeliverable"}` when SES refuses the address for good (kept off the shard; the caller
    says who is told). Either way it is logged with `reference` and the recipient's role, never the
    address, and counted as `<metric>Sent` or `<metric>Undeliverable`."""
    email = render_email(delivery["kind"], **delivery["context"])
    envelope = Envelope(settings.sender_email, delivery["to"], settings.program_name)
    log = {"reference": reference, "email_kind": delivery["kind"], "recipient_role": delivery["role"]}
    try:
        message_id = send_email(envelope, email, settings.configuration_set)
    except PermanentSendError as error:
        logger.warning("email undeliverable", extra={**log, "code": error.code})
        metrics.add_metric(name=f"{metric}Undeliverable", unit=MetricUnit.Count, value=1)
        return {"status": "undeliverable"}
    logger.info("email sent", extra=log)
    metrics.add_metric(name=f"{metric}Sent", unit=MetricUnit.Count, value=1)
    return {"status": "sent", "message_id": message_id}
