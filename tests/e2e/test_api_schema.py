"""Schemathesis against the API's own OpenAPI document, on a local stack of its own.

Every operation the document describes is called with generated requests, schema-valid and not: no
answer is a 5xx, every answer is one the document declares (status, media type, body), and every JSON
error is in the contract's shape and repeats nothing that was sent.

The document is the one the stack serves (the first test holds them equal); it is built in-process so
that pytest can list the operations before the stack starts.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

from peer_support.core import rendering as templates
from peer_support.entrypoints.api.openapi import openapi_document
from peer_support.entrypoints.api.problems import IDEMPOTENCY_HEADER
from tests.e2e.conftest import (
    all_emails,
    ask_for_oneself,
    emails_about,
    get_json,
    local_stack,
    move_clock,
    next_months_report_time,
    post_json,
    wait_for,
)

pytestmark = pytest.mark.e2e

# A declared field's path ("requester.name", "avoid.0"): never a name the caller made up.
FIELD_PATH = re.compile(r"^[a-z][a-z_]{0,40}(\.([a-z][a-z_]{0,40}|\d{1,2})){0,2}$")
MAX_EXAMPLES = 25  # per operation and generation phase: enough to find a crash, quick on two cores
DOCUMENT = openapi_document("Physician Peer Support")
schema = schemathesis.openapi.from_dict(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES},
            "checks": {
                # API Gateway answers a method that no route declares with 403, not 405: AWS's answer.
                "unsupported_method": {"enabled": False},
                # The document cannot state every rule (an eligibility answer of "no", the cross-field rules,
                # no control characters in a name), so a schema-valid body may rightly get a 422; that
                # answer's shape is checked below like every other error.
                "positive_data_acceptance": {"enabled": False},
            },
        }
    ),
)
OPERATIONS = {f"{method.upper()} {path}" for path, ops in DOCUMENT["paths"].items() for method in ops}
ERROR_CODES = set(templates.messages()["errors"])
CALLS: Counter[str] = Counter()
ANSWERS: Counter[str] = Counter()  # status and media type of every answer


@pytest.fixture(scope="module")
def stack_url() -> Iterator[str]:
    # A stack of its own: the generated requests and registrations fill the group's next session, which
    # the other end-to-end tests count on being empty.
    with local_stack() as url:
        yield url


@pytest.fixture(scope="module")
def genuine_tokens(stack_url: str) -> dict[str, list[str]]:
    """Links as people get them by email: a request's (its requester's, its supporter's) and a group
    registration's. Schema-valid cases use them, so the routes behind a link are reached, not only
    their 404; they may act on them too (withdraw, close, give the place up), which the other links'
    answers then reflect."""
    reference = ask_for_oneself(
        stack_url,
        "Dr. Schema Thesis",
        "schema.thesis@example.org",
        ["other"],
        ["video", "phone", "in_person"],
    )
    status, registered = post_json(
        f"{stack_url}/group-registrations",
        {"name": "Dr. Schema Thesis", "email": "schema.thesis@example.org"}
        | {"identifies_as_bipoc": True, "practices_in_bc": True},
    )
    assert status == 201, registered
    actions = re.compile(r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
    group = re.compile(r"/group-registrations/([A-Za-z0-9_\-.]+)")
    supporters = re.compile(r"/supporters/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")

    def links(reference: str, pattern: re.Pattern[str], least: int) -> list[str]:
        found = {t for e in emails_about(stack_url, reference) for t in pattern.findall(e["text"])}
        return sorted(found) if len(found) >= least else []

    tokens = {
        "/actions/{token}": wait_for(lambda: links(reference, actions, 2), 10),
        "/group-registrations/{token}": wait_for(lambda: links(registered["reference"], group, 1), 10),
        "/supporters/{token}": wait_for(lambda: links(reference, supporters, 1), 10),
    }
    tokens |= after_closing(stack_url, reference, tokens["/actions/{token}"])
    assert all(tokens.values()), tokens
    return tokens


def after_closing(stack_url: str, reference: str, case_links: list[str]) -> dict[str, list[str]]:
    """The report's link and a feedback link, as the administrators and the person get them: the case
    closed, then the clock moved on past the check-in and the next month's first business morning."""
    closing = {"action": "close", "conversations": 1, "modality_used": "video"}
    for token in case_links:  # the supporter's link is the one that may acknowledge
        if post_json(f"{stack_url}/actions/{token}", {"action": "acknowledge"})[0] == 200:
            assert post_json(f"{stack_url}/actions/{token}", closing)[0] == 200
    wait_for(lambda: [r for r in get_json(f"{stack_url}/_local/requests") if r.get("sla_step") == "check_in"])
    move_clock(stack_url, now=next_months_report_time(stack_url))
    feedback = re.compile(r"/feedback/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
    report = re.compile(r"/reports/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")

    def found(pattern: re.Pattern[str]) -> list[str]:
        return sorted({t for e in all_emails(stack_url) for t in pattern.findall(e["text"])})

    return {
        "/feedback/{token}": wait_for(lambda: found(feedback), 10),
        "/reports/{token}": wait_for(lambda: found(report), 10),
    }


def test_the_stack_serves_this_document(stack_url: str) -> None:
    served = get_json(f"{stack_url}/openapi.json")
    assert {**served, "info": None} == {**DOCUMENT, "info": None}
    assert {
        "GET /",
        "POST /requests",
        "GET /group",
        "POST /group-registrations",
        "GET /group-registrations/{token}",
        "POST /group-registrations/{token}",
        "GET /actions/{token}",
        "POST /actions/{token}",
        "GET /supporters/{token}",
        "POST /supporters/{token}",
        "GET /reports/{token}",
        "GET /feedback/{token}",
        "POST /feedback/{token}",
    } == OPERATIONS


def _sentences(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _sentences(item)


# Everything an error may say comes from the catalogue, so nothing that was sent can be repeated back.
SENTENCES = set(_sentences(templates.messages()))


def contract_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """A JSON error is `{"error", "detail", "fields"}` with a known code, names the fields at fault by
    their names only, and says only sentences from the catalogue."""
    content_type = next((v[0] for k, v in response.headers.items() if k.lower() == "content-type"), "")
    ANSWERS[f"{response.status_code} {content_type.split(';')[0]}"] += 1
    if response.status_code < 400:
        return None
    if not content_type.startswith("application/json"):
        assert content_type.startswith("text/html"), content_type
        return None
    body = json.loads(response.content)
    assert set(body) == {"error", "detail", "fields"}, body
    assert body["error"] in ERROR_CODES, body
    assert body["detail"] in SENTENCES, body
    for name, text in body["fields"].items():
        assert name in ("unexpected", IDEMPOTENCY_HEADER) or FIELD_PATH.match(name), name
        assert text in SENTENCES, body
    return True


# The eligibility answers outrank every other answer (someone the service is not for hears so first),
# and a generator picks "no" as often as "yes": schema-valid bodies answer "yes", so that the rest of what
# they hold reaches validation and storage. Bodies that break the schema keep whatever they were given.
ELIGIBLE: dict[str, dict[str, Any]] = {
    "POST /requests": {"career_stage": "practicing_physician", "practices_in_vancouver": True},
    "POST /group-registrations": {"identifies_as_bipoc": True, "practices_in_bc": True},
}


@schema.parametrize()
def test_api(case: Any, stack_url: str, genuine_tokens: dict[str, list[str]]) -> None:
    CALLS[case.operation.label] += 1
    positive = case.meta is not None and case.meta.generation.mode is schemathesis.GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict) and case.operation.label in ELIGIBLE:
        case.body.update(ELIGIBLE[case.operation.label])
    tokens = genuine_tokens.get(case.operation.path)
    if positive and tokens and case.path_parameters and CALLS[case.operation.label] % 2:
        case.path_parameters["token"] = tokens[CALLS[case.operation.label] // 2 % len(tokens)]
    case.call_and_validate(base_url=stack_url, additional_checks=[contract_error_shape])


def test_every_operation_was_called(stack_url: str) -> None:
    print("schemathesis calls per operation:", dict(sorted(CALLS.items())), "total", sum(CALLS.values()))
    print("answers:", dict(sorted(ANSWERS.items())))
    assert set(CALLS) == OPERATIONS
    assert all(count >= 5 for count in CALLS.values()), CALLS
    assert ANSWERS["201 application/json"] >= 5, ANSWERS  # some generated answers were stored
    assert ANSWERS["200 text/html"] >= 10, ANSWERS  # pages behind genuine links were reached
