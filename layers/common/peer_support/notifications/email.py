"""The email channel: rendering one email of a kind (plain text and HTML, from `templates/email/`),
and sending it through SES v2, telling a passing failure from a permanent one."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.rendering import render
from peer_support.notifications.channels import PermanentSendError, TransientSendError

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

    from peer_support.notifications.settings import NotifySettings

# SES errors about this one message that retrying will not cure: a malformed, suppressed or refused
# address. Account-wide trouble (paused sending, an unverified domain) is left to retries, so the
# on-failure queue and its alarm bring it to someone's attention.
PERMANENT = frozenset({"MessageRejected", "BadRequestException"})


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


# Every email, by kind: whether it goes to a physician (who then always sees the crisis lines).
EMAIL_KINDS: dict[str, bool] = {
    "request_received": True,
    "referral_received": True,
    "matched": True,
    "match_delayed": True,
    "assigned": True,
    "case_moved": True,
    "contact_reminder": True,
    "consent_needed": False,
    "urgent_request": False,
    "needs_admin": False,
    "email_undeliverable": False,
    "contact_overdue": False,
    "consent_reminder": False,
    "needs_admin_reminder": False,
    "surge_started": False,
    # The supporters' own: their availability, debriefs, training, and the administrators' weekly view.
    "availability_changed": False,
    "debrief_requested": False,
    "training_reminder": True,
    "training_reminder_admin": False,
    "supporters_digest": False,
    "nobody_on_call": False,
    # A reach-in: the invitation, its reminder and the kind note after a no go to a physician; the
    # referrer's one confirmation goes to whoever asked (a department head, say), crisis lines included.
    "invitation": True,
    "invitation_reminder": True,
    "invitation_declined": True,
    "invitation_sent": True,
    # After closing, and the program's month.
    "check_in": True,
    "monthly_report": False,
    # The BIPOC Physician Peer Support Group.
    "group_registered": True,
    "group_waitlisted": True,
    "group_promoted": True,
    "group_reminder": True,
    "group_facilitator": False,
    "group_undeliverable": False,
}


def render_email(kind: str, **context: Any) -> RenderedEmail:
    """Subject, plain text and HTML of one email (`templates/email/<kind>.{subject.txt,txt,html}`)."""
    context = {"to_physician": EMAIL_KINDS[kind], **context}
    subject = " ".join(render(f"email/{kind}.subject.txt", **context).split())
    return RenderedEmail(
        subject=subject,
        text=render(f"email/{kind}.txt", **context),
        html=render(f"email/{kind}.html", **context),
    )


@cache
def sesv2_client() -> SESV2Client:
    import boto3

    return boto3.client("sesv2")


@dataclass(frozen=True)
class Envelope:
    sender: str
    to: str
    sender_name: str


def recipient(address: str) -> str:
    """The one bare address `address` names, as SES takes it (an internationalized domain in Punycode),
    else `PermanentSendError("InvalidAddress")`: a second recipient, a display name, a line break, or a
    non-ASCII local part, which SES cannot send to.

    The same check as the models' (email-validator), so it holds for a value that came some other way
    (a hand-edited item, say), which no retry could cure.
    """
    from email_validator import EmailNotValidError, validate_email

    try:
        ascii_address = validate_email(address, check_deliverability=False).ascii_email
    except EmailNotValidError:
        raise PermanentSendError("InvalidAddress") from None
    if ascii_address is None:
        raise PermanentSendError("InvalidAddress")
    return ascii_address


def mime(envelope: Envelope, email: RenderedEmail) -> bytes:
    """A multipart/alternative message (plain text and HTML).

    The recipient is one bare address and the subject one line, so nothing a person typed can add a
    header or a recipient (and `EmailMessage` refuses CR or LF in any header value besides).
    """
    message = EmailMessage()
    message["From"] = formataddr((envelope.sender_name, envelope.sender))
    message["To"] = recipient(envelope.to)
    message["Subject"] = " ".join(email.subject.split())
    message["Message-ID"] = make_msgid(domain=envelope.sender.rpartition("@")[2] or None)
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message.as_bytes()


def send_email(envelope: Envelope, email: RenderedEmail, configuration_set: str | None = None) -> str:
    """Send one message; returns SES's message id. Raises `TransientSendError` or `PermanentSendError`."""
    arguments: dict[str, Any] = {
        "FromEmailAddress": envelope.sender,
        "Destination": {"ToAddresses": [recipient(envelope.to)]},
        "Content": {"Raw": {"Data": mime(envelope, email)}},
    }
    if configuration_set:
        arguments["ConfigurationSetName"] = configuration_set
    try:
        response = sesv2_client().send_email(**arguments)
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in PERMANENT:
            raise PermanentSendError(code) from None
        raise TransientSendError(code) from None
    return str(response["MessageId"])


class EmailChannel:
    """Email through SES v2, from the program's sender, in the configuration set that suppresses
    bounces and complaints."""

    name = "email"
    metric = "Emails"

    def send(self, kind: str, context: dict[str, Any], to: str, settings: NotifySettings) -> str:
        envelope = Envelope(settings.sender_email, to, settings.program_name)
        return send_email(envelope, render_email(kind, **context), settings.configuration_set)


CHANNEL = EmailChannel()
