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
from peer_support.core.calendar import clock_24h, human_date, human_deadline
from peer_support.links.feedback import feedback_url
from peer_support.links.keys import signing_key
from peer_support.links.tokens import Role, issue_link
from peer_support.notifications.channels import Recipient
from peer_support.notifications.delivery import Sender, administrators, supporter_page_url
from peer_support.notifications.notice import Notice
from peer_support.notifications.settings import NotifySettings, get_notify_settings
from peer_support.requests.transitions import Transitions

# A supporter's email address by their id (None when they left the roster).
SupporterAddress = Callable[[str], str | None]
_supporter_address: list[SupporterAddress] = []


# A supporter's phone number by their id (None without one): where urgent pages go by SMS.
_supporter_number: list[SupporterAddress] = []


def use_supporter_addresses(lookup: SupporterAddress, numbers: SupporterAddress | None = None) -> None:
    """Where supporters' email addresses (and phone numbers, for SMS) come from: the entry point gives
    the supporters' repository."""
    _supporter_address[:] = [lookup]
    _supporter_number[:] = [numbers] if numbers else []


# The messages that also go by SMS, beside the email: an urgent case's page and its half-way reminder
# to the supporter, and the reference to a person who prefers phone contact.
INVITATIONS = frozenset({"invitation", "invitation_reminder"})
# The invited physician's two links: the same holder's, each naming the answer its page offers first.
ANSWER_HOLDERS = {"yes": "colleague-yes", "no": "colleague-no"}
PAGED_WHEN_URGENT = frozenset({"assigned", "contact_reminder"})
TEXTED_TO_PHONE_PEOPLE = frozenset({"request_received"})


def _texted(notice: Notice, item: dict[str, Any]) -> str | None:
    """The number this notice also goes to by SMS, if any."""
    if notice.role == "supporter" and notice.kind in PAGED_WHEN_URGENT and item.get("urgent"):
        return _supporter_number[0](notice.holder) if _supporter_number and notice.holder else None
    person = item.get(notice.role) or {}
    if notice.kind in TEXTED_TO_PHONE_PEOPLE and person.get("preferred_contact") == "phone":
        return person.get("phone")
    return None


def recipients(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
    found = _emailed(notice, item, settings)
    number = _texted(notice, item) if notice.role != "admin" else None
    return [*found, Recipient(found[0].role, number, "sms")] if found and number else found


def _emailed(notice: Notice, item: dict[str, Any], settings: NotifySettings) -> list[Recipient]:
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
        "urgent_minutes": settings.urgent_contact_minutes,
        **notice.context,
    }
    if item.get("contact_due_at"):
        due = clock.parse_iso(item["contact_due_at"])
        context["contact_due"] = human_deadline(due)
        context["contact_due_time"] = clock_24h(due)  # an SMS's "by 14:30"
    if notice.role == "requester" and item.get("kind") == "reach_in":
        pass  # a reach-in's referrer gets no link: there is nothing for them to see or do
    elif notice.role in ("requester", "colleague"):
        # The referrer's link and the colleague's differ: once consent is given, it is the colleague's.
        context["withdraw_url"] = link(settings, request_id, "requester", notice.role)
        if notice.kind in INVITATIONS:  # two links, each signed to open on its own answer
            context["accept_url"] = link(settings, request_id, "requester", ANSWER_HOLDERS["yes"])
            context["decline_url"] = link(settings, request_id, "requester", ANSWER_HOLDERS["no"])
        if notice.kind == "check_in":
            # Anonymous: a link of its own kind, naming no request (see `links.feedback`).
            context["feedback_url"] = feedback_url(
                settings.public_base_url, clock.now(), settings.link_ttl_days
            )
    elif notice.role == "supporter" and notice.holder:
        if notice.kind != "case_moved":
            context["case_url"] = link(settings, request_id, "supporter", notice.holder)
        context["page_url"] = supporter_page_url(settings, notice.holder)
    elif notice.role == "admin":
        context["action_url"] = link(settings, request_id, "admin", "admin")
        context["waiting_since"] = human_date(clock.parse_iso(item.get("updated_at") or item["created_at"]))
    return context


def undeliverable(delivery: dict[str, Any]) -> None:
    """Recorded on the request (role only, never the address), and for an email the administrator is
    told. A text message always went beside an email, which carries on alone."""
    settings = get_notify_settings()
    now = clock.iso(clock.now())
    channel = delivery.get("channel", "email")
    Transitions(settings.requests_table, settings.supporters_table).note(
        delivery["request_id"], now, f"{channel}_undeliverable", "system", recipient_role=delivery["role"]
    )
    if delivery["role"] != "administrator" and channel == "email":
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
