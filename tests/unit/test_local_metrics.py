"""Two functions of the local stack running at once keep their metrics apart, as their own Lambda
instances would: each flush publishes its own function's metrics, and only those."""

from __future__ import annotations

import contextlib
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from local_runner import metrics


@pytest.fixture
def per_function() -> Iterator[None]:
    saved = {name: getattr(Metrics, name) for name in metrics.SHARED}
    for name in metrics.SHARED:
        setattr(Metrics, name, {})
    metrics.install()
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(Metrics, name, value)


def _published(flush: Metrics) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        flush.flush_metrics()
    published: dict[str, Any] = json.loads(out.getvalue())
    return published


def test_each_function_publishes_its_own_metrics(per_function: None) -> None:
    shared = Metrics(namespace="PeerSupport")  # a module's, built at import and used by every function
    added, flush = threading.Barrier(2), threading.Barrier(2)
    published: dict[str, dict[str, Any]] = {}

    def run(function: str) -> None:
        own = Metrics(namespace="PeerSupport", service=function)  # the handler's
        with metrics.running(function):
            shared.add_metric(name=f"{function}Sent", unit=MetricUnit.Count, value=1)
            own.add_dimension(name="supporter_id", value=f"{function}-supporter")
            added.wait(timeout=5)  # both have added theirs before either flushes
            published[function] = _published(own)
            flush.wait(timeout=5)
            assert len(Metrics._metrics) == 0  # its flush cleared its own

    threads = [threading.Thread(target=run, args=(f,)) for f in ("match", "notify")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    for function, other in (("match", "notify"), ("notify", "match")):
        [directive] = published[function]["_aws"]["CloudWatchMetrics"]
        assert [m["Name"] for m in directive["Metrics"]] == [f"{function}Sent"]
        assert published[function]["service"] == function
        assert published[function]["supporter_id"] == f"{function}-supporter"
        assert f"{other}Sent" not in published[function]


def test_outside_any_function_the_process_keeps_its_own(per_function: None) -> None:
    Metrics(namespace="PeerSupport").set_default_dimensions(environment="local")  # at import
    with metrics.running("match"):
        assert Metrics._default_dimensions == {"environment": "local"}  # its Init's defaults
        Metrics._default_dimensions["stage"] = "test"
    assert Metrics._default_dimensions == {"environment": "local"}
    assert {**Metrics._default_dimensions} == {"environment": "local"}
