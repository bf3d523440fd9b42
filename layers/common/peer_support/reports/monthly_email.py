"""The administrators' monthly email: on the first business day of each month at 08:00 Pacific, a link
to the program's report. Taken by the same schedule as the SLA sweep, sent once whatever the retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from peer_support.core import clock
from peer_support.core.calendar import at_local, is_business_day, local_date
from peer_support.links.keys import signing_key
from peer_support.links.tokens import issue_report_link
from peer_support.notifications.delivery import Sender, administrators
from peer_support.notifications.notice import Notice
from peer_support.reports.counters import Counters
from peer_support.reports.settings import ReportEmailSettings, get_report_email_settings

logger = Logger()

SENDS_AT = time(8, 0)
SENT_FLAG = "sent"


def first_business_morning(month: date) -> datetime:
    """08:00 Pacific on the month's first business day, in UTC."""
    day = month.replace(day=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return at_local(day, SENDS_AT).astimezone(UTC)


def _context(notice: Notice, item: dict[str, Any], settings: Any) -> dict[str, Any]:
    expires = clock.now() + timedelta(days=settings.report_link_days)
    token = issue_report_link(expires, signing_key())
    return {
        "program_name": settings.program_name,
        "reference": f"report-{item['covers']}",
        "month_name": item["month_name"],
        "min_count": settings.report_min_count,
        "link_days": settings.report_link_days,
        "report_url": f"{settings.public_base_url}/reports/{token}",
    }


def _undeliverable(delivery: dict[str, Any]) -> None:
    logger.warning("monthly report email undeliverable", extra={"recipient_role": delivery["role"]})


sender = Sender(
    name="peer_support.reports.monthly_email",
    subject="month",
    settings=get_report_email_settings,
    identify=lambda item: {"month": item["month"]},
    recipients=lambda notice, item, settings: administrators(settings),
    context=_context,
    undeliverable=_undeliverable,
)


def send_monthly_report(now: datetime, settings: ReportEmailSettings | None = None) -> str | None:
    """Send this month's email if it is the month's first business day, from 08:00, and it was not sent
    yet; the month it was sent for, or None. Sent exactly once per address (the outbox), then marked
    done for the month, so that a later sweep, long after the outbox forgot, does not send it again."""
    settings = settings or get_report_email_settings()
    today = local_date(now)
    # On that day only: a stack deployed, or a schedule restored, later in the month waits for the next.
    morning = first_business_morning(today)
    if now < morning or today != local_date(morning):
        return None
    month = today.strftime("%Y-%m")
    counters = Counters(settings.counters_table)
    done = counters.get("monthly_report", month)
    if done and done.get(SENT_FLAG):
        return None
    previous = today.replace(day=1) - timedelta(days=1)
    item = {"month": month, "month_name": previous.strftime("%B %Y"), "covers": previous.strftime("%Y-%m")}
    sender.send(Notice("monthly_report", "admin"), item, 1)
    counters.mark("monthly_report", month, SENT_FLAG)
    logger.info("monthly report sent", extra={"month": month})
    return month
