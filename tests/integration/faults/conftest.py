"""The fault harness: AWS calls made to fail on demand, the stream consumers fed as their event source
mappings would feed them (the local runner's poller, with the template's batch size, retries, bisection
and on-failure queue), and what to count afterwards."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from local_runner.lambdas import LambdaContext, handler
from local_runner.streams import StreamPoller, mappings
from tests.conftest import REGION, api_event

ADMIN = "program-admin@example.org"
SUPPORTERS = ("s1", "s2", "s3")


def person(n: int) -> dict[str, str]:
    return {
        "name": f"Dr. Person{n} Private",
        "email": f"person{n}@example.org",
        "phone": f"604 555 01{n:02d}",
    }


def request_body(n: int) -> dict[str, Any]:
    return {
        "kind": "self",
        "requester": person(n),
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": ["adverse_event"],
        "share_reasons": True,
        "modalities": ["video"],
        "note": f"Private note {n}",
    }


def personal_data(*numbers: int) -> list[str]:
    """What must never appear in a log line, a queue message or an error body."""
    values = ["Private", *(f"{s}@example.org" for s in SUPPORTERS)]
    for n in numbers:
        values += list(person(n).values())
    return values


# -- faults ---------------------------------------------------------------------------------------


def client_error(code: str, operation: str, status: int = 400, **extra: Any) -> ClientError:
    """A `ClientError` as botocore raises it once its own retries are spent."""
    response: Any = {
        "Error": {"Code": code, "Message": f"{code} (injected)"},
        "ResponseMetadata": {"HTTPStatusCode": status},
        **extra,
    }
    return ClientError(response, operation)


@dataclass
class Rule:
    service: str
    operation: str
    error: Callable[[str], BaseException]
    times: int | None  # None: until lifted
    when: Callable[[dict[str, Any]], bool]
    injected: int = 0


@dataclass
class Faults:
    """Chosen AWS calls fail, as many times as asked or until lifted; the rest reach moto."""

    rules: list[Rule] = field(default_factory=list)

    def fail(
        self,
        service: str,
        operation: str,
        error: str | Callable[[str], BaseException],
        *,
        times: int | None = None,
        when: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> Rule:
        make = (lambda op: client_error(error, op)) if isinstance(error, str) else error
        rule = Rule(service, operation, make, times, when)
        self.rules.append(rule)
        return rule

    def lift(self) -> None:
        """The fault is over: every call reaches AWS again."""
        self.rules.clear()

    def check(self, service: str, operation: str, params: dict[str, Any]) -> None:
        for rule in self.rules:
            if (rule.service, rule.operation) != (service, operation):
                continue
            if rule.times is not None and rule.injected >= rule.times:
                continue
            if rule.when(params):
                rule.injected += 1
                raise rule.error(operation)


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> Faults:
    injected = Faults()
    real = BaseClient._make_api_call  # type: ignore[attr-defined]  # where every client call passes

    def call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        injected.check(client.meta.service_model.service_name, operation, params)
        return real(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", call)
    return injected


# -- Lambda and its event source mappings ------------------------------------------------------------


class Died(BaseException):
    """The function's process ended mid-invocation (a timeout or a kill): nothing in it can catch this."""


class FunctionError(Exception):
    """What the event source mapping sees of an invocation that died."""


@dataclass
class Lambda:
    """Runs the real handlers in this process, as Lambda would, with a context that says how long the
    invocation has left. An invocation that dies is reported to the poller as a function error."""

    region: str = REGION
    remaining_ms: int = 15_000
    invocations: list[tuple[str, int]] = field(default_factory=list)

    def invoke(self, function: str, event: dict[str, Any], instance: int = 0) -> Any:
        self.invocations.append((function, len(event["Records"])))
        context = Context(function_name=function, region=self.region, remaining_ms=self.remaining_ms)
        try:
            return handler(function)(event, context)
        except Died as died:
            raise FunctionError(function) from died


@dataclass
class Context(LambdaContext):
    remaining_ms: int = 15_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


class Streams:
    """The Requests table's two consumers behind the local runner's pollers, run until quiet."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.aws_lambda = Lambda()
        self.pollers = {
            # One batch at a time, so that a batch's retries and splits are the ones each test names
            # (the lanes of a parallelization factor are tested with the poller itself).
            m.function: StreamPoller(self.aws_lambda, replace(m, parallelization=1))  # type: ignore[arg-type]
            for m in mappings(stack)
            if m.function in ("MatchFunction", "NotifyFunction")
        }
        for poller in self.pollers.values():
            poller.max_pause = 0  # retry at once: the test waits for nothing

    def run(self, rounds: int = 20) -> None:
        for _ in range(rounds):
            if not sum(poller.poll_once() for poller in self.pollers.values()):
                return
        raise AssertionError("the stream consumers did not settle")


@pytest.fixture
def roster(stack: Any) -> None:
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id=s,
                name=f"Dr. Supporter {s}",
                email=f"{s}@example.org",
                modalities=["video"],
                max_open=2,
            )
            for s in SUPPORTERS
        ]
    )


@pytest.fixture
def streams(stack: Any, roster: None) -> Streams:
    return Streams(stack)


# -- acting and counting -----------------------------------------------------------------------------


def post_request(body: dict[str, Any], key: str | None = None, html: bool = False) -> dict[str, Any]:
    headers = {"Accept": "text/html" if html else "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    result: dict[str, Any] = handler("SubmitRequestFunction")(
        api_event("POST", "/requests", json.dumps(body), headers),
        Context(function_name="SubmitRequestFunction"),
    )
    return result


def submit(n: int) -> str:
    result = post_request(request_body(n), key=f"request-key-{n:04d}")
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def requests(stack: Any) -> list[dict[str, Any]]:
    """Every stored request."""
    import boto3

    from peer_support.core.dynamodb import from_item

    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=stack.refs["RequestsTable"])
    return [from_item(item) for page in pages for item in page["Items"]]


def open_counts(stack: Any) -> dict[str, int]:
    from peer_support.supporters.repository import SupportersRepository

    return {s.supporter_id: s.open_count for s in SupportersRepository(stack.refs["SupportersTable"]).all()}


KINDS = {
    "We have your request for peer support": "request_received",
    "A Peer Supporter will contact you": "matched",
    "New peer support request": "assigned",
}


def sent() -> Counter[tuple[str, str, str]]:
    """Each email sent so far as (reference, recipient, kind), with how many times it was sent."""
    import re

    from local_runner.stack import sent_emails

    counted: Counter[tuple[str, str, str]] = Counter()
    for email in sent_emails(REGION):
        reference = re.search(r"PS-[0-9A-Z]{4}-[0-9A-Z]{4}", email["subject"])
        kind = next(
            (k for prefix, k in KINDS.items() if email["subject"].startswith(prefix)), email["subject"]
        )
        counted[(reference.group(0) if reference else "", email["to"], kind)] += 1
    return counted


def expected_emails(stack: Any, *numbers: int) -> Counter[tuple[str, str, str]]:
    """What the requests of `numbers` call for once matched, each once: the requester hears it was
    received and who will contact them by when; the supporter is told of the case."""
    by_email = {r["requester"]["email"]: r for r in requests(stack)}
    expected: Counter[tuple[str, str, str]] = Counter()
    for n in numbers:
        item = by_email[person(n)["email"]]
        assert item["status"] == "matched", (n, item["status"])
        reference = item["request_id"]
        expected[(reference, person(n)["email"], "request_received")] = 1
        expected[(reference, person(n)["email"], "matched")] = 1
        expected[(reference, f"{item['supporter_id']}@example.org", "assigned")] = 1
    return expected


def logged(caplog: pytest.LogCaptureFixture, message: str) -> list[dict[str, Any]]:
    """The log records with `message`, each with every field it carries."""
    return [dict(r.__dict__) for r in caplog.records if r.getMessage() == message]


def assert_no_personal_data(caplog: pytest.LogCaptureFixture, *numbers: int) -> None:
    logs = "\n".join(str(record.__dict__) for record in caplog.records)
    for value in personal_data(*numbers):
        assert value not in logs, value
