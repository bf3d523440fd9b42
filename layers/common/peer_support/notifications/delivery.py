"""Turning a context's notices into messages to real recipients, each sent exactly once per (subject,
version, kind, recipient) under the stream's at-least-once delivery. One piece, with one use per
context (the requests' and the group's): each says who holds which role, what its messages say, and
what a refused address leads to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from peer_support.core import clock
from peer_support.links.keys import signing_key
from peer_support.links.tokens import issue_supporter_link
from peer_support.notifications import outbox
from peer_support.notifications.channels import Recipient
from peer_support.notifications.notice import Notice
from peer_support.notifications.settings import NotifySettings

Addressing = Callable[[Notice, dict[str, Any], Any], list[Recipient]]
Wording = Callable[[Notice, dict[str, Any], Any], dict[str, Any]]


class Sender:
    """The notices of one context.

    `name` pins the names of the records that remember what was sent (see `outbox.exactly_once`): it
    never changes. `subject` says what a delivery is about (`identify` gives it from an item; with the
    version, the kind and the address, it is the exactly-once key). `recipients` and `context` answer
    for the notice and the item; `undeliverable` is told of each delivery a channel refused for good.
    """

    def __init__(
        self,
        *,
        name: str,
        subject: str,
        settings: Callable[[], NotifySettings],
        identify: Callable[[dict[str, Any]], dict[str, Any]],
        recipients: Addressing,
        context: Wording,
        undeliverable: Callable[[dict[str, Any]], None],
        metric_prefix: str = "",
    ) -> None:
        self.name = name
        self.subject = subject
        self.settings = settings
        self.identify = identify
        self.recipients = recipients
        self.context = context
        self.undeliverable = undeliverable
        self.metric_prefix = metric_prefix
        self._once: outbox.ExactlyOnce | None = None

    def exactly_once(self) -> outbox.ExactlyOnce:
        """`_deliver` wrapped in Powertools idempotency, built on first use."""
        if self._once is None:
            key = f"[{self.subject}, version, kind, to]"
            table = self.settings().idempotency_table
            self._once = outbox.exactly_once(self._deliver, key, table, self.name)
        return self._once

    def forget(self) -> None:
        """Build the idempotency anew on next use (a new AWS, a new environment), as a new process would."""
        self._once = None

    def send(self, notice: Notice, item: dict[str, Any], version: int) -> None:
        """Send `notice` to each of its recipients, once each whatever the redeliveries."""
        settings = self.settings()
        deliver = self.exactly_once().deliver
        context = self.context(notice, item, settings)
        for recipient in self.recipients(notice, item, settings):
            deliver(
                delivery={
                    **self.identify(item),
                    "version": version,
                    "kind": notice.kind,
                    "to": recipient.address,
                    "role": recipient.role,
                    "channel": recipient.channel,
                    "context": context,
                },
            )

    def _deliver(self, delivery: dict[str, Any]) -> dict[str, Any]:
        result = outbox.send(delivery, self.settings(), self.metric_prefix)
        if result["status"] == "undeliverable":
            self.undeliverable(delivery)
        return result


def administrators(settings: NotifySettings) -> list[Recipient]:
    """Every administrator, by email."""
    return [Recipient("administrator", address) for address in settings.admin_emails]


def supporter_page_url(settings: NotifySettings, supporter_id: str) -> str:
    """The signed link to a supporter's own page (their cases and availability), carried by every email
    to a supporter."""
    ttl = timedelta(days=settings.link_ttl_days)
    token = issue_supporter_link(supporter_id, clock.now(), ttl, signing_key())
    return f"{settings.public_base_url}/supporters/{token}"
