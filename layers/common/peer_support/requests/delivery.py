"""The requests' notices as messages: who holds each role, what each message says, and what a refused
address leads to. Sent exactly once each by `notifications.delivery`.

A supporter's address comes from where the entry point says (`use_supporter_addresses`: the
supporters' own repository), so this context never reads another context's table.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peer_support.core import clock
from peer_support.core.calendar import human_date, human_deadline
from peer_support.links.feedback import feedback_url
from peer_support.links.keys import signing_key
from peer_support.links.tokens import Role, issue_link
from peer_support.notifications.channels import Recipient
from peer_support.notifications.delivery import Sender, administrators
from peer_support.notifications.notice import Notice
from peer_support.notifications.settings import NotifySettings, get_notify_settings
from peer_support.requests.transitions import Transitions

# A supporter's email address by their id (None when they left the roster).
SupporterAddress = Callable[[str], str | None]
_supporter_address: list[SupporterAddress] = []


def use_supporter_addresses(lookup: SupporterAddress) -> None:
    """Where supporters' addresses come from: the entry point gives the supporters' repository."""
    _supporter_address[:] = [lookup]


def recipients(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
    if notice.role == "admin":
        return administrators(settings)
    if notice.role in ("requester", "colleague"):
        person = item.get(notice.role) or {}
        return [Recipient(notice.role, person["email"])] if person.get("email") else []
    if notice.role == "supporter" and notice.holder:
        if not _supporter_address:
            raise RuntimeError("no source of supporters' addresses: see use_supporter_addresses")
        address = _supporter_address[0](notice.holder)
        return [Recipient("supporter", address)] if address else []
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
        context["contact_due"] = human_deadline(clock.parse_iso(item["contact_due_at"]))
    if notice.role in ("requester", "colleague"):
        # The referrer's link and the colleague's differ: once consent is given, it is the colleague's.
        context["withdraw_url"] = link(settings, request_id, "requester", notice.role)
        if notice.kind == "check_in":
            # Anonymous: a link of its own kind, naming no request (see `links.feedback`).
            context["feedback_url"] = feedback_url(
                settings.public_base_url, clock.now(), settings.link_ttl_days
            )
    elif notice.role == "supporter" and notice.kind != "case_moved" and notice.holder:
        context["case_url"] = link(settings, request_id, "supporter", notice.holder)
    elif notice.role == "admin":
        context["action_url"] = link(settings, request_id, "admin", "admin")
        context["waiting_since"] = human_date(clock.parse_iso(item.get("updated_at") or item["created_at"]))
    return context


def undeliverable(delivery: dict[str, Any]) -> None:
    """Recorded on the request (role only, never the address), and the administrator is told."""
    settings = get_notify_settings()
    now = clock.iso(clock.now())
    Transitions(settings.requests_table, settings.supporters_table).note(
        delivery["request_id"], now, "email_undeliverable", "system", recipient_role=delivery["role"]
    )
    if delivery["role"] != "administrator":
        alert = Notice("email_undeliverable", "admin", {"recipient_role": delivery["role"]})
        sender.send(
            alert, {"request_id": delivery["request_id"], "created_at": now}, int(delivery["version"])
        )


sender = Sender(
    # The name the records of sent emails have always had: never change it (see `outbox.exactly_once`).
    name="peer_support.delivery._deliver",
    subject="request_id",
    settings=get_notify_settings,
    identify=lambda item: {"request_id": item["request_id"]},
    recipients=recipients,
    context=email_context,
    undeliverable=undeliverable,
)
