"""Shared set-up for the benchmarks: the template's stack on moto, and AWS calls counted with
botocore's event hooks."""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REGION = "ca-central-1"


@contextmanager
def quietly() -> Iterator[None]:
    """Functions run in the benchmark's own process: their logs (but for warnings and errors) and their
    metrics, which Powertools prints, are not the benchmark's output."""
    before = logging.root.manager.disable
    logging.disable(max(before, logging.INFO))
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            yield
    finally:
        logging.disable(before)


@contextmanager
def moto_stack() -> Iterator[Any]:
    """The template's resources in moto, every function's environment set, caches cleared."""
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION=REGION)  # noqa: S106
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "PhysicianPeerSupport")
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    from moto import mock_aws

    from local_runner.template import create_stack, resources_of_type

    with mock_aws():
        stack = create_stack(region=REGION, parameters={"PublicBaseUrl": "https://peer-support.example.org"})
        for function in resources_of_type("AWS::Serverless::Function"):
            for name, value in stack.function_environment(function).items():
                if name != "POWERTOOLS_SERVICE_NAME":
                    os.environ[name] = value
        clear_caches()
        yield stack
        clear_caches()


def clear_caches() -> None:
    """The handlers' caches, and boto3's default session with any `CallCounter` hooked on it."""
    import boto3

    from local_runner import caches

    caches.clear_caches()
    boto3.DEFAULT_SESSION = None


class CallCounter:
    """Counts every AWS API call made through boto3's default session, by service and operation."""

    def __init__(self) -> None:
        import boto3

        self.calls: Counter[str] = Counter()
        self.items_read = 0
        boto3.setup_default_session(region_name=REGION)
        assert boto3.DEFAULT_SESSION is not None
        boto3.DEFAULT_SESSION.events.register("after-call", self._after)

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        self.calls[f"{service}:{model.name}"] += 1
        if service == "dynamodb":
            if "Items" in parsed:
                self.items_read += len(parsed["Items"])
            elif model.name == "GetItem" and "Item" in parsed:
                self.items_read += 1

    @contextmanager
    def measure(self) -> Iterator[Counter[str]]:
        """The calls made inside the block."""
        before = Counter(self.calls)
        result: Counter[str] = Counter()
        yield result
        result.update(self.calls - before)
