"""The supporters' own page and emails under moto: links, page posts, the stream consumers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from local_runner.lambdas import invoke
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline

ADMIN = "program-admin@example.org"
PAGE_LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/supporters/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
CASE_LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org", "phone": "604 555 0199"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
    "note": "Mornings are hard this week",
}
PERSONAL = ("Ann", "ann.lee@example.org", "604 555 0199", "Mornings are hard")


class CarePipeline(Pipeline):
    """The Requests table's consumers and the Supporters table's, run to quiescence."""

    def to(self, address: str) -> list[dict[str, Any]]:
        return [email for email in self.emails() if email["to"] == address]


def page_token(supporter_id: str, days: int = 30) -> str:
    from peer_support.core import clock
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_supporter_link

    return issue_supporter_link(supporter_id, clock.now(), timedelta(days=days), signing_key())


def page(
    method: str,
    token: str,
    body: dict[str, Any] | None = None,
    html: bool = True,
    form: bool = True,
) -> dict[str, Any]:
    """`GET` or `POST /supporters/{token}` on the actions function, as a browser form or JSON."""
    headers = {"Accept": "text/html" if html else "application/json"}
    encoded = None
    if body is not None:
        if form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            encoded = urlencode(body, doseq=True)
        else:
            headers["Content-Type"] = "application/json"
            encoded = json.dumps(body)
    event = api_event(
        method,
        f"/supporters/{token}",
        encoded,
        headers,
        path_parameters={"token": token},
        resource="/supporters/{token}",
    )
    result: dict[str, Any] = invoke("ActionsFunction", event)
    return result


def case_link(method: str, token: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}
    event = api_event(
        method,
        f"/actions/{token}",
        urlencode(body, doseq=True) if body is not None else None,
        headers,
        path_parameters={"token": token},
        resource="/actions/{token}",
    )
    result: dict[str, Any] = invoke("ActionsFunction", event)
    return result


def submit(body: dict[str, Any] | None = None) -> str:
    result = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body or REQUEST)))
    assert result["statusCode"] == 201, result["body"]
    reference: str = json.loads(result["body"])["reference"]
    return reference


def record(stack: Any, supporter_id: str) -> Any:
    from peer_support.supporters.repository import SupportersRepository

    return SupportersRepository(stack.refs["SupportersTable"]).find(supporter_id)


def availability(stack: Any, supporter_id: str, **answers: Any) -> dict[str, Any]:
    """The page's form as it stands for the supporter, with `answers` changed."""
    from peer_support.supporters.availability import shown

    current = shown(record(stack, supporter_id))
    values = {**current, **answers}
    return {
        key: ("true" if value is True else value)
        for key, value in values.items()
        if value not in (None, False)
    }
