"""The program's report: the administrators' monthly email, the page and its CSV, small counts hidden,
and nothing in any of them that names a person or a request (under moto)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from local_runner.streams import StreamReader, mappings
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline
from tests.integration.test_notify_and_actions import (
    ADMIN,
    PERSONAL,
    REQUEST,
    inbox,
    item,
    link,
    submit,
    token_in,
)

# What names the person (their reasons are counted, so the word itself is in the report's labels).
NAMING = tuple(value for value in PERSONAL if value != "adverse")
REPORT = re.compile(re.escape(PUBLIC_BASE_URL) + r"/reports/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
# Tuesday 1 December 2026 is a business day; Friday 1 January 2027 is New Year's Day, so January's
# email comes on Monday the 4th.
DECEMBER = datetime(2026, 12, 1, 8, 0, tzinfo=TIME_ZONE)
JANUARY = datetime(2027, 1, 4, 8, 0, tzinfo=TIME_ZONE)


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(DECEMBER - timedelta(minutes=1))
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


def report(token: str, query: dict[str, str] | None = None, html: bool = True) -> dict[str, Any]:
    event = api_event(
        "GET",
        f"/reports/{token}",
        None,
        {"Accept": "text/html" if html else "application/json"},
        path_parameters={"token": token},
        resource="/reports/{token}",
    )
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()} or None
    result: dict[str, Any] = invoke("ReportsFunction", event)
    return result


def found(pattern: re.Pattern[str], text: str) -> str:
    match = pattern.search(text)
    assert match, text
    return match.group(1)


def sweep() -> None:
    invoke("SlaCheckFunction", {})


def reports_sent(pipeline: Pipeline) -> list[dict[str, Any]]:
    return [e for e in inbox(pipeline, ADMIN) if "report for" in e["subject"]]


def test_the_monthly_email_comes_once_on_the_first_business_day_at_eight(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    sweep()
    assert reports_sent(pipeline) == []
    frozen.advance(timedelta(minutes=1))
    sweep()
    sweep()
    [email] = reports_sent(pipeline)
    assert "November 2026" in email["subject"]
    token = found(REPORT, email["text"])
    assert report(token)["statusCode"] == 200
    frozen.advance(timedelta(hours=8))
    sweep()
    assert len(reports_sent(pipeline)) == 1  # still that day: once
    frozen.advance(timedelta(days=20))  # any later day of the month: none (it went on its morning)
    sweep()
    assert len(reports_sent(pipeline)) == 1
    frozen.advance(datetime(2027, 1, 1, 8, 0, tzinfo=TIME_ZONE) - frozen.now())
    sweep()
    assert len(reports_sent(pipeline)) == 1  # a holiday: not yet
    frozen.advance(JANUARY - frozen.now())
    sweep()
    assert len(reports_sent(pipeline)) == 2


def count_all(stack: Any) -> None:
    for mapping in mappings(stack):
        if mapping.function == "CountFunction":
            records = StreamReader(mapping, stack.region).records()
            if records:
                assert invoke("CountFunction", {"Records": records}) == {"batchItemFailures": []}


def test_the_report_prints_counts_only_with_small_ones_hidden(
    stack: Any, pipeline: Pipeline, frozen: clock.FrozenClock
) -> None:
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_report_link
    from peer_support.reports.monthly import MonthlyCounters

    # A real request, closed: its counts come from the streams.
    reference = submit(REQUEST)
    pipeline.run()
    supporter = item(stack, reference)["supporter_id"]
    case = token_in(inbox(pipeline, f"{supporter}@example.org")[0])
    link("POST", case, {"action": "acknowledge"}, html=False)
    link("POST", case, {"action": "close", "conversations": 1, "modality_used": "video"}, html=False)
    count_all(stack)
    count_all(stack)
    # And a busier month before it.
    MonthlyCounters(stack.refs["CountersTable"], stack.refs["IdempotencyTable"]).add(
        "2026-10",
        {
            "requests": 12,
            "self": 10,
            "colleague": 2,
            "closed": 12,
            "conversations:1": 10,
            "conversations:2": 2,
        },
    )
    token = issue_report_link(frozen.now() + timedelta(days=1), signing_key())

    page = report(token)
    assert page["statusCode"] == 200
    body = page["body"]
    assert "<script" not in body
    assert body.count("<svg") == 4
    assert '<title id="chart-1-title">' in body
    assert "<caption" in body
    for value in (*NAMING, reference, supporter, "Dr. Supporter"):
        assert value not in body

    csv = report(token, {"format": "csv"})
    assert csv["statusCode"] == 200
    assert csv["multiValueHeaders"]["Content-Type"][0].startswith("text/csv")
    lines = csv["body"].splitlines()
    assert lines[0] == "month,measure,value"
    assert "2026-12,requests,<5" in lines  # one request: written with the threshold
    assert "2026-10,requests,12" in lines
    assert "2026-10,conversations:2,<5" in lines
    assert "2026-10,conversations:1,hidden" in lines  # else 12 - 10 gives the 2 away
    assert "2026-10,colleague,<5" in lines
    assert "2026-10,self,hidden" in lines
    assert not any("time_to_match_p50" in line for line in lines)  # too few cases for a median
    assert len({line.split(",")[0] for line in lines[1:]}) == 12
    for value in (*NAMING, reference, supporter):
        assert value not in csv["body"]


def test_a_bad_report_link_or_format_is_refused_in_the_contract_s_shape(stack: Any, frozen: Any) -> None:
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_link, issue_report_link

    good = issue_report_link(frozen.now() + timedelta(days=1), signing_key())
    expired = issue_report_link(frozen.now() - timedelta(seconds=1), signing_key())
    another_kind = issue_link(
        "PS-AAAA-BBBB", "admin", "admin", frozen.now(), timedelta(days=1), signing_key()
    )
    for bad in (expired, another_kind, good[:-1], "nothing"):
        answer = report(bad, html=False)
        assert answer["statusCode"] == 404
        assert json.loads(answer["body"])["error"] == "not_found"
    wrong = report(good, {"format": "<b>xml</b>"}, html=False)
    assert wrong["statusCode"] == 422
    assert json.loads(wrong["body"])["fields"].keys() == {"format"}
    assert "xml" not in wrong["body"]
