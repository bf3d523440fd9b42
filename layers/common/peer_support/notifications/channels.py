"""The channels a message can go by, behind one small interface: each is one module that renders a
message of a kind for its medium and sends it (email through SES, SMS through SNS). A recipient names its
channel; exactly-once sending (`outbox`) wraps them all alike."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from peer_support.notifications.settings import NotifySettings

# Each channel's module, imported when a message first goes by it: a function that never sends by a
# channel never loads it.
MODULES = {"email": "peer_support.notifications.email", "sms": "peer_support.notifications.sms"}


class TransientSendError(Exception):
    """Throttled or unavailable: fail the stream record so it is retried."""


class PermanentSendError(Exception):
    """The channel refused this message for good (for example, an address that does not exist)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Recipient:
    role: str
    address: str
    channel: str = "email"


class Channel(Protocol):
    name: str  # names the channel in recipients and in log lines ("email")
    metric: str  # what its messages are counted as ("Emails": `EmailsSent`, `EmailsUndeliverable`)

    def send(self, kind: str, context: dict[str, Any], to: str, settings: NotifySettings) -> str:
        """Render the message of `kind` with `context` and send it to `to`; returns the channel's message
        id. Raises `TransientSendError` or `PermanentSendError`."""
        ...


@cache
def channel(name: str) -> Channel:
    """The channel called `name`."""
    found: Channel = importlib.import_module(MODULES[name]).CHANNEL
    return found
