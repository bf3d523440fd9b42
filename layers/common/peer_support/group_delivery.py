"""The group's emails to real addresses, each sent exactly once per (registration, version, kind,
recipient) under the stream's at-least-once delivery: the same `outbox` as `delivery`, in a namespace of
its own."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger

from peer_support import outbox
from peer_support.group import describe, session_of
from peer_support.group_notifications import GroupNotice
from peer_support.outbox import Recipient
from peer_support.repository import GroupRepository
from peer_support.settings import GroupNotifySettings, get_group_notify_settings
from peer_support.signing import issue_group_link, signing_key

logger = Logger()

# The emails that tell a registrant how to join (a place is theirs).
JOINING = frozenset({"group_registered", "group_promoted", "group_reminder"})


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
def _exactly_once() -> outbox.ExactlyOnce:
    """`_deliver` wrapped in Powertools idempotency, keyed on (registration, version, kind, recipient)."""
    table = get_group_notify_settings().idempotency_table
    return outbox.exactly_once(_deliver, "[registration, version, kind, to]", table)


def idempotency_config() -> Any:
    return _exactly_once().config


def _deliver(delivery: dict[str, Any]) -> dict[str, Any]:
    settings = get_group_notify_settings()
    reference = delivery["context"]["reference"]
    result = outbox.send(delivery, settings, reference=reference, metric="GroupEmails")
    if result["status"] == "undeliverable" and delivery["role"] != "administrator":
        # The administrator is told which registration (never the address).
        alert = GroupNotice("group_undeliverable", "admin", {"recipient_role": delivery["role"]})
        _send(alert, delivery["item"], int(delivery["version"]), settings)
    return result


def _send(notice: GroupNotice, item: dict[str, Any], version: int, settings: GroupNotifySettings) -> None:
    deliver = _exactly_once().deliver
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
