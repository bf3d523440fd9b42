"""Shared fixtures: AWS under moto, the template's own resources, real event shapes."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from local_runner.caches import clear_caches

# Set before any handler module is imported: Powertools reads these when its objects are built.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "PhysicianPeerSupport")
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "peer_support_tests")

EVENTS = Path(__file__).parent / "events"
PUBLIC_BASE_URL = "https://peer-support.example.org"
REGION = "ca-central-1"


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can reach a real AWS account, whatever the machine's environment."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "PhysicianPeerSupport")
    monkeypatch.setenv("POWERTOOLS_DEV", "false")


def load_event(name: str) -> dict[str, Any]:
    """A sample event from tests/events (captured shapes of what AWS sends)."""
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def api_event(
    method: str,
    path: str,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
    resource: str | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, from the captured sample, for `method path`."""
    event = copy.deepcopy(load_event("apigw_rest_post_requests.json"))
    merged = {**event["headers"], **(headers or {})}
    if body is None:
        merged.pop("Content-Type", None)
    event.update(
        httpMethod=method,
        path=path,
        resource=resource or path,
        body=body,
        pathParameters=path_parameters,
        headers=merged,
        multiValueHeaders={k: [v] for k, v in merged.items()},
    )
    event["requestContext"].update(httpMethod=method, resourcePath=resource or path, path=f"/prod{path}")
    return event


@pytest.fixture
def aws() -> Iterator[None]:
    from moto import mock_aws

    with mock_aws():
        yield


def deploy(monkeypatch: pytest.MonkeyPatch, **parameters: str) -> Any:
    """Create the template's resources in moto with `parameters`, and set every function's environment."""
    from local_runner.template import create_stack, resources_of_type

    created = create_stack(region=REGION, parameters={"PublicBaseUrl": PUBLIC_BASE_URL, **parameters})
    for function in resources_of_type("AWS::Serverless::Function"):
        for name, value in created.function_environment(function).items():
            if name != "POWERTOOLS_SERVICE_NAME":
                monkeypatch.setenv(name, value)
    clear_caches()  # each test has its own AWS
    return created


@pytest.fixture
def stack(aws: None, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The template's resources in moto, and every function's environment set."""
    yield deploy(monkeypatch)
    clear_caches()
