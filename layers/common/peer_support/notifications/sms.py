"""The SMS channel: one line of text of a kind (`templates/sms/<kind>.txt`), published straight to an
E.164 number with Amazon SNS (no topic). A text never carries a name, a reason, a note or an event: what,
by when, one link."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from peer_support.core.fields import north_american
from peer_support.core.rendering import render
from peer_support.notifications.channels import PermanentSendError, TransientSendError

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

    from peer_support.notifications.settings import NotifySettings

# SNS errors about this one number that retrying will not cure: not a number SNS can text, or one
# whose owner has opted out. Throttling, an exhausted spend limit and SNS's own faults are retried, so
# the on-failure queue and its alarm bring a lasting one to someone's attention.
PERMANENT = frozenset({"InvalidParameter", "InvalidParameterValue", "OptedOut", "EndpointDisabled"})

# A text is one segment where it can be (160 GSM characters); SNS splits a longer one, up to 1,600.
MAX_LENGTH = 1600


@cache
def sns_client() -> SNSClient:
    import boto3

    return boto3.client("sns")


def render_sms(kind: str, **context: Any) -> str:
    """The text of one SMS: the template's lines joined into one, its spaces single."""
    return " ".join(render(f"sms/{kind}.txt", **context).split())


def attributes(settings: NotifySettings) -> dict[str, Any]:
    """SNS's message attributes: transactional (sent ahead of marketing, even to a number on a do-not-
    call list), and the program's sender ID and origination number when it has them."""
    chosen = {"AWS.SNS.SMS.SMSType": "Transactional"}
    if settings.sms_sender_id:
        chosen["AWS.SNS.SMS.SenderID"] = settings.sms_sender_id
    if settings.sms_origination_number:
        chosen["AWS.MM.SMS.OriginationNumber"] = settings.sms_origination_number
    return {name: {"DataType": "String", "StringValue": value} for name, value in chosen.items()}


class SmsChannel:
    """Text messages through SNS `Publish` to a phone number."""

    name = "sms"
    metric = "Sms"

    def send(self, kind: str, context: dict[str, Any], to: str, settings: NotifySettings) -> str:
        number = north_american(to)
        if number is None:  # a hand-edited item, say: no retry could cure it
            raise PermanentSendError("InvalidNumber")
        text = render_sms(kind, **context)
        if len(text) > MAX_LENGTH:
            raise PermanentSendError("TooLong")
        try:
            response = sns_client().publish(
                PhoneNumber=number, Message=text, MessageAttributes=attributes(settings)
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in PERMANENT:
                raise PermanentSendError(code) from None
            raise TransientSendError(code) from None
        return str(response["MessageId"])


CHANNEL = SmsChannel()
