"""Email header injection: nothing a person typed can add a header or a recipient.

Two layers: the models refuse a multi-line name or a second address on intake, and the mailer, given a
value that came some other way, still builds a message with one recipient and one-line headers, or
refuses it as undeliverable.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from peer_support.group.models import GroupRegistrationForm
from peer_support.notifications.channels import PermanentSendError
from peer_support.notifications.email import Envelope, RenderedEmail, mime, recipient, render_email
from peer_support.requests.models import Contact
from peer_support.supporters.models import RosterEntry
from tests.unit.test_emails import ENUMERATED, SAMPLES

SENDER = Envelope("noreply@peer-support.example.org", "ann.lee@example.org", "Physician Peer Support")
HEADERS = ["From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type"]
INJECTED = "Dr. A\r\nBcc: x@evil.example"
# Everything that ends a line for `str.splitlines`, and so may end an email header.
LINE_ENDS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"

HOSTILE_ADDRESSES = [
    "ann.lee@example.org\r\nBcc: x@evil.example",
    "ann.lee@example.org\nBcc: x@evil.example",
    "ann.lee@example.org\rBcc: x@evil.example",
    *(f"ann.lee@example.org{end}Bcc: x@evil.example" for end in LINE_ENDS),
    "ann.lee@example.org, x@evil.example",
    "ann.lee@example.org; x@evil.example",
    "ann.lee@example.org x@evil.example",
    "Ann Lee <x@evil.example>",
    '"ann.lee@example.org" <x@evil.example>',
    "x@evil.example (ann.lee@example.org)",
    "ann.lee@example.org\x00",
    "",
    "ann.lee",
    "@example.org",
    "ann.lee@",
]


def parsed(raw: bytes) -> EmailMessage:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def email(subject: str = "We have your request (PS-7K3M-9QXD)") -> RenderedEmail:
    return RenderedEmail(subject=subject, text="Thank you.\n", html="<p>Thank you.</p>")


# -- intake: the models ---------------------------------------------------------------------------


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
@pytest.mark.parametrize("model", [Contact, GroupRegistrationForm, RosterEntry])
def test_no_model_keeps_more_than_one_bare_address(model: Any, address: str) -> None:
    data = {
        "name": "Dr. Ann Lee",
        "email": address,
        "supporter_id": "s1",
        "modalities": ["video"],
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
    }
    answers = {k: v for k, v in data.items() if k in model.model_fields}
    if "<" in address:
        # A display name around one address is taken, and only the address is kept.
        assert str(model.model_validate(answers).email) == "x@evil.example"
        return
    with pytest.raises(ValidationError) as refused:
        model.model_validate(answers)
    assert [error["loc"] for error in refused.value.errors()] == [("email",)]


@pytest.mark.parametrize("address", [a for a in HOSTILE_ADDRESSES if "<" not in a])
def test_an_address_with_a_line_break_or_a_second_recipient_is_refused(address: str) -> None:
    with pytest.raises(ValidationError):
        Contact(name="Dr. Ann Lee", email=address)


@pytest.mark.parametrize("end", LINE_ENDS)
@pytest.mark.parametrize("model", [Contact, GroupRegistrationForm, RosterEntry])
def test_no_model_takes_a_name_on_two_lines(model: Any, end: str) -> None:
    data = {
        "name": f"Dr. A{end}Bcc: x@evil.example",
        "email": "a@example.org",
        "supporter_id": "s1",
        "modalities": ["video"],
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
    }
    fields = set(model.model_fields)
    with pytest.raises(ValidationError) as caught:
        model.model_validate({k: v for k, v in data.items() if k in fields})
    assert [error["loc"] for error in caught.value.errors()] == [("name",)]


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_any_name_a_model_takes_is_one_line(name: str) -> None:
    try:
        kept = Contact(name=name, email="a@example.org").name
    except ValidationError:
        return
    assert kept.splitlines() == [kept]
    assert not any(char in LINE_ENDS for char in kept)


@settings(max_examples=200)
@given(st.emails())
def test_every_address_a_model_takes_the_mailer_sends_to(address: str) -> None:
    try:
        kept = str(Contact(name="A", email=address).email)
    except ValidationError:
        return  # email-validator is stricter than RFC 5322 (reserved names, lengths)
    try:
        to = recipient(kept)
    except PermanentSendError:
        # SES cannot send to a local part outside ASCII; such an address is undeliverable, not retried.
        assert not kept.partition("@")[0].isascii()
        return
    assert to.isascii()
    assert to.partition("@")[0] == kept.partition("@")[0]  # only the domain may change (to Punycode)
    message = parsed(mime(Envelope(SENDER.sender, kept, SENDER.sender_name), email()))
    assert [a.addr_spec for a in message["To"].addresses] == [to]


# -- sending: the mailer, for a value that never met a model ------------------------------------------


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
def test_the_mailer_refuses_any_recipient_but_one_bare_address(address: str) -> None:
    with pytest.raises(PermanentSendError) as caught:
        mime(Envelope(SENDER.sender, address, SENDER.sender_name), email())
    assert caught.value.code == "InvalidAddress"


@pytest.mark.parametrize("end", LINE_ENDS)
def test_a_subject_is_always_one_line(end: str) -> None:
    message = parsed(mime(SENDER, email(f"Hello{end}Bcc: x@evil.example{end}{end}Body")))
    assert list(message.keys()) == HEADERS
    assert message["Subject"] == "Hello Bcc: x@evil.example Body"
    assert message["To"].addresses[0].addr_spec == "ann.lee@example.org"
    assert len(message["To"].addresses) == 1


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_whatever_a_template_is_given_the_message_has_one_recipient(kind: str) -> None:
    context = {
        key: (INJECTED if isinstance(value, str) and key not in ENUMERATED else value)
        for key, value in SAMPLES[kind].items()
    }
    rendered = render_email(kind, program_name=INJECTED, reference=INJECTED, **context)
    message = parsed(mime(SENDER, rendered))
    assert list(message.keys()) == HEADERS
    assert [a.addr_spec for a in message["To"].addresses] == ["ann.lee@example.org"]
    assert "\n" not in message["Subject"]
    assert "evil" not in str(message["To"]) + str(message["From"])


@settings(max_examples=150)
@given(
    to=st.text(alphabet=st.sampled_from('ab.@-+ ,;:<>()"\\[]\r\n\t\x00\x85\u2028é'), max_size=24),
    subject=st.text(max_size=60),
)
def test_any_recipient_is_refused_or_is_the_one_recipient(to: str, subject: str) -> None:
    try:
        raw = mime(Envelope(SENDER.sender, to, SENDER.sender_name), email(subject))
    except PermanentSendError:
        return
    message = parsed(raw)
    assert list(message.keys()) == HEADERS
    assert [a.addr_spec for a in message["To"].addresses] == [recipient(to)]
    assert not any(char in to for char in f",;<>() {LINE_ENDS}")
    assert message["Subject"] == " ".join(subject.split())


@settings(max_examples=150)
@given(subject=st.text(max_size=80), text=st.text(max_size=300), html=st.text(max_size=300))
def test_bodies_never_reach_the_headers(subject: str, text: str, html: str) -> None:
    message = parsed(mime(SENDER, RenderedEmail(subject=subject, text=text, html=html)))
    assert list(message.keys()) == HEADERS
    plain, markup = (part for part in message.iter_parts())
    assert plain.get_content_type() == "text/plain"
    assert markup.get_content_type() == "text/html"
    assert plain.get_content() == as_sent(text)
    assert markup.get_content() == as_sent(html)


def as_sent(body: str) -> str:
    """A body as a MIME part keeps it: CR and CRLF become LF, and it ends with a line break."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    return body if body.endswith("\n") else body + "\n"
