"""Stream consumers: each takes one DynamoDB stream record (of the Requests table, or the group's).

Powertools' batch processor reports the records that failed, so Lambda retries only those
(and the ones after them on the shard) instead of the whole batch.

Four functions import this module, and each needs only its own path: what a consumer uses is
imported when it first runs, so `notify` never loads matching, nor `match` the email machinery, nor
`count` either.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from peer_support.core.aws_faults import aws_error_code
from peer_support.core.dynamodb import plain
from peer_support.core.log_privacy import withhold_personal_data

logger = Logger()
withhold_personal_data()


class _Processor(BatchProcessor):
    def failure_handler(self, record: Any, exception: Any) -> Any:
        # Say which item failed and how (its key, the error's type and the AWS error code behind it: never
        # the message, which can quote a person's data), so the on-failure queue's alarm leads somewhere.
        keys = plain(record.dynamodb.keys) if getattr(record, "dynamodb", None) else {}
        fault = {"error_type": exception[0].__name__, "error_code": aws_error_code(exception[1])}
        logger.error("stream record failed", extra={"keys": keys, **fault})
        return super().failure_handler(record, exception)


# Report every failed record, even when all of them failed, rather than failing the invocation: Lambda
# then retries from the first failure, and the function's error metric stays for real faults.
def processor() -> BatchProcessor:
    """A batch processor per invocation: it keeps the batch's state, which no two functions may share."""
    return _Processor(event_type=EventType.DynamoDBStreams, raise_on_entire_batch_failure=False)


def _each_record(
    event: dict[str, Any], context: Any, handler: Callable[[DynamoDBRecord], None]
) -> dict[str, Any]:
    """Run `handler` on every record of the batch; the answer names the ones that failed."""
    return dict(
        process_partial_response(event=event, record_handler=handler, processor=processor(), context=context)
    )


def new_image(record: DynamoDBRecord) -> dict[str, Any]:
    """The item as the change left it, with plain Python numbers."""
    image: dict[str, Any] = plain(record.dynamodb.new_image if record.dynamodb else {}) or {}
    return image


def old_image(record: DynamoDBRecord) -> dict[str, Any] | None:
    """The item before the change; None for a new item."""
    if record.dynamodb is None or record.dynamodb.old_image is None:
        return None
    image: dict[str, Any] = plain(record.dynamodb.old_image)
    return image


def handle_match(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `match` function: a supporter for every request that waits for one (the roster is read once
    per batch)."""
    from peer_support.core.settings import get_settings
    from peer_support.requests.assignment import RosterSnapshot, assign_supporter
    from peer_support.requests.transitions import Transitions
    from peer_support.supporters.repository import SupportersRepository

    settings = get_settings()
    roster = RosterSnapshot(SupportersRepository(settings.supporters_table))
    transitions = Transitions(settings.requests_table, settings.supporters_table)

    def match_record(record: DynamoDBRecord) -> None:
        assign_supporter(new_image(record), roster=roster, transitions=transitions, settings=settings)

    return _each_record(event, context, match_record)


def notify_record(record: DynamoDBRecord) -> None:
    from peer_support.requests.delivery import sender
    from peer_support.requests.notices import notices_for
    from peer_support.requests.reach_in import addressed

    old, new = old_image(record), new_image(record)
    for notice in notices_for(old, new):
        sender.send(notice, addressed(old, new), int(new["version"]))


def handle_notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `notify` function: the messages each committed change calls for, each sent once."""
    from peer_support.notifications.outbox import hold_only_during_the_invocation
    from peer_support.notifications.settings import get_notify_settings
    from peer_support.requests.delivery import sender, use_supporter_addresses
    from peer_support.supporters.repository import SupportersRepository

    supporters = SupportersRepository(get_notify_settings().supporters_table)
    # One read per supporter for the batch: an urgent page goes by email and SMS from the same entry.
    find = functools.cache(supporters.find)

    def supporter_address(supporter_id: str) -> str | None:
        found = find(supporter_id)
        return found.email if found else None

    def supporter_number(supporter_id: str) -> str | None:
        found = find(supporter_id)
        return found.phone if found else None

    use_supporter_addresses(supporter_address, supporter_number)
    hold_only_during_the_invocation(sender.exactly_once().config)
    return _each_record(event, context, notify_record)


def group_notify_record(record: DynamoDBRecord) -> None:
    from peer_support.group.delivery import send_reminders, sender
    from peer_support.group.notices import notices_for, reminder_taken

    old, new = old_image(record), new_image(record)
    if reminder_taken(old, new):
        send_reminders(new)
        return
    for notice in notices_for(old, new):
        sender.send(notice, new, int(new["version"]))


def handle_group_notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `group_notify` function: the BIPOC group's emails (Group table stream), each sent once."""
    from peer_support.group.delivery import sender
    from peer_support.notifications.outbox import hold_only_during_the_invocation

    hold_only_during_the_invocation(sender.exactly_once().config)
    return _each_record(event, context, group_notify_record)


def supporter_notify_record(record: DynamoDBRecord) -> None:
    from peer_support.supporters.delivery import sender
    from peer_support.supporters.notices import notices_for

    new = new_image(record)
    for notice in notices_for(old_image(record), new):
        sender.send(notice, new, int(new["version"]))


def handle_supporter_notify(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `supporter_notify` function: the emails a supporter's own changes, a debrief asked for and a
    training reminder call for (Supporters table stream), each sent once."""
    from peer_support.notifications.outbox import hold_only_during_the_invocation
    from peer_support.supporters.delivery import sender

    hold_only_during_the_invocation(sender.exactly_once().config)
    return _each_record(event, context, supporter_notify_record)


def handle_count(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `count` function: each committed change adds to its month's anonymous counts, once."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    from peer_support.core import clock
    from peer_support.links.keys import signing_key
    from peer_support.reports.counting import METRICS, count_change
    from peer_support.reports.monthly import MonthlyCounters
    from peer_support.reports.settings import get_count_settings

    settings = get_count_settings()
    counters = MonthlyCounters(settings.counters_table, settings.idempotency_table)
    key = signing_key()

    metrics = Metrics()

    def count_record(record: DynamoDBRecord) -> None:
        added = count_change(
            old_image(record), new_image(record), counters, key, int(clock.now().timestamp())
        )
        for measure, count in (added or {}).items():
            if measure in METRICS:
                metrics.add_metric(name=METRICS[measure], unit=MetricUnit.Count, value=count)

    return _each_record(event, context, count_record)
