"""Scheduled work that the EventBridge schedule runs every 15 minutes: the SLA sweep, then the BIPOC
group's day-of reminder step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.core import clock
from peer_support.core.settings import get_settings
from peer_support.group.reminders import send_due_reminders
from peer_support.group.repository import GroupRepository
from peer_support.group.settings import get_group_settings
from peer_support.requests.models import Status
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.sla import sweep
from peer_support.requests.transitions import Transitions

logger = Logger()
metrics = Metrics()

# What each step counts as on the dashboard.
STEP_METRICS = {
    "contact_reminder": ["SupporterReminders"],
    "reassigned": ["ContactBreaches", "Reassignments"],
    "contact_overdue": ["ContactBreaches"],
    "consent_reminder": ["ConsentReminders"],
    "needs_admin_reminder": ["NeedsAdminReminders"],
}


def handle_sla_check(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The `sla_check` function: take every deadline step that is due, report the backlog, then take
    every group reminder step that is due."""
    settings = get_settings()
    now = clock.now()
    repository = RequestsRepository(settings.requests_table)
    report = sweep(repository, Transitions(settings.requests_table, settings.supporters_table), settings, now)
    for step, count in report.steps.items():
        for name in STEP_METRICS.get(step, []):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    backlog = repository.count_by_status(Status.NEEDS_ADMIN)
    metrics.add_metric(name="NeedsAdminBacklog", unit=MetricUnit.Count, value=backlog)
    summary = {
        "read": report.read,
        "skipped": report.skipped,
        "steps": dict(report.steps),
        "needs_admin": backlog,
        "group_reminders": group_reminder_step(now),
        "monthly_report": monthly_report_step(now),
    }
    logger.info("sla sweep", extra=summary)
    return summary


def group_reminder_step(now: datetime) -> dict[str, Any]:
    """Remind the group's registrants on the session's Monday at noon: one conditional write per due
    session, read from a sparse index; the Group table's stream turns it into the emails."""
    settings = get_group_settings()
    report = send_due_reminders(GroupRepository(settings.group_table), now)
    metrics.add_metric(name="GroupSessionsReminded", unit=MetricUnit.Count, value=report.outcomes["sent"])
    if report.outcomes["missed"]:
        # The sweep came only after a session had begun: its registrants were not reminded.
        logger.warning("group reminder missed", extra={"sessions": report.outcomes["missed"]})
        metrics.add_metric(
            name="GroupSessionsNotReminded", unit=MetricUnit.Count, value=report.outcomes["missed"]
        )
    return {"read": report.read, "skipped": report.skipped, **dict(report.outcomes)}


def monthly_report_step(now: datetime) -> str | None:
    """On the month's first business day from 08:00 Pacific: the administrators' report email, once."""
    from peer_support.notifications.outbox import hold_only_during_the_invocation
    from peer_support.reports.monthly_email import send_monthly_report, sender

    hold_only_during_the_invocation(sender.exactly_once().config)
    return send_monthly_report(now)
