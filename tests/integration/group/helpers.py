"""Helpers for the BIPOC group's integration tests: calling the group function as API Gateway would,
reading the Group table, and running its stream consumer to quiescence."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

import boto3

from local_runner.lambdas import invoke
from local_runner.stack import sent_emails
from local_runner.streams import StreamReader
from local_runner.template import Stack
from tests.conftest import api_event

FACILITATOR = "group-facilitator@example.org"
JOIN_URL = "https://meet.example.org/bipoc-physician-peer-support-group"


def person(i: int | str, **changes: Any) -> dict[str, Any]:
    """Registration answers for a fictional physician number `i`."""
    return {
        "name": f"Dr. Member {i}",
        "email": f"member{i}@example.org",
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
        **changes,
    }


def call(
    method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None, **kw: Any
) -> Any:
    return invoke("GroupFunction", api_event(method, path, body, headers, **kw))


def post_json(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    result = call("POST", "/group-registrations", json.dumps(body))
    return result["statusCode"], json.loads(result["body"])


def register(body: dict[str, Any]) -> dict[str, Any]:
    status, receipt = post_json(body)
    assert status == 201, receipt
    return receipt


def post_form(pairs: list[tuple[str, str]]) -> Any:
    return call(
        "POST",
        "/group-registrations",
        urlencode(pairs),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )


def token_path(url: str) -> tuple[str, str]:
    """(`/group-registrations/{token}`, token) from a link in an email."""
    path = urlsplit(url).path
    return path, path.rsplit("/", 1)[-1]


def open_link(url: str, method: str = "GET", body: str | None = None, html: bool = True) -> Any:
    path, token = token_path(url)
    headers = {"Accept": "text/html"} if html else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded" if html else "application/json"
    return call(
        method,
        path,
        body,
        headers,
        path_parameters={"token": token},
        resource="/group-registrations/{token}",
    )


def items(stack: Stack) -> list[dict[str, Any]]:
    from peer_support.core.dynamodb import from_item

    pages = boto3.client("dynamodb").get_paginator("scan").paginate(TableName=stack.refs["GroupTable"])
    return [from_item(item) for page in pages for item in page["Items"]]


def registrations(stack: Stack) -> list[dict[str, Any]]:
    return [i for i in items(stack) if i["kind"] == "registration"]


def session_item(stack: Stack, session_id: str) -> dict[str, Any]:
    [found] = [i for i in items(stack) if i["kind"] == "session" and i["session_id"] == session_id]
    return found


class GroupPipeline:
    """The group's stream consumer run to quiescence, as its event source mapping would run it."""

    def __init__(self, stack: Stack) -> None:
        self.reader = StreamReader.of(stack, "GroupNotifyFunction")
        self.region = stack.region
        self.delivered: list[dict[str, Any]] = []

    def run(self, rounds: int = 10) -> int:
        """Deliver every new record that passes the filters; returns how many."""
        total = 0
        for _ in range(rounds):
            records = self.reader.records()
            if not records:
                return total
            self.delivered.extend(records)
            total += len(records)
            result = invoke("GroupNotifyFunction", {"Records": records})
            assert result == {"batchItemFailures": []}, result
        raise AssertionError("the group's stream consumer did not settle")

    def redeliver(self) -> None:
        """Hand every record delivered so far to the function again (at-least-once delivery)."""
        result = invoke("GroupNotifyFunction", {"Records": self.delivered})
        assert result == {"batchItemFailures": []}, result

    def emails(self, to: str | None = None) -> list[dict[str, Any]]:
        return [e for e in sent_emails(self.region) if to is None or e["to"] == to]


def headers(result: dict[str, Any]) -> dict[str, str]:
    """A proxy result's headers (Powertools answers with `multiValueHeaders`)."""
    return {k: v[0] for k, v in (result.get("multiValueHeaders") or {}).items()}
