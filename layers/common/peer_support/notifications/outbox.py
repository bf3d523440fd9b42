"""The sending end of the outbox (the tables' streams): one message to a real recipient, sent exactly
once under a stream's at-least-once delivery, whatever its channel. Powertools idempotency remembers
each send; the send itself is logged and counted, and a refused address is told apart."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.notifications.channels import PermanentSendError, channel
from peer_support.notifications.settings import NotifySettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

logger = Logger()
metrics = Metrics()

# How long a sent message is remembered: longer than any stream record can be retried.
REMEMBER_SENT_SECONDS = 7 * 24 * 3600

# Called as `deliver(delivery={...})`; answers what is remembered of the send.
Deliver = Callable[..., dict[str, Any]]


class ExactlyOnce(NamedTuple):
    config: IdempotencyConfig
    deliver: Deliver


def exactly_once(
    deliver: Callable[[dict[str, Any]], dict[str, Any]], key: str, table: str, name: str
) -> ExactlyOnce:
    """`deliver` wrapped in Powertools idempotency on `table`: it runs once for each value of `key` (a
    JMESPath over its `delivery` argument), and a repeat is answered with what the first call returned.

    Each stored record is named `<function name>.<name>#<hash of the key>`. Powertools would name it
    after `deliver`'s module and qualified name; `name` pins it, so that moving or renaming the code
    never forgets a message already sent.
    """
    from aws_lambda_powertools.shared.constants import LAMBDA_FUNCTION_NAME_ENV
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    from peer_support.core.dynamodb import dynamodb_client

    config = IdempotencyConfig(
        event_key_jmespath=key,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=REMEMBER_SENT_SECONDS,
        hash_function="sha256",  # the key holds an address; only its digest is stored
    )
    persistence = DynamoDBPersistenceLayer(table_name=table, boto3_client=dynamodb_client())
    wrapped = idempotent_function(
        data_keyword_argument="delivery",
        persistence_store=persistence,
        config=config,
        # As Powertools names a record by default (`function.module.qualname`), with the name fixed.
        key_prefix=f"{os.getenv(LAMBDA_FUNCTION_NAME_ENV, 'test-func')}.{name}",
    )(deliver)
    return ExactlyOnce(config, wrapped)


class _InvocationEnded:
    """The Lambda context Powertools idempotency is given: it reads only the time left, to decide how
    long a message stays "in progress" if the invocation never finishes it."""

    def get_remaining_time_in_millis(self) -> int:
        # No time at all. A stream shard's records go to one invocation at a time (a partition key's, in
        # order, even with a parallelization factor), so when a record comes back the invocation that left
        # its message in progress has ended: crashed, killed or out of memory. Holding the message until
        # that invocation's deadline would only fail the retries meanwhile, until the record was given up
        # to the on-failure queue with its message unsent.
        return 0


def hold_only_during_the_invocation(config: IdempotencyConfig) -> None:
    """Let a record that comes back retry a message its earlier, ended invocation left in progress."""
    config.register_lambda_context(_InvocationEnded())  # type: ignore[arg-type]


def send(delivery: dict[str, Any], settings: NotifySettings, metric_prefix: str = "") -> dict[str, Any]:
    """Send `delivery`'s message by its channel: `{"status": "sent", "message_id": …}`, or
    `{"status": "undeliverable"}` when the channel refuses the address for good (kept off the shard; the
    caller says who is told). Either way it is logged with the message's reference and the recipient's
    role, never the address, and counted as `<prefix><channel metric>Sent` or `…Undeliverable`."""
    by = channel(delivery.get("channel", "email"))
    metric = f"{metric_prefix}{by.metric}"
    log: dict[str, Any] = {
        "reference": delivery["context"]["reference"],
        f"{by.name}_kind": delivery["kind"],
        "recipient_role": delivery["role"],
        # What a message about no request is about: a supporter (by id), or the week of a digest.
        **{key: delivery[key] for key in ("supporter_id", "week") if key in delivery},
    }
    try:
        message_id = by.send(delivery["kind"], delivery["context"], delivery["to"], settings)
    except PermanentSendError as error:
        logger.warning(f"{by.name} undeliverable", extra={**log, "code": error.code})
        metrics.add_metric(name=f"{metric}Undeliverable", unit=MetricUnit.Count, value=1)
        return {"status": "undeliverable"}
    logger.info(f"{by.name} sent", extra=log)
    metrics.add_metric(name=f"{metric}Sent", unit=MetricUnit.Count, value=1)
    return {"status": "sent", "message_id": message_id}
