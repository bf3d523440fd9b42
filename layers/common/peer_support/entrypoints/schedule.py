"""Scheduled work. Every 15 minutes: the SLA sweep, then the BIPOC group's day-of reminder step, then
the supporters' step (open cases per supporter on the dashboard, training reminders, the administrators'
Monday digest). Every 5 minutes: the urgent deadlines alone (`{"sweep": "urgent"}`), so an urgent step
is at most 5 minutes late."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

from peer_support.core import clock
from peer_support.core.calendar import local_date
from peer_support.core.settings import get_settings
from peer_support.group.reminders import send_due_reminders
from peer_support.group.repository import GroupRepository
from peer_support.group.settings import get_group_settings
from peer_support.requests.models import Status
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.sla import URGENT, sweep
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
    transitions = Transitions(settings.requests_table, settings.supporters_table)
    if (event or {}).get("sweep") == URGENT:
        urgent = sweep(repository, transitions, settings, now, shards=(URGENT,))
        count_steps(urgent.steps)
        summary = {"read": urgent.read, "skipped": urgent.skipped, "steps": dict(urgent.steps)}
        logger.info("urgent sla sweep", extra=summary)
        return summary
    report = sweep(repository, transitions, settings, now)
    count_steps(report.steps)
    backlog = repository.count_by_status(Status.NEEDS_ADMIN)
    metrics.add_metric(name="NeedsAdminBacklog", unit=MetricUnit.Count, value=backlog)
    summary = {
        "read": report.read,
        "skipped": report.skipped,
        "steps": dict(report.steps),
        "needs_admin": backlog,
        "group_reminders": group_reminder_step(now),
        "supporters": supporters_step(now),
        "monthly_report": monthly_report_step(now),
    }
    logger.info("sla sweep", extra=summary)
    return summary


def count_steps(steps: dict[str, int]) -> None:
    for step, count in steps.items():
        for name in STEP_METRICS.get(step, []):
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)


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


def supporters_step(now: datetime) -> dict[str, Any]:
    """Each supporter's open cases as a metric (by supporter id, never a name); a conditional write for
    each training reminder that came due (the Supporters table's stream sends it); and on Monday from
    08:00 Pacific the administrators' digest, sent once."""
    from peer_support.supporters.care import digest, digest_week, training_reminder_due
    from peer_support.supporters.repository import SupportersRepository

    repository = SupportersRepository(get_settings().supporters_table)
    roster = repository.all()
    today = local_date(now)
    for supporter in roster:
        with single_metric(name="OpenCases", unit=MetricUnit.Count, value=supporter.open_count) as metric:
            metric.add_dimension(name="supporter_id", value=supporter.supporter_id)
    reminded = 0
    for supporter in roster:
        if supporter.trained_until and training_reminder_due(supporter, today):
            reminded += repository.mark_training_reminder(
                supporter.supporter_id, supporter.trained_until.isoformat()
            )
    week = digest_week(now)
    sections = digest(roster, today) if week is not None else {}
    # Only a week with someone to list is worth an email: on a quiet week the administrators hear nothing.
    if week is not None and any(sections.values()):
        from peer_support.notifications.outbox import hold_only_during_the_invocation
        from peer_support.supporters.delivery import digest_sender, send_digest

        hold_only_during_the_invocation(digest_sender.exactly_once().config)
        send_digest(week, sections)
    return {"supporters": len(roster), "training_reminders": reminded, "digest_week": week}


def monthly_report_step(now: datetime) -> str | None:
    """On the month's first business day from 08:00 Pacific: the administrators' report email, once."""
    from peer_support.notifications.outbox import hold_only_during_the_invocation
    from peer_support.reports.monthly_email import send_monthly_report, sender

    hold_only_during_the_invocation(sender.exactly_once().config)
    return send_monthly_report(now)
