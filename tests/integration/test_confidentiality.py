"""Confidentiality: a request's whole life (submit, match, emails, the case page, first contact,
closing, the SLA path, and the failures along the way) leaves no name, email, phone or note in any log
line, metric, error body or URL. Logs carry the reference and the correlation id instead. The same
holds for the BIPOC group's registrations: register, the emails, the registration's link, giving up a
place, the waitlist and the day-of reminder.

The handlers run in this process, so everything they print is captured: the Powertools loggers' JSON
lines (at DEBUG), the EMF metric blobs Powertools prints (nothing else may reach stdout), every
logger's warnings and Powertools' own debug lines. Emails, and the pages that exist to show a person's
details to whoever may see them, are not searched (the supporter must reach the person): their URLs are.
Run with `-rP` to see how much was inspected.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, quote_plus, urlencode, urlsplit

import pytest
from botocore.exceptions import ParamValidationError

from local_runner.lambdas import handler_module, invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline
from tests.integration.group.helpers import FACILITATOR, GroupPipeline

THURSDAY_10AM = datetime(2026, 11, 26, 10, 0, tzinfo=TIME_ZONE)
ADMIN = "program-admin@example.org"

REQUESTER = {
    "name": "Zephyrine Quillfeather",
    "email": "zq.private@example.org",
    "phone": "+1 604 555 0199",
    "preferred_contact": "phone",
}
# Asks a second time by the form, urgently (a person has one open request: the first is Zephyrine's).
FORM_REQUESTER = {
    "name": "Eustacia Wrenfield-Amadi",
    "email": "ewrenfield.home@example.net",
    "phone": "604 555 0137",
}
NOTE = "my colleague Dr. Okonkwo-Battersby"
COLLEAGUE = {"name": "Ignatius Marblethorpe", "email": "imarble.home@example.net", "phone": "778-555-0143"}
REFERRER = {"name": "Philippa Drummondsley", "email": "pdrummond.ref@example.net"}
AVOID = "Cornelius Vantongeren"
SUPPORTERS = [
    {"supporter_id": "sup-101", "name": "Ottoline Brightwater", "email": "obright.ps@example.com",
     "phone": "250 555 0147"},
    {"supporter_id": "sup-102", "name": "Leopold Featherstonehaugh", "email": "leofeather.ps@example.com",
     "phone": "236-555-0168"},
]  # fmt: skip

# The BIPOC group's registrants.
MEMBERS = [
    {"name": "Anwuli Thistlewood-Osei", "email": "anwuli.t.home@example.net"},
    {"name": "Bartholomew Quennell", "email": "bq.private@example.net"},
    {"name": "Celestine Mbekwe-Harrow", "email": "celestine.mh@example.net"},
]

REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": REQUESTER,
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["adverse_event"],
    "share_reasons": True,
    "modalities": ["phone", "video"],
    "avoid": [AVOID],
    "note": NOTE,
}


def _searched() -> list[str]:
    """Every person's data and its parts (first and last names, an email's local part, a phone's digits),
    as typed and as a URL or a form would encode it."""
    values: set[str] = {NOTE, "Okonkwo-Battersby", "Okonkwo", "Battersby", AVOID, *AVOID.split()}
    for person in (REQUESTER, FORM_REQUESTER, COLLEAGUE, REFERRER, *SUPPORTERS, *MEMBERS):
        name, email, phone = person["name"], person["email"], person.get("phone")
        values |= {name, *name.split(), email, email.split("@")[0]}
        if phone:
            digits = re.sub(r"\D", "", phone)
            values |= {phone, digits, digits[-10:], digits[-7:], phone.removeprefix("+1 ")}
    encoded = {quote(v) for v in values} | {quote_plus(v) for v in values}
    return sorted(values | encoded, key=str.lower)


SEARCHED = _searched()
LINK = re.compile(r"https?://[^\s\"'<>]+")
REFERENCE = re.compile(r"PS-[A-Z0-9]{4}-[A-Z0-9]{4}")
TOKEN = re.compile(r"/actions/([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+)")
PAGE = re.compile(r"/supporters/([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+)")
GROUP_TOKEN = re.compile(r"/group-registrations/([A-Za-z0-9_\-]+)\.([A-Za-z0-9_\-]+)")


def leaks(text: str) -> list[str]:
    lowered = text.lower()
    return [value for value in SEARCHED if value.lower() in lowered]


class _Links(HTMLParser):
    """Every URL an HTML page or email holds: links, form actions, sources."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "action", "src", "formaction") and value is not None:
                self.urls.append(value)


def urls_in_html(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


@dataclass
class Observed:
    """What the system said where nobody should read a person's details."""

    error_bodies: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    correlation_ids: list[str] = field(default_factory=list)
    log_lines: list[dict[str, Any]] = field(default_factory=list)
    metric_blobs: list[dict[str, Any]] = field(default_factory=list)
    other_records: list[str] = field(default_factory=list)
    debug_records: int = 0
    trace_notes: list[str] = field(default_factory=list)
    log_stream: io.StringIO = field(default_factory=io.StringIO)

    def api(
        self,
        function: str,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        page_again: bool = False,
    ) -> dict[str, Any]:
        """Call an API function as API Gateway would, keeping the URL, the error body and the page's URLs.

        `page_again`: a refusal that shows the form or case page again, to the person whose answers or
        whose case it is; its words are theirs to see, its URLs are still checked."""
        event = api_event(
            method,
            path,
            body,
            headers,
            path_parameters={"token": token} if token else None,
            resource=path.replace(token, "{token}") if token else None,
        )
        correlation_id = str(uuid.uuid4())
        event["requestContext"]["requestId"] = correlation_id
        self.correlation_ids.append(correlation_id)
        self.urls.append(f"{PUBLIC_BASE_URL}{path}")
        result: dict[str, Any] = invoke(function, event)
        headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name.lower()] = ", ".join(values)
        self.urls.extend(v for k, v in headers.items() if k in ("location", "refresh", "content-location"))
        if result["statusCode"] >= 400 and not page_again:
            self.error_bodies.append(result["body"])
        if headers.get("content-type", "").startswith("text/html"):
            # A supporter's case page shows how to reach the person: its mailto: and tel: links are that.
            self.urls.extend(u for u in urls_in_html(result["body"]) if not u.startswith(("mailto:", "tel:")))
        return result

    def submit(self, request: dict[str, Any], **headers: str) -> dict[str, Any]:
        return self.api("SubmitRequestFunction", "POST", "/requests", json.dumps(request), headers)

    def submit_form(self, fields: list[tuple[str, str]], page_again: bool = False) -> dict[str, Any]:
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
        body = urlencode(fields)
        return self.api("SubmitRequestFunction", "POST", "/requests", body, headers, page_again=page_again)

    def link(
        self,
        method: str,
        token: str,
        body: dict[str, Any] | None = None,
        html: bool = False,
        page_again: bool = False,
    ) -> Any:
        headers = {"Accept": "text/html" if html else "application/json"}
        payload = json.dumps(body) if body is not None else None
        path = f"/actions/{token}"
        return self.api("ActionsFunction", method, path, payload, headers, token=token, page_again=page_again)

    def own_page(
        self, method: str, token: str, body: dict[str, Any] | None = None, page_again: bool = False
    ) -> Any:
        """A supporter's own page, as its form posts it."""
        headers = {"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}
        payload = urlencode(body, doseq=True) if body is not None else None
        path = f"/supporters/{token}"
        return self.api("ActionsFunction", method, path, payload, headers, token=token, page_again=page_again)

    def group_link(self, method: str, token: str, action: str | None = None, html: bool = True) -> Any:
        """A registration's own link: its page, or giving up the place (as the page's form posts it)."""
        headers = {"Accept": "text/html" if html else "application/json"}
        body = None
        if action is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode({"action": action})
        path = f"/group-registrations/{token}"
        return self.api("GroupFunction", method, path, body, headers, token=token)

    def emails(self, pipeline: Pipeline | GroupPipeline) -> list[dict[str, Any]]:
        emails = pipeline.emails()
        self.urls.extend(u for e in emails for u in LINK.findall(e["text"]) + urls_in_html(e["html"]))
        return emails


@pytest.fixture
def frozen() -> Iterator[clock.FrozenClock]:
    frozen_clock = clock.FrozenClock(THURSDAY_10AM)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


@pytest.fixture
def observed(
    stack: Any, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, monkeypatch: Any
) -> Iterator[Observed]:
    """Every handler's Powertools logger at DEBUG, writing where the test reads; every standard
    logger's record kept too."""
    from aws_lambda_powertools import Tracer

    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    seen = Observed()
    # No handler adds X-Ray annotations or metadata today; any that one adds is searched too.
    for method in ("put_annotation", "put_metadata"):
        original = getattr(Tracer, method)

        def noted(tracer: Tracer, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            seen.trace_notes.append(json.dumps([args, kwargs], default=str))
            return _original(tracer, *args, **kwargs)

        monkeypatch.setattr(Tracer, method, noted)
    for function in (
        "SubmitRequestFunction",
        "MatchFunction",
        "NotifyFunction",
        "ActionsFunction",
        "SlaCheckFunction",
    ):
        handler_module(function)  # their loggers exist before they are found below
    powertools = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and getattr(logger, "powertools_handler", None)
    ]
    assert powertools, "no Powertools logger found"
    saved = []
    for logger in powertools:
        handler: logging.StreamHandler[Any] = logger.powertools_handler  # type: ignore[attr-defined]
        saved.append((logger, logger.level, handler, handler.stream))
        logger.setLevel(logging.DEBUG)
        handler.setStream(seen.log_stream)
    # Any logger's warnings (what Lambda's own log handler passes by default), and the debug lines of
    # Powertools' own loggers (what POWERTOOLS_DEBUG or a DEBUG application log level lets through).
    caplog.set_level(logging.WARNING)
    caplog.set_level(logging.DEBUG, logger="aws_lambda_powertools")
    try:
        yield seen
    finally:
        for logger, level, handler, stream in saved:
            logger.setLevel(level)
            handler.setStream(stream)


def collect(seen: Observed, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    """Sort what was printed into log lines and metric blobs; keep every other logger's record."""
    powertools_names = {
        name
        for name, logger in logging.Logger.manager.loggerDict.items()
        if getattr(logger, "powertools_handler", None)
    }
    seen.log_lines = [json.loads(line) for line in seen.log_stream.getvalue().splitlines()]
    for line in capsys.readouterr().out.splitlines():
        parsed = json.loads(line)  # only EMF blobs are printed
        assert "_aws" in parsed, line
        seen.metric_blobs.append(parsed)
    for record in caplog.records:
        if record.name in powertools_names:
            continue  # already read as its JSON line
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        seen.other_records.append(text)
        seen.debug_records += record.levelno == logging.DEBUG


def roster(stack: Any) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [RosterEntry(**s, modalities=["phone", "video"], max_open=2) for s in SUPPORTERS]
    )


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def supporter_of(stack: Any, reference: str) -> dict[str, str]:
    """The roster entry of the supporter the request is matched with now."""
    supporter_id = item(stack, reference)["supporter_id"]
    return next(s for s in SUPPORTERS if s["supporter_id"] == supporter_id)


def token_for(emails: list[dict[str, Any]], to: str, reference: str) -> str:
    """The link in the latest email to `to` about `reference`."""
    [*_, token] = [
        m.group(0).removeprefix("/actions/")
        for e in emails
        if e["to"] == to and reference in e["subject"] + e["text"]
        for m in TOKEN.finditer(e["text"])
    ]
    return token


def sweep(frozen: clock.FrozenClock, hours: float) -> dict[str, Any]:
    """The scheduled SLA check, `hours` later."""
    frozen.advance(timedelta(hours=hours))
    steps: dict[str, Any] = invoke("SlaCheckFunction", {})["steps"]
    return steps


@dataclass
class Lifecycle:
    """The references and links the story below passes from step to step."""

    self_ref: str = ""
    urgent_ref: str = ""
    referral_ref: str = ""
    emails: list[dict[str, Any]] = field(default_factory=list)


def ask(seen: Observed, story: Lifecycle) -> None:
    """A physician asks by JSON (and retries), by the form (urgent), and refers a colleague; and the
    asking goes wrong in each way it can."""
    key = "retry-" + uuid.uuid4().hex
    first = seen.submit(REQUEST, **{"Idempotency-Key": key})
    assert first["statusCode"] == 201, first["body"]
    story.self_ref = json.loads(first["body"])["reference"]
    again = seen.submit(REQUEST, **{"Idempotency-Key": key})
    assert json.loads(again["body"])["reference"] == story.self_ref
    refusals = [
        ({**REQUEST, "urgent": True}, {"Idempotency-Key": key}, 409),
        ({**REQUEST, "requester": {**REQUESTER, "email": "zq.private@@example.org"}}, {}, 422),
        ({**REQUEST, "requester": {**REQUESTER, "phone": "+1 604 555 0199 ext Quillfeather"}}, {}, 422),
        ({**REQUEST, "career_stage": "resident"}, {}, 422),
        ({**REQUEST, "Zephyrine": "Quillfeather"}, {}, 422),  # an unknown answer named after the person
        ({**REQUEST, "note": NOTE + " " + "x" * 600}, {}, 422),
        ({**REQUEST, "note": NOTE + " " + "x" * 17_000}, {}, 413),
        (REQUEST, {"Content-Type": "text/plain"}, 415),
    ]
    for body, headers, status in refusals:
        assert seen.submit(body, **headers)["statusCode"] == status, body
    broken = json.dumps(REQUEST)[:-30]
    assert seen.api("SubmitRequestFunction", "POST", "/requests", broken)["statusCode"] == 400

    form = [
        ("kind", "self"),
        ("requester.name", FORM_REQUESTER["name"]),
        ("requester.email", FORM_REQUESTER["email"]),
        ("requester.phone", FORM_REQUESTER["phone"]),
        ("career_stage", "practicing_physician"),
        ("practices_in_vancouver", "true"),
        ("reasons", "burnout"),
        ("modalities", "video"),
        ("urgent", "true"),
        ("avoid", AVOID),
        ("note", NOTE),
    ]
    resident = [(k, "resident" if k == "career_stage" else v) for k, v in form]
    assert seen.submit_form(resident)["statusCode"] == 422
    no_modality = [(k, v) for k, v in form if k != "modalities"]
    assert seen.submit_form(no_modality, page_again=True)["statusCode"] == 422  # the form, with their answers
    by_form = seen.submit_form(form)
    assert by_form["statusCode"] == 201, by_form["body"]
    story.urgent_ref = REFERENCE.findall(by_form["body"])[0]

    referral = {**REQUEST, "kind": "colleague", "requester": REFERRER, "colleague": COLLEAGUE}
    referred = seen.submit({**referral, "consent_confirmed": True})
    story.referral_ref = json.loads(referred["body"])["reference"]


def match_and_email(seen: Observed, story: Lifecycle, pipeline: Pipeline, monkeypatch: Any) -> None:
    """The stream matches and emails; the first send fails as botocore fails, quoting the value."""
    from peer_support.notifications import email as mailer

    client = mailer.sesv2_client()
    real_send = client.send_email

    def refuse(**kwargs: Any) -> Any:
        address = kwargs["Destination"]["ToAddresses"][0]
        raise ParamValidationError(
            report=f"Invalid length for parameter Destination.ToAddresses[0], value: {address}"
        )

    records = pipeline.readers["NotifyFunction"].records()
    monkeypatch.setattr(client, "send_email", refuse)
    assert invoke("NotifyFunction", {"Records": records})["batchItemFailures"]
    monkeypatch.setattr(client, "send_email", real_send)
    assert invoke("NotifyFunction", {"Records": records}) == {"batchItemFailures": []}
    pipeline.run()
    story.emails = seen.emails(pipeline)


def support(seen: Observed, story: Lifecycle, stack: Any, frozen: clock.FrozenClock) -> None:
    """The supporter opens the case, acknowledges first contact and closes it, slipping on the way;
    the requester's link and every bad link are refused."""
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_link

    supporter = next(
        s for s in SUPPORTERS if s["supporter_id"] == item(stack, story.self_ref)["supporter_id"]
    )
    case = token_for(story.emails, supporter["email"], story.self_ref)
    withdraw = token_for(story.emails, REQUESTER["email"], story.self_ref)

    page = seen.link("GET", case, html=True)
    assert page["statusCode"] == 200
    assert REQUESTER["email"] in page["body"]  # the supporter needs to reach them: that is the page's point
    # Their own page lists the case by reference only, and takes a change of availability
    [*_, own] = [
        m.group(0).removeprefix("/supporters/")
        for e in story.emails
        if e["to"] == supporter["email"]
        for m in PAGE.finditer(e["text"])
    ]
    mine = seen.own_page("GET", own)
    assert mine["statusCode"] == 200
    assert story.self_ref in mine["body"]
    assert REQUESTER["name"] not in mine["body"]
    assert REQUESTER["email"] not in mine["body"]
    answers = {"version": 1, "max_open": 99, "away_from": "2026-12-21", "away_until": "2027-01-04"}
    assert seen.own_page("POST", own, answers, page_again=True)["statusCode"] == 422
    assert seen.own_page("POST", own, {**answers, "max_open": 1})["statusCode"] == 200
    assert seen.own_page("POST", own, {**answers, "max_open": 2})["statusCode"] == 409
    assert seen.link("GET", withdraw, html=True)["statusCode"] == 200
    steps: list[tuple[dict[str, Any], int]] = [
        ({"action": "close", "conversations": 1, "modality_used": "phone"}, 409),  # not yet contacted
        ({"action": "acknowledge"}, 200),
        ({"action": "acknowledge"}, 409),
        ({"action": "close", "conversations": 99}, 422),
        ({"action": "withdraw"}, 409),  # not the supporter's to take
        ({"action": "close", "conversations": 2, "modality_used": "phone", "debrief_requested": True}, 200),
    ]
    for body, status in steps:
        assert seen.link("POST", case, body)["statusCode"] == status, body
        if body["action"] == "acknowledge" and status == 200:
            # The case page again, naming what to change: it is the supporter's to see.
            again = seen.link("POST", case, {"action": "close"}, html=True, page_again=True)
            assert again["statusCode"] == 422
    assert seen.link("GET", case, html=True)["statusCode"] == 409  # closed: nothing more to see
    assert seen.link("POST", withdraw, {"action": "withdraw"}, html=True)["statusCode"] == 409

    payload, mac = case.split(".")
    expired = issue_link(
        story.self_ref, "supporter", supporter["supporter_id"], frozen.now() - timedelta(days=60),
        timedelta(days=30), signing_key(),
    )  # fmt: skip
    forged = base64.urlsafe_b64encode(f"{story.urgent_ref}|admin|admin|9999999999".encode()).decode()
    for bad in (f"{payload}.{mac[:-2]}AA", f"{forged.rstrip('=')}.{mac}", expired, "not.a.token"):
        for html in (True, False):
            assert seen.link("GET", bad, html=html)["statusCode"] == 404
            assert seen.link("POST", bad, {"action": "cancel"}, html=html)["statusCode"] == 404


def deadlines(
    seen: Observed, story: Lifecycle, stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    """The urgent request's supporter is reminded and misses the deadline; the case moves, is missed
    again, and with nobody left waits for the administrator, who is reminded and cancels it. The
    referral's consent is reminded."""
    # Urgent: first contact due 2 hours after the match (Thursday 10:00), reminded half-way.
    assert sweep(frozen, hours=1.5) == {"contact_reminder": 1}  # Thursday 11:30
    assert sweep(frozen, hours=1) == {"reassigned": 1}  # 12:30
    pipeline.run()
    assert item(stack, story.urgent_ref)["status"] == "matched"
    assert sweep(frozen, hours=1.25) == {"contact_reminder": 1}  # 13:45
    assert sweep(frozen, hours=1) == {"reassigned": 1}  # 14:45
    pipeline.run()
    assert item(stack, story.urgent_ref)["status"] == "needs_admin"
    assert sweep(frozen, hours=26.25) == {"consent_reminder": 1, "needs_admin_reminder": 1}  # Friday 17:00
    pipeline.run()
    story.emails = seen.emails(pipeline)

    urgent = token_for(story.emails, ADMIN, story.urgent_ref)
    steps: list[tuple[dict[str, Any], int]] = [
        ({"action": "acknowledge"}, 409),  # not the administrator's to take
        ({"action": "cancel"}, 200),
        ({"action": "cancel"}, 409),
    ]
    assert seen.link("GET", urgent, html=True)["statusCode"] == 200
    for body, status in steps:
        assert seen.link("POST", urgent, body, html=status != 200)["statusCode"] == status, body


def referral(seen: Observed, story: Lifecycle, stack: Any, pipeline: Pipeline, monkeypatch: Any) -> None:
    """The administrator confirms the colleague's consent, but SES refuses the colleague's address for
    good, quoting it; the referrer may no longer withdraw; the colleague's supporter declines and
    another takes the case."""
    from botocore.exceptions import ClientError

    from peer_support.notifications import email as mailer

    client = mailer.sesv2_client()
    real_send = client.send_email

    def reject_colleague(**kwargs: Any) -> Any:
        address = kwargs["Destination"]["ToAddresses"][0]
        if address == COLLEAGUE["email"]:
            message = f"Email address is not verified. The following identities failed the check: {address}"
            raise ClientError({"Error": {"Code": "MessageRejected", "Message": message}}, "SendEmail")
        return real_send(**kwargs)

    monkeypatch.setattr(client, "send_email", reject_colleague)
    consent = token_for(story.emails, ADMIN, story.referral_ref)
    assert seen.link("GET", consent, html=True)["statusCode"] == 200
    assert seen.link("POST", consent, {"action": "confirm_consent"})["statusCode"] == 200
    assert seen.link("POST", consent, {"action": "confirm_consent"}, html=True)["statusCode"] == 409
    pipeline.run()
    story.emails = seen.emails(pipeline)
    matched = item(stack, story.referral_ref)
    assert matched["status"] == "matched"
    assert [h["event"] for h in matched["history"]].count("email_undeliverable") == 1
    assert not any(e["to"] == COLLEAGUE["email"] for e in story.emails)

    referrer = token_for(story.emails, REFERRER["email"], story.referral_ref)
    assert seen.link("POST", referrer, {"action": "withdraw"}, html=True)["statusCode"] == 409  # now theirs
    assert seen.link("POST", referrer, {"action": "withdraw"})["statusCode"] == 409
    first = supporter_of(stack, story.referral_ref)
    case = token_for(story.emails, first["email"], story.referral_ref)
    assert seen.link("GET", case, html=True)["statusCode"] == 200
    assert seen.link("POST", case, {"action": "decline"}, html=True)["statusCode"] == 200
    pipeline.run()
    story.emails = seen.emails(pipeline)
    assert seen.link("GET", case, html=True)["statusCode"] == 409  # moved: the person's details are gone
    second = supporter_of(stack, story.referral_ref)
    assert second != first
    taken = token_for(story.emails, second["email"], story.referral_ref)
    assert seen.link("GET", taken, html=True)["statusCode"] == 200


def assert_no_personal_data(seen: Observed) -> None:
    """Search every log line, metric, trace note, error body and URL for every personal-data string."""
    everything = {
        "log line": [json.dumps(line) for line in seen.log_lines],
        "metric blob": [json.dumps(blob) for blob in seen.metric_blobs],
        "standard log record": seen.other_records,
        "trace annotation or metadata": seen.trace_notes,
        "error body": seen.error_bodies,
        "URL": seen.urls,
    }
    found = {
        (where, value, text[max(text.lower().find(value.lower()) - 150, 0) :][:300])
        for where, texts in everything.items()
        for text in texts
        for value in leaks(text)
    }
    assert not found, "\n".join(f"{where} holds {value!r}: {text!r}" for where, value, text in sorted(found))
    assert not [url for url in seen.urls if urlsplit(url).query]  # nothing rides in a query string


def link_tokens(seen: Observed, pattern: re.Pattern[str]) -> dict[str, str]:
    """Each signed token in the URLs seen, with its payload decoded (a forged "not.a.token" left out)."""
    decoded: dict[str, str] = {}
    for encoded in {m.group(1) for url in seen.urls for m in [pattern.search(url)] if m}:
        try:
            decoded[encoded] = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            continue
    return decoded


def metric_names(seen: Observed) -> set[str]:
    return {
        m["Name"]
        for blob in seen.metric_blobs
        for d in blob["_aws"]["CloudWatchMetrics"]
        for m in d["Metrics"]
    }


def test_no_personal_data_in_logs_metrics_error_bodies_or_urls(
    stack: Any,
    frozen: clock.FrozenClock,
    observed: Observed,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a roster, and a request's whole life with every way it can go wrong
    seen, story = observed, Lifecycle()
    roster(stack)
    pipeline = Pipeline(stack)
    ask(seen, story)
    match_and_email(seen, story, pipeline, monkeypatch)
    support(seen, story, stack, frozen)
    deadlines(seen, story, stack, pipeline, frozen)
    referral(seen, story, stack, pipeline, monkeypatch)
    collect(seen, capsys, caplog)
    # Every text message: its links are checked with the rest, and it names nobody (its number aside)
    from local_runner.stack import sent_sms

    texts = [message["text"] for message in sent_sms()]
    assert any(text.startswith("Urgent peer support request ") for text in texts), texts
    assert any(text.startswith("Reminder: urgent peer support request ") for text in texts), texts
    for text in texts:
        assert leaks(text) == [], text
        assert re.fullmatch(r"[^\n]{1,320}", text), text  # one line, two segments at most
    seen.urls.extend(u for text in texts for u in LINK.findall(text))

    # Then nothing anybody may read outside a page or an email names a person
    assert_no_personal_data(seen)

    # ... no link's token carries more than a reference, a role, a holder and an expiry
    tokens = link_tokens(seen, TOKEN)
    assert len(tokens) >= 10
    for decoded in tokens.values():
        assert re.fullmatch(r"PS-[A-Z0-9]{4}-[A-Z0-9]{4}\|(supporter|admin|requester)\|[\w\-]+\|\d+", decoded)

    # ... and a supporter's own page link carries only their opaque id and an expiry
    pages = link_tokens(seen, PAGE)
    assert pages
    for decoded in pages.values():
        assert re.fullmatch(r"sup-\d+\|\d+", decoded), decoded

    # ... while the logs are useful: every reference, each API call's correlation id, the debug lines
    for reference in (story.self_ref, story.urgent_ref, story.referral_ref):
        assert any(line.get("reference") == reference for line in seen.log_lines), reference
    stored = [line for line in seen.log_lines if line["message"] == "request stored"]
    assert {line["reference"] for line in stored} == {story.self_ref, story.urgent_ref, story.referral_ref}
    assert all(line.get("correlation_id") in seen.correlation_ids for line in stored)
    api_lines = [line for line in seen.log_lines if line.get("correlation_id")]
    assert {line["correlation_id"] for line in api_lines} <= set(seen.correlation_ids)
    assert {line["message"] for line in api_lines} >= {"request stored", "action taken"}
    messages = {line["message"] for line in seen.log_lines}
    assert {"stream record failed", "email undeliverable", "request matched", "sla sweep"} <= messages
    assert seen.debug_records > 100
    names = metric_names(seen)
    assert {
        "RequestsSubmitted",
        "RequestsMatched",
        "EmailsSent",
        "SmsSent",
        "SupporterReminders",
        "Reassignments",
    } <= names

    print(  # the figures, with -rP
        f"inspected {len(seen.log_lines)} Powertools log lines, {len(seen.other_records)} standard log "
        f"records ({seen.debug_records} DEBUG), {len(seen.metric_blobs)} metric blobs, "
        f"{len(seen.trace_notes)} trace annotations, {len(seen.error_bodies)} error bodies, "
        f"{len(seen.urls)} URLs ({len(set(seen.urls))} distinct, {len(tokens)} link tokens), "
        f"for {len(SEARCHED)} personal-data strings"
    )


def test_the_group_leaves_no_personal_data_in_logs_metrics_error_bodies_or_urls(
    stack: Any,
    frozen: clock.FrozenClock,
    observed: Observed,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from peer_support.group.settings import get_group_settings
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_group_link

    # Given the BIPOC group's next session (Monday 30 November), with two places (a setting)
    monkeypatch.setenv("GROUP_CAPACITY", "2")
    get_group_settings.cache_clear()
    seen, pipeline = observed, GroupPipeline(stack)
    html = {"Accept": "text/html"}
    form = {"Content-Type": "application/x-www-form-urlencoded", **html}
    assert seen.api("GroupFunction", "GET", "/group", headers=html)["statusCode"] == 200

    def register(member: dict[str, str], **changes: Any) -> dict[str, Any]:
        body = {**member, "identifies_as_bipoc": True, "practices_in_bc": True, **changes}
        return seen.api("GroupFunction", "POST", "/group-registrations", json.dumps(body))

    def by_form(member: dict[str, str], page_again: bool = False, **changes: str) -> dict[str, Any]:
        answers = {**member, "identifies_as_bipoc": "true", "practices_in_bc": "true", **changes}
        body = urlencode(answers)
        return seen.api("GroupFunction", "POST", "/group-registrations", body, form, page_again=page_again)

    # When three physicians register (one twice, one by the form, the last waitlisted), and registering
    # goes wrong in each way it can
    first = json.loads(register(MEMBERS[0])["body"])
    assert json.loads(register(MEMBERS[0])["body"])["reference"] == first["reference"]
    assert by_form(MEMBERS[1])["statusCode"] == 201
    waiting = json.loads(register(MEMBERS[2])["body"])
    assert (first["status"], waiting["status"]) == ("registered", "waitlisted")
    refusals: list[tuple[dict[str, Any], int]] = [
        ({"email": "anwuli.t.home@@example.net"}, 422),
        ({"identifies_as_bipoc": False}, 422),
        ({"practices_in_bc": False}, 422),
        ({"Bartholomew": "Quennell"}, 422),
        ({"name": MEMBERS[1]["name"] + " " + "x" * 17_000}, 413),
    ]
    for changes, status in refusals:
        assert register(MEMBERS[1], **changes)["statusCode"] == status, changes
    plain = {"Content-Type": "text/plain"}
    assert seen.api("GroupFunction", "POST", "/group-registrations", "Quennell", plain)["statusCode"] == 415
    assert by_form(MEMBERS[1], identifies_as_bipoc="false")["statusCode"] == 422  # the group's kind page
    assert by_form(MEMBERS[1], page_again=True, email="bq.private")["statusCode"] == 422  # the form again
    pipeline.run()
    emails = seen.emails(pipeline)
    assert any(e["to"] == FACILITATOR for e in emails)

    # And the first gives up the place by their email's link, and the waitlisted one is offered it
    [*_, token] = [m.group(0).rsplit("/", 1)[-1] for e in emails if e["to"] == MEMBERS[0]["email"]
                   for m in GROUP_TOKEN.finditer(e["text"])]  # fmt: skip
    assert seen.group_link("GET", token)["statusCode"] == 200
    assert seen.group_link("POST", token, "stay", html=False)["statusCode"] == 422
    assert seen.group_link("POST", token, "cancel")["statusCode"] == 200
    assert seen.group_link("POST", token, "cancel", html=False)["statusCode"] == 200  # already given up
    payload, mac = token.split(".")
    session_id = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode().split("|")[0]
    expired = issue_group_link(
        session_id, first["reference"], frozen.now() - timedelta(days=1), signing_key()
    )
    forged = base64.urlsafe_b64encode(f"{session_id}|{waiting['reference']}|9999999999".encode()).decode()
    for bad in (f"{payload}.{mac[:-2]}AA", f"{forged.rstrip('=')}.{mac}", expired):
        for as_html in (True, False):
            assert seen.group_link("GET", bad, html=as_html)["statusCode"] == 404
            assert seen.group_link("POST", bad, "cancel", html=as_html)["statusCode"] == 404
    pipeline.run()

    # And at noon on the session's Monday, those holding a place are reminded
    frozen.advance(timedelta(days=4, hours=2))
    assert invoke("SlaCheckFunction", {})["group_reminders"]["sent"] == 1
    pipeline.run()
    seen.emails(pipeline)
    collect(seen, capsys, caplog)

    # Then nothing anybody may read outside a page or an email names a registrant
    assert_no_personal_data(seen)
    tokens = link_tokens(seen, GROUP_TOKEN)
    assert len(tokens) >= 3
    for decoded in tokens.values():
        assert re.fullmatch(r"[\w\-]+\|GR-[A-Z0-9]{4}-[A-Z0-9]{4}\|\d+", decoded), decoded

    # ... while the logs say what happened, by reference
    logged = {(line["message"], line.get("reference")) for line in seen.log_lines}
    assert ("group registration", first["reference"]) in logged
    assert ("group registration", waiting["reference"]) in logged
    assert ("group place given up", first["reference"]) in logged
    assert any(line["message"] == "group reminders" for line in seen.log_lines)
    assert {
        "GroupRegistered",
        "GroupWaitlisted",
        "GroupPlacesGivenUp",
        "GroupSessionsReminded",
    } <= metric_names(seen)
    print(  # the figures, with -rP
        f"group: inspected {len(seen.log_lines)} Powertools log lines, "
        f"{len(seen.other_records)} standard log records, {len(seen.metric_blobs)} metric blobs, "
        f"{len(seen.error_bodies)} error bodies, {len(seen.urls)} URLs ({len(set(seen.urls))} distinct, "
        f"{len(tokens)} link tokens)"
    )


def test_a_reach_in_leaves_no_personal_data_in_logs_metrics_error_bodies_or_urls(
    stack: Any,
    frozen: clock.FrozenClock,
    observed: Observed,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given two invitations to the same colleague, from two referrers, one naming themself
    seen, pipeline = observed, Pipeline(stack)
    roster(stack)
    invitation = {
        "kind": "reach_in",
        "colleague": COLLEAGUE,
        "event": "legal",
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "note": NOTE,
        "avoid": [AVOID],
    }
    first = seen.submit({**invitation, "requester": REFERRER, "share_referrer_name": True})
    second = seen.submit({**invitation, "requester": FORM_REQUESTER})
    assert (first["statusCode"], second["statusCode"]) == (201, 201)
    # ... and each way one can be refused: no contact, the referrer as the physician, another event
    for changes in ({"colleague": None}, {"colleague": REFERRER}, {"event": COLLEAGUE["name"]}):
        body = {k: v for k, v in {**invitation, "requester": REFERRER, **changes}.items() if v is not None}
        assert seen.submit(body)["statusCode"] == 422, changes
    pipeline.run()
    references = [json.loads(answer["body"])["reference"] for answer in (first, second)]
    emails = seen.emails(pipeline)
    # When the colleague says yes to one and no, thank you, to the other, each link's page seen first
    for reference, action in zip(references, ("accept_invitation", "decline_invitation"), strict=True):
        token = token_for(emails, COLLEAGUE["email"], reference)
        assert seen.link("GET", token, html=True)["statusCode"] == 200
        assert seen.link("POST", token, {"action": action})["statusCode"] == 200
        assert seen.link("POST", token, {"action": action})["statusCode"] == 409
    pipeline.run()
    seen.emails(pipeline)
    collect(seen, capsys, caplog)

    # Then nothing anybody may read outside a page or an email names a person
    assert_no_personal_data(seen)
    for decoded in link_tokens(seen, TOKEN).values():
        assert re.fullmatch(r"PS-[A-Z0-9]{4}-[A-Z0-9]{4}\|(supporter|admin|requester)\|[\w\-]+\|\d+", decoded)
    # ... the referrers never heard the answer, and the declined one keeps nobody's details
    assert [len([e for e in emails if e["to"] == r["email"]]) for r in (REFERRER, FORM_REQUESTER)] == [1, 1]
    assert leaks(json.dumps(item(stack, references[1]))) == []


def test_the_check_in_feedback_and_report_leave_no_personal_data_anywhere(
    stack: Any,
    frozen: clock.FrozenClock,
    observed: Observed,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from local_runner.streams import StreamReader, mappings
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_report_link

    # Given a request's life to its close, then the check-in (and the month's report email) on its day
    seen, story = observed, Lifecycle()
    roster(stack)
    pipeline = Pipeline(stack)
    ask(seen, story)
    match_and_email(seen, story, pipeline, monkeypatch)
    support(seen, story, stack, frozen)
    assert sweep(frozen, 24 * 16).get("checked_in") == 1
    pipeline.run()
    for mapping in mappings(stack):
        if mapping.function == "CountFunction" and (records := StreamReader(mapping, stack.region).records()):
            assert invoke("CountFunction", {"Records": records}) == {"batchItemFailures": []}
    [check_in] = [e for e in pipeline.emails() if e["subject"].startswith("How are you doing?")]
    assert check_in["to"] == REQUESTER["email"]

    # When the person answers the feedback twice, and the administrators read the report both ways
    feedback = re.search(r"/feedback/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)", check_in["text"])
    assert feedback
    token = feedback.group(1)
    answers = json.dumps({"helpful": 5, "contacted_in_time": True, "would_recommend": True})
    for status in (201, 409):
        path = f"/feedback/{token}"
        assert seen.api("ReportsFunction", "POST", path, answers, token=token)["statusCode"] == status
    report = issue_report_link(frozen.now() + timedelta(days=1), signing_key())
    page = seen.api(
        "ReportsFunction", "GET", f"/reports/{report}", None, {"Accept": "text/html"}, token=report
    )
    event = api_event(
        "GET", f"/reports/{report}", path_parameters={"token": report}, resource="/reports/{token}"
    )
    event["queryStringParameters"] = {"format": "csv"}
    csv = invoke("ReportsFunction", event)
    collect(seen, capsys, caplog)

    # Then the report names nobody and no request, and nothing was logged, counted or traced that does
    for body in (page["body"], csv["body"]):
        assert leaks(body) == []
        assert not REFERENCE.search(body)
        assert token not in body
    assert "2026" in csv["body"]
    # The contract's one query string (`?format=csv`, on the report page's own link) carries nothing else.
    seen.urls = [url for url in seen.urls if not url.endswith("?format=csv")]
    assert_no_personal_data(seen)
    assert not any(token in json.dumps(line) for line in seen.log_lines)
    assert "FeedbackReceived" in metric_names(seen)
