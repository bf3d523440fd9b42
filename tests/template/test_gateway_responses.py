"""What API Gateway and the web ACL answer themselves (an unknown route, throttling, a body too large, a
request the firewall stops, a function that failed) carries the security headers the functions send, and
a body in the contract's error shape: `{"error": code, "detail": a kind sentence, "fields": {}}`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from local_runner.template import load_template
from peer_support.entrypoints.api.responses import SECURITY_HEADERS as FUNCTION_HEADERS
from tests.template.test_deploy import of_type, transform

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "common" / "peer_support"

# Response type → (status code, error code). DEFAULT_4XX and DEFAULT_5XX keep the status of whatever
# answer falls back to them; a route API Gateway does not know is a 404 here, not its 403.
EXPECTED = {
    "DEFAULT_4XX": (None, "malformed"),
    "DEFAULT_5XX": (None, "internal"),
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found"),
    "RESOURCE_NOT_FOUND": ("404", "not_found"),
    "ACCESS_DENIED": ("403", "forbidden"),
    "WAF_FILTERED": ("403", "forbidden"),
    "THROTTLED": ("429", "too_many_requests"),
    "REQUEST_TOO_LARGE": ("413", "too_large"),
    "UNSUPPORTED_MEDIA_TYPE": ("415", "unsupported_media_type"),
    "INTEGRATION_FAILURE": ("502", "internal"),
    "INTEGRATION_TIMEOUT": ("504", "unavailable"),
}
# Codes only the gateway and the web ACL answer with; every other code is one the functions use too.
GATEWAY_ONLY_CODES = {"forbidden", "too_many_requests"}
# The functions' sentences for these promise that nothing was saved, which API Gateway cannot know (a
# function may have timed out after its write): the gateway says something else in their place.
OWN_SENTENCE = {"internal", "unavailable"}


def error_sentences() -> dict[str, str]:
    """The functions' error sentences, by code (messages.toml's [errors])."""
    [messages] = PACKAGE.rglob("messages.toml")
    errors: dict[str, str] = tomllib.loads(messages.read_text())["errors"]
    return errors


SECURITY_HEADERS: dict[str, str] = FUNCTION_HEADERS


@pytest.fixture(scope="module")
def responses() -> dict[str, dict[str, Any]]:
    transformed = transform({})
    [api] = of_type(transformed, "AWS::ApiGateway::RestApi").values()
    gateway: dict[str, dict[str, Any]] = api["Properties"]["Body"]["x-amazon-apigateway-gateway-responses"]
    return gateway


def check_body(body: str, code: str) -> str:
    """The body is the contract's error shape with `code`; returns its sentence."""
    assert "$" not in body, body  # nothing of the request (no $context or $input) is put in it
    error = json.loads(body)
    assert set(error) == {"error", "detail", "fields"}, error
    assert (error["error"], error["fields"]) == (code, {}), error
    detail: str = error["detail"]
    assert 20 <= len(detail) <= 160, detail
    assert detail[0].isupper(), detail
    assert detail.endswith("."), detail
    return detail


def test_the_security_headers_are_the_functions_own() -> None:
    assert set(SECURITY_HEADERS) == {
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Strict-Transport-Security",
        "Permissions-Policy",
        "Cache-Control",
    }


def test_every_gateway_response_that_matters_is_answered(responses: dict[str, dict[str, Any]]) -> None:
    assert set(responses) == set(EXPECTED)
    for kind, (status, _) in EXPECTED.items():
        assert responses[kind].get("statusCode") == status, kind


def test_every_gateway_response_carries_every_security_header(responses: dict[str, dict[str, Any]]) -> None:
    # A static value is written between single quotes; API Gateway sends what is inside them.
    expected = {f"gatewayresponse.header.{name}": f"'{value}'" for name, value in SECURITY_HEADERS.items()}
    for kind, response in responses.items():
        parameters = dict(response["responseParameters"])
        retry_after = parameters.pop("gatewayresponse.header.Retry-After", None)
        assert parameters == expected, kind
        assert retry_after == ("'60'" if kind == "THROTTLED" else None), kind


def test_every_gateway_response_body_is_the_contracts_error_shape(
    responses: dict[str, dict[str, Any]],
) -> None:
    sentences = error_sentences()
    for kind, response in responses.items():
        code = EXPECTED[kind][1]
        assert set(response["responseTemplates"]) == {"application/json"}, kind
        detail = check_body(response["responseTemplates"]["application/json"], code)
        if code in GATEWAY_ONLY_CODES:
            assert code not in sentences, code
        elif code in OWN_SENTENCE:
            assert code in sentences, code
            assert "nothing was saved" not in detail, kind
        else:
            # the same sentence as the function's answer with that code
            assert detail == sentences[code], kind


def test_the_web_acls_429_carries_the_headers_and_the_contracts_shape() -> None:
    [acl] = [r for r in load_template()["Resources"].values() if r["Type"] == "AWS::WAFv2::WebACL"]
    [rate] = [r for r in acl["Properties"]["Rules"] if "RateBasedStatement" in r["Statement"]]
    response = rate["Action"]["Block"]["CustomResponse"]
    headers = {h["Name"]: h["Value"] for h in response["ResponseHeaders"]}
    assert headers == {**SECURITY_HEADERS, "Retry-After": "300"}
    assert all(len(value) <= 255 for value in headers.values())  # AWS WAF's limit on a header's value
    body = acl["Properties"]["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    check_body(body["Content"], "too_many_requests")
