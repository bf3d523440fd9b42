"""Routes of the `reports` function: the administrators' report link, `GET /reports/{token}` (HTML or
`?format=csv`), and the anonymous feedback link, `GET`/`POST /feedback/{token}`. Counts only: this
function never reads or writes a request."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from peer_support.core import clock, rendering
from peer_support.core.errors import NotFound
from peer_support.entrypoints.api.openapi import Token, documented, documented_page, page_errors
from peer_support.entrypoints.api.resolver import Api, FormSpec
from peer_support.entrypoints.api.responses import SECURITY_HEADERS, html_response, json_response
from peer_support.links.tokens import FeedbackClaims, InvalidLink, verify_report_link
from peer_support.reports.charts import bar_chart
from peer_support.reports.feedback import FeedbackForm, FeedbackUsed, record, verify
from peer_support.reports.monthly import MonthlyCounters
from peer_support.reports.report import build, last_months
from peer_support.reports.settings import get_count_settings

logger = Logger()
metrics = Metrics()

CHARTED = (("requests", 0), ("closed", 0), ("follow_up_requested", 0), ("feedback_responses", 6))


class FeedbackReceived(BaseModel):
    status: Literal["received"]


def _counters() -> MonthlyCounters:
    settings = get_count_settings()
    return MonthlyCounters(settings.counters_table, settings.idempotency_table)


def _feedback_claims(token: str) -> tuple[FeedbackClaims, bytes]:
    try:
        return verify(token, clock.now())
    except InvalidLink:
        raise NotFound("link") from None


def _feedback_page(
    values: dict[str, Any], errors: dict[str, str], status: int = HTTPStatus.OK
) -> Response[str]:
    page = app.page(
        "pages/feedback.html",
        base=app.base_path(),
        action_url=f"{app.base_path()}{app.current_event.path}",
        values=values,
        errors=errors,
    )
    return html_response(page, status)


def feedback_form_again(api: Api, values: dict[str, Any], errors: dict[str, str]) -> Response[str]:
    return _feedback_page(values, errors, HTTPStatus.UNPROCESSABLE_ENTITY)


app = Api(
    settings=get_count_settings,
    forms={
        "/feedback/{token}": FormSpec(
            FeedbackForm, feedback_form_again, guard=lambda api: _feedback_claims(api.path_token())
        )
    },
)

LINK_ERRORS = {404: "No such link, or it has expired"}


@app.exception_handler(FeedbackUsed)
def already_received(error: FeedbackUsed) -> Response[str]:
    if app.wants_html():
        return html_response(
            app.page("pages/feedback_done.html", base=app.base_path(), again=True), HTTPStatus.CONFLICT
        )
    detail = rendering.messages()["stale"]["feedback_received"]
    return json_response({"error": "conflict", "detail": detail, "fields": {}}, HTTPStatus.CONFLICT)


@app.get(
    "/reports/<token>",
    summary="The program's report: the last 12 months of anonymous counts, small counts hidden",
    responses={
        200: {
            "description": "The report as a page, or with `format=csv` as CSV (`month,measure,value`)",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **page_errors({**LINK_ERRORS, 422: "An unknown format"}),
    },
)
def show_report(token: Token, format: Annotated[Literal["html", "csv"], Query()] = "html") -> Response[str]:
    Api.claims(verify_report_link, token)
    settings = get_count_settings()
    months = last_months(clock.now())
    report = build(_counters().months(months), months, settings.report_min_count)
    logger.info("report read", extra={"format": format})
    if format == "csv":
        headers = {
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="peer-support-report-{months[-1]}.csv"',
        }
        return Response(
            status_code=HTTPStatus.OK,
            content_type="text/csv; charset=utf-8",
            body=report.csv(),
            headers=headers,
        )
    sections = {measure: section.title for section in report.sections for measure in section.measures}
    charts = [{**bar_chart(report, measure).__dict__, "section": sections[measure]} for measure, _ in CHARTED]
    page = app.page(
        "pages/report.html",
        base=app.base_path(),
        report=report,
        charts=charts,
        min_count=settings.report_min_count,
        program_name=settings.program_name,
        csv_url=f"{app.base_path()}{app.current_event.path}?format=csv",
    )
    return html_response(page)


@app.get(
    "/feedback/<token>",
    summary="The anonymous feedback page: three questions; changes nothing",
    responses=documented_page("The three questions", LINK_ERRORS),
)
def show_feedback(token: Token) -> Response[str]:
    _feedback_claims(token)
    return _feedback_page({}, {})


@app.post(
    "/feedback/<token>",
    summary="Send the three answers, once per link; they only add to the month's counts",
    description=(
        "Accepts JSON or a form post: `helpful` (1-5), `contacted_in_time` and `would_recommend` (booleans)."
    ),
    responses=documented(
        ("Received", FeedbackReceived),
        {**LINK_ERRORS, 409: "This link's answers were received already", 422: "Answers to change"},
    ),
)
def post_feedback(token: Token, form: Annotated[FeedbackForm, Body(embed=False)]) -> Response[str]:
    claims, key = _feedback_claims(token)
    received = record(claims, key, form, _counters())
    metrics.add_metric(name="FeedbackReceived", unit=MetricUnit.Count, value=1)
    if app.wants_html():
        return html_response(
            app.page("pages/feedback_done.html", base=app.base_path(), again=False), HTTPStatus.CREATED
        )
    return json_response(received, HTTPStatus.CREATED)
