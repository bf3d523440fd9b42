"""The supporters' notices as messages: the administrators hear of a supporter's own changes and of a
debrief asked for (who, and how to reach them, never a case); the supporter and the administrators hear
of a training date coming up. Sent exactly once each by `notifications.delivery`."""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools import Logger

from peer_support.core.calendar import human_day
from peer_support.notifications.channels import Recipient
from peer_support.notifications.delivery import Sender, administrators, supporter_page_url
from peer_support.notifications.notice import Notice
from peer_support.notifications.settings import NotifySettings, get_notify_settings

logger = Logger()

DAY_NAMES = {"mon": "Mon", "tue": "Tue", "wed": "Wed", "thu": "Thu", "fri": "Fri", "sat": "Sat", "sun": "Sun"}


def recipients(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
    if notice.role == "admin":
        return administrators(settings)
    if notice.role == "supporter" and item.get("email"):
        return [Recipient("supporter", str(item["email"]))]
    return []


def readable(answer: str, value: Any) -> str:
    """One answer's value as the administrators' email says it."""
    if answer in ("away_from", "away_until"):
        return human_day(date.fromisoformat(str(value))) if value else "not set"
    if answer == "on_call":
        return ", ".join(DAY_NAMES.get(str(day), str(day)) for day in value or []) or "no days"
    if answer == "paused":
        return "paused" if value else "taking requests"
    return str(value)


def email_context(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> dict[str, Any]:
    """No reference in any of these: they are about a supporter, never about a case."""
    context: dict[str, Any] = {
        "program_name": settings.program_name,
        "reference": "",
        "supporter_name": item.get("name", ""),
        "supporter_email": item.get("email", ""),
        "supporter_phone": item.get("phone", ""),
    }
    if notice.kind == "availability_changed":
        context["changes"] = [
            {
                "answer": row["answer"],
                "before": readable(row["answer"], row["before"]),
                "after": readable(row["answer"], row["after"]),
            }
            for row in notice.context.get("changes", [])
        ]
    if item.get("trained_until"):
        context["trained_until"] = human_day(date.fromisoformat(str(item["trained_until"])))
    if notice.role == "supporter":
        context["page_url"] = supporter_page_url(settings, str(item["supporter_id"]))
    return context


def undeliverable(delivery: dict[str, Any]) -> None:
    """Logged by role only; the administrators see the supporter's address bounce in SES's own records."""
    logger.warning("supporter notice undeliverable", extra={"supporter_id": delivery["supporter_id"]})


sender = Sender(
    # The name of the records that remember these sends: never change it (see `outbox.exactly_once`).
    name="peer_support.supporters.delivery._deliver",
    subject="supporter_id",
    settings=get_notify_settings,
    identify=lambda item: {"supporter_id": item["supporter_id"]},
    recipients=recipients,
    context=email_context,
    undeliverable=undeliverable,
)


def _digest_context(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> dict[str, Any]:
    return {"program_name": settings.program_name, "reference": "", **item["sections"]}


# The administrators' weekly view: one per week (its Monday's date) and administrator, whatever the
# number of sweeps on that Monday.
digest_sender = Sender(
    name="peer_support.supporters.digest._deliver",  # never change it (see `outbox.exactly_once`)
    subject="week",
    settings=get_notify_settings,
    identify=lambda item: {"week": item["week"]},
    recipients=lambda notice, item, settings: administrators(settings),
    context=_digest_context,
    undeliverable=lambda delivery: logger.warning("supporters digest undeliverable"),
)


def send_digest(week: str, sections: dict[str, list[dict[str, Any]]]) -> None:
    """This week's digest to each administrator, once."""
    digest_sender.send(Notice("supporters_digest", "admin"), {"week": week, "sections": sections}, 0)
