"""The template's RetentionDays reaches every page that says how long a person's details are kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest

from local_runner.caches import clear_caches
from local_runner.lambdas import invoke
from tests.conftest import api_event, deploy

REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Ann Lee", "email": "ann.lee@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}
HTML = {"Accept": "text/html"}


@pytest.fixture
def kept_seven_days(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    yield deploy(monkeypatch, RetentionDays="7")
    clear_caches()


def page(function: str, method: str, path: str, body: str | None = None, **headers: str) -> str:
    token = path.removeprefix("/actions/") if path.startswith("/actions/") else None
    event = api_event(
        method,
        path,
        body,
        {**HTML, **headers},
        path_parameters={"token": token} if token else None,
        resource="/actions/{token}" if token else None,
    )
    result: dict[str, Any] = invoke(function, event)
    assert result["statusCode"] < 500, result["body"]
    return str(result["body"])


def test_pages_say_the_retention_the_stack_was_deployed_with(kept_seven_days: Any) -> None:
    from peer_support.core import clock
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_link

    # Given a stack deployed with RetentionDays 7, and a request
    submitted = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(REQUEST)))
    reference = json.loads(submitted["body"])["reference"]
    withdraw = issue_link(reference, "requester", "requester", clock.now(), timedelta(days=1), signing_key())
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    # When a person reads the pages that speak of it
    pages = {
        "form": page("SubmitRequestFunction", "GET", "/"),
        "form again": page("SubmitRequestFunction", "POST", "/requests", urlencode({"kind": "self"}), **form),
        "withdraw": page("ActionsFunction", "GET", f"/actions/{withdraw}"),
        "withdrawn": page(
            "ActionsFunction", "POST", f"/actions/{withdraw}", urlencode({"action": "withdraw"}), **form
        ),
        "group": page("GroupFunction", "GET", "/group"),
    }

    # Then each says 7 days, and none the template's default
    for name, html in pages.items():
        assert "30 days" not in html, name
        assert "7 days" in html, name
    assert (
        "we delete your details 7 days after your request is withdrawn, or after our one check-in once it "
        "is closed" in pages["form"]
    )
    assert "We delete your details 7 days later." in pages["withdraw"]
    assert "We will delete your details in 7 days." in pages["withdrawn"]
    assert "We delete them 7 days after the session." in pages["group"]
    assert "We delete your registration 7 days after the session" in pages["group"]
