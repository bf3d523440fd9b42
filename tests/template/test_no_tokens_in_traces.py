"""No trace, log or metric of the deployed stack holds a link's token. The token is in the URL's path
(`/actions/{token}`, `/group-registrations/{token}`), and API Gateway's X-Ray segment for a stage records
each request's URL (and the client's address): the stage is not traced. The functions are, and their
segments hold no request data, as long as nothing in them records any (no X-Ray SDK, no Powertools Tracer)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from local_runner.template import load_template
from tests.template.test_deploy import FUNCTIONS, of_type, transform

ROOT = Path(__file__).resolve().parents[2]
CODE = [ROOT / "layers" / "common" / "peer_support", ROOT / "functions"]
# What would put request data into a function's segments: the X-Ray SDK, Powertools' Tracer (which
# captures responses and exceptions, and lets code annotate), or annotations and metadata by hand.
RECORDS_INTO_TRACES = re.compile(r"aws_xray_sdk|xray_recorder|\bTracer\b|put_annotation|put_metadata")


@pytest.fixture(scope="module")
def transformed() -> dict[str, Any]:
    return transform({})


def test_the_api_stage_is_not_traced(transformed: dict[str, Any]) -> None:
    assert load_template()["Resources"]["Api"]["Properties"]["TracingEnabled"] is False
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    assert stage["Properties"].get("TracingEnabled", False) is False


def test_the_api_writes_no_execution_logs(transformed: dict[str, Any]) -> None:
    """Execution logs (INFO, or full request data) name each request's path; access logs do not."""
    [stage] = of_type(transformed, "AWS::ApiGateway::Stage").values()
    for setting in stage["Properties"]["MethodSettings"]:
        assert setting.get("LoggingLevel", "OFF") == "OFF", setting
        assert setting.get("DataTraceEnabled", False) is False, setting
    fields = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    # No trace to name either; the function's log line is found by the request id.
    assert "$context.xrayTraceId" not in fields.values()
    assert fields["requestId"] == "$context.requestId"


def test_functions_are_traced_without_request_data(transformed: dict[str, Any]) -> None:
    for name in FUNCTIONS:
        assert transformed["Resources"][name]["Properties"]["TracingConfig"] == {"Mode": "Active"}, name
    for folder in CODE:
        for path in folder.rglob("*.py"):
            found = RECORDS_INTO_TRACES.search(path.read_text())
            assert found is None, f"{path.relative_to(ROOT)} records into X-Ray: {found.group(0)}"
    for requirements in (ROOT / "layers" / "common" / "requirements.txt",):
        assert "xray" not in requirements.read_text().lower(), requirements


def test_functions_never_log_the_event() -> None:
    """An API event holds the path, and with it the token: Powertools never logs it whole."""
    variables = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_LOGGER_LOG_EVENT"] == "false"
    for folder in CODE:
        for path in folder.rglob("*.py"):
            assert "log_event=True" not in path.read_text().replace(" ", ""), path.relative_to(ROOT)


def test_no_web_acl_logs_or_x_ray_resources(transformed: dict[str, Any]) -> None:
    """A web ACL's logs hold each request's URL (its sampled requests too: test_web_acl.py)."""
    types = {resource["Type"] for resource in transformed["Resources"].values()}
    assert "AWS::WAFv2::LoggingConfiguration" not in types
    assert not {t for t in types if t.startswith("AWS::XRay::")}
