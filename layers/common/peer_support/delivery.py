"""Turning notices into emails to real addresses, each sent exactly once per
(request, version, kind, recipient) under the stream's at-least-once delivery."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from peer_support import clock, outbox
from peer_support.deadlines import human_date
from peer_support.notifications import Notice
from peer_support.outbox import Recipient
from peer_support.repository import RequestsRepository, SupportersRepository
from peer_support.settings import NotifySettings, get_notify_settings
from peer_support.signing import Role, issue_link, signing_key


def recipients(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
    if notice.role == "admin":
        return [Recipient("administrator", address) for address in settings.admin_emails]
    if notice.role in ("requester", "colleague"):
        person = item.get(notice.role) or {}
        return [Recipient(notice.role, person["email"])] if person.get("email") else []
    if notice.role == "supporter" and notice.supporter_id:
        supporter = SupportersRepository(settings.supporters_table).find(notice.supporter_id)
        return [Recipient("supporter", supporter.email)] if supporter else []
    return []


def link(settings: NotifySettings, request_id: str, role: Role, holder: str) -> str:
    token = issue_link(
        request_id, role, holder, clock.now(), timedelta(days=settings.link_ttl_days), signing_key()
    )
    return f"{settings.public_base_url}/actions/{token}"


def email_context(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> dict[str, Any]:
    request_id = item["request_id"]
    context: dict[str, Any] = {
        "program_name": settings.program_name,
        "reference": request_id,
        **notice.context,
    }
    if item.get("contact_due_at"):
        context["contact_due"] = human_date(clock.parse_iso(item["contact_due_at"]))
    if notice.role in ("requester", "colleague"):
        # The referrer's link and the colleague's differ: once consent is given, it is the colleague's.
        context["withdraw_url"] = link(settings, request_id, "requester", notice.role)
    elif notice.role == "supporter" and notice.kind != "case_moved" and notice.supporter_id:
        context["case_url"] = link(settings, request_id, "supporter", notice.supporter_id)
    elif notice.role == "admin":
        context["action_url"] = link(settings, request_id, "admin", "admin")
        context["waiting_since"] = human_date(clock.parse_iso(item.get("updated_at") or item["created_at"]))
    return context


@cache
def _exactly_once() -> outbox.ExactlyOnce:
    """`_deliver` wrapped in Powertools idempotency, keyed on (request, version, kind, recipient)."""
    table = get_notify_settings().idempotency_table
    return outbox.exactly_once(_deliver, "[request_id, version, kind, to]", table)


def idempotency_config() -> Any:
    return _exactly_once().config


def _deliver(delivery: dict[str, Any]) -> dict[str, Any]:
    settings = get_notify_settings()
    result = outbox.send(delivery, settings, reference=delivery["request_id"], metric="Emails")
    if result["status"] == "undeliverable":
        # Recorded on the request (role only, never the address), and the admin is told.
        RequestsRepository(settings.requests_table).note(
            delivery["request_id"],
            clock.iso(clock.now()),
            "email_undeliverable",
            "system",
            recipient_role=delivery["role"],
        )
        if delivery["role"] != "administrator":
            alert = Notice("email_undeliverable", "admin", {"recipient_role": delivery["role"]})
            item = {"request_id": delivery["request_id"], "created_at": clock.iso(clock.now())}
            send_notice(alert, item, int(delivery["version"]))
    return result


def send_notice(notice: Notice, item: dict[str, Any], version: int) -> None:
    """Send `notice` to each of its recipients, once each whatever the redeliveries."""
    settings = get_notify_settings()
    deliver = _exactly_once().deliver
    context = email_context(notice, item, settings)
    for recipient in recipients(notice, item, settings):
        deliver(
            delivery={
                "request_id": item["request_id"],
                "version": version,
                "kind": notice.kind,
                "to": recipient.address,
                "role": recipient.role,
                "context": context,
            },
        )
