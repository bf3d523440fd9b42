"""The group's notices as messages: who holds each role, what each message says, and what a refused
address leads to. Sent exactly once each by `notifications.delivery`, in a namespace of their own."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from peer_support.group.models import COUNTS_FIELD, SessionCounts
from peer_support.group.repository import GroupRepository
from peer_support.group.sessions import describe, session_of
from peer_support.group.settings import GroupNotifySettings, get_group_notify_settings
from peer_support.links.keys import signing_key
from peer_support.links.tokens import issue_group_link
from peer_support.notifications.channels import Recipient
from peer_support.notifications.delivery import Sender, administrators
from peer_support.notifications.notice import Notice

logger = Logger()

# The emails that tell a registrant how to join (a place is theirs).
JOINING = frozenset({"group_registered", "group_promoted", "group_reminder"})


def recipients(notice: Notice, item: dict[str, Any], settings: GroupNotifySettings) -> list[Recipient]:
    if notice.role == "registrant":
        return [Recipient("registrant", item["email"])] if item.get("email") else []
    if notice.role == "facilitator":
        return [Recipient("facilitator", settings.facilitator_email)]
    if notice.role == "admin":
        return administrators(settings)
    return []


def cancel_url(settings: GroupNotifySettings, item: dict[str, Any]) -> str:
    """The registrant's own link to give up their place; it works until the session ends."""
    session = session_of(item["session_id"])
    token = issue_group_link(item["session_id"], item["reference"], session.end, signing_key())
    return f"{settings.public_base_url}/group-registrations/{token}"


def email_context(notice: Notice, item: dict[str, Any], settings: GroupNotifySettings) -> dict[str, Any]:
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
        counts = _counts_of(item, settings)
        context.update(
            registrant_name=item["name"],
            registered_count=counts.registered,
            waitlisted_count=counts.waitlisted,
            capacity=settings.group_capacity,
        )
    return context


def _counts_of(item: dict[str, Any], settings: GroupNotifySettings) -> SessionCounts:
    """The session's numbers just after this registration's change, as the registration keeps them; for
    one stored before registrations kept them, the session's numbers now."""
    kept = item.get(COUNTS_FIELD)
    if kept:
        return SessionCounts(int(kept.get("registered", 0)), int(kept.get("waitlisted", 0)))
    return GroupRepository(settings.group_table).counts(item["session_id"]) or SessionCounts()


def undeliverable(delivery: dict[str, Any]) -> None:
    """The administrator is told which registration (never the address)."""
    if delivery["role"] != "administrator":
        alert = Notice("group_undeliverable", "admin", {"recipient_role": delivery["role"]})
        sender.send(alert, delivery["item"], int(delivery["version"]))


def _identify(item: dict[str, Any]) -> dict[str, Any]:
    # An alert about this email, should it bounce, needs the registration's keys and nothing personal.
    keys = {"session_id": item["session_id"], "reference": item["reference"]}
    return {"registration": f"{item['session_id']}/{item['reference']}", "item": keys}


sender = Sender(
    # The name the records of sent emails have always had: never change it (see `outbox.exactly_once`).
    name="peer_support.group_delivery._deliver",
    subject="registration",
    settings=get_group_notify_settings,
    identify=_identify,
    recipients=recipients,
    context=email_context,
    undeliverable=undeliverable,
    metric_prefix="Group",
)


def send_reminders(session_item: dict[str, Any]) -> int:
    """Remind everyone holding a place in the session (never the waitlist); returns how many.

    Keyed on the session's version at the reminder step, so a redelivered record reminds nobody twice.
    """
    settings = get_group_notify_settings()
    version = int(session_item["version"])
    reminded = 0
    for registration in GroupRepository(settings.group_table).registered(session_item["session_id"]):
        sender.send(Notice("group_reminder", "registrant"), registration, version)
        reminded += 1
    logger.info("group reminders", extra={"session_id": session_item["session_id"], "reminded": reminded})
    return reminded
