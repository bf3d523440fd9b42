"""The deadlines that run on a request, as the attributes of the sparse `sla-due` index.

An item is in the index (`sla_open`, `sla_due`) only while a deadline runs for it; `sla_step` says
what happens when `sla_due` comes. Any other transition removes the three attributes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from peer_support.clock import iso
from peer_support.deadlines import (
    add_business_days,
    business_midpoint,
    contact_deadline,
    next_business_morning,
)
from peer_support.settings import Settings

SLA_FIELDS = ("sla_open", "sla_due", "sla_step")
OPEN = "open"  # the index's partition key while a deadline runs


def _due(step: str, when: datetime) -> dict[str, Any]:
    return {"sla_open": OPEN, "sla_due": iso(when), "sla_step": step}


def when_matched(matched_at: datetime, urgent: bool, settings: Settings) -> dict[str, Any]:
    """The contact deadline starts: a reminder half-way, then the deadline itself."""
    due = contact_deadline(matched_at, urgent, settings.contact_days, settings.urgent_contact_days)
    return {"contact_due_at": iso(due), **_due("contact_reminder", business_midpoint(matched_at, due))}


def when_awaiting_consent(created_at: datetime, settings: Settings) -> dict[str, Any]:
    return _due("consent_reminder", add_business_days(created_at, settings.consent_days))


def when_needs_admin(at: datetime) -> dict[str, Any]:
    return _due("needs_admin_reminder", next_business_morning(at))
