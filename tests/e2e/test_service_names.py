"""The local stack's log lines, as `make run` prints them: every function's own service name and
invocation keys on each of its lines, though one process runs them all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runner.template import load_template, resources_of_type
from tests.e2e.conftest import LOG, emails_about, post_json, request_item, wait_for

pytestmark = pytest.mark.e2e

SERVICES = {
    function: resource["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]
    for function, resource in resources_of_type("AWS::Serverless::Function", load_template()).items()
}


def log_lines() -> list[dict[str, Any]]:
    found = []
    for line in list(LOG):
        if line.startswith('{"level"'):
            found.append(json.loads(line))
    return found


def test_each_functions_lines_carry_its_own_service(local_url: str) -> None:
    request = {
        "kind": "self",
        "requester": {"name": "Dr. Log Reader", "email": "log.reader@example.org"},
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": ["burnout"],
        "modalities": ["phone"],
    }
    status, receipt = post_json(f"{local_url}/requests", request)
    assert status == 201
    reference = receipt["reference"]
    assert wait_for(lambda: request_item(local_url, reference)["status"] == "matched")
    assert wait_for(lambda: len(emails_about(local_url, reference)) >= 3, 10)

    mine: dict[str, dict[str, Any]] = {}
    assert wait_for(lambda: len([x for x in log_lines() if x.get("reference") == reference]) >= 5, 5)
    for line in log_lines():
        if line.get("reference") == reference:
            mine.setdefault(line["message"], line)
    assert mine["request stored"]["service"] == "submit_request"
    assert mine["request stored"]["function_name"] == "SubmitRequestFunction"
    assert mine["request stored"]["correlation_id"]  # API Gateway's request id, as in Lambda
    assert mine["request matched"]["service"] == "match"
    assert mine["email sent"]["service"] == "notify"
    # And every line of every function so far: its service is that of the function that wrote it.
    for line in log_lines():
        if "function_name" in line:
            assert line["service"] == SERVICES[line["function_name"]], line
