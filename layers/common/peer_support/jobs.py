"""Scheduled work: the SLA sweep that the EventBridge schedule runs every 15 minutes."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from peer_support import clock
from peer_support.models import Status
from peer_support.repository import Assignments, RequestsRepository
from peer_support.settings import get_settings
from peer_support.sla import sweep

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
    """The `sla_check` function: take every deadline step that is due, then report the backlog."""
    settings = get_settings()
    repository = RequestsRepository(settings.requests_table)
    report = sweep(
        repository, Assignments(settings.requests_table, settings.supporters_table), settings, clock.now()
    )
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
    }
    logger.info("sla sweep", extra=summary)
    return summary
