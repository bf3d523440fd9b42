"""The local stack's log lines, as `make run` prints them: every function's own service name and
invocation keys on each of its lines, though one process runs them all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_runner.template import load_template, resources_of_type
from tests.e2e.conftest import LOG, post_json, request_item, wait_for

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
    # Matched, or (if the session's other tests have taken every phone supporter) left for an administrator.
    assert wait_for(lambda: request_item(local_url, reference)["status"] in ("matched", "needs_admin"))
    # The submit function stores it, match decides, notify emails the confirmation at least.
    written = ("request stored", "request matched", "no supporter available", "email sent")

    def mine() -> dict[str, dict[str, Any]]:
        lines: dict[str, dict[str, Any]] = {}
        for line in log_lines():
            if line.get("reference") == reference and line["message"] in written:
                lines.setdefault(line["message"], line)
        return lines

    assert wait_for(lambda: len(mine()) == 3, 10), mine()
    lines = mine()
    assert lines["request stored"]["service"] == "submit_request"
    assert lines["request stored"]["function_name"] == "SubmitRequestFunction"
    assert lines["request stored"]["correlation_id"]  # API Gateway's request id, as in Lambda
    decided = lines.get("request matched") or lines["no supporter available"]
    assert (decided["service"], decided["function_name"]) == ("match", "MatchFunction")
    assert (lines["email sent"]["service"], lines["email sent"]["function_name"]) == (
        "notify",
        "NotifyFunction",
    )
    # And every line of every function so far: its service is that of the function that wrote it.
    for line in log_lines():
        if "function_name" in line:
            assert line["service"] == SERVICES[line["function_name"]], line
