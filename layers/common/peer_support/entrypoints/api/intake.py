"""Routes of the `submit_request` function: the request form, its submission, the OpenAPI document."""

from __future__ import annotations

import json
import secrets
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.core import rendering
from peer_support.core.errors import NotFound
from peer_support.core.settings import get_intake_settings, get_settings
from peer_support.entrypoints.api.openapi import documented, documented_page
from peer_support.entrypoints.api.resolver import Api, FormSpec
from peer_support.entrypoints.api.responses import html_response, json_response
from peer_support.links.keys import signing_key
from peer_support.reports.counters import Counters
from peer_support.requests.intake import check_eligibility, submit_request
from peer_support.requests.models import Kind, RequestForm, Status, SubmissionReceipt
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.surge import surge_check
from peer_support.requests.transitions import Transitions

logger = Logger()
metrics = Metrics()

# Every page links its stylesheet and its icon (else a browser asks for /favicon.ico, outside the stage).
ASSETS = {"site.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}


def form_page(
    app: Api, values: dict[str, Any], errors: dict[str, str], status: int = HTTPStatus.OK
) -> Response[str]:
    """The request form, with the person's answers and, beside each, what to change (about the
    colleague, when the request is for one)."""
    if values.get("kind") in (Kind.COLLEAGUE, Kind.REACH_IN):
        about_them: dict[str, str] = rendering.messages()["fields_for_colleague"]
        errors = {path: about_them.get(path, message) for path, message in errors.items()}
    key = app.current_event.headers.get("idempotency-key") or secrets.token_urlsafe(18)
    page = app.page(
        "pages/form.html", base=app.base_path(), values=values, errors=errors, idempotency_key=key
    )
    return html_response(page, HTTPStatus.UNPROCESSABLE_ENTITY if errors else status)


def eligibility_first(answers: dict[str, Any]) -> None:
    """Tell residents and students where to go before asking them to fix anything else."""
    check_eligibility(answers.get("career_stage"), answers.get("practices_in_vancouver"))


app = Api(
    settings=get_settings,
    forms={"/requests": FormSpec(RequestForm, form_page, eligibility_first)},
)


@app.get("/", summary="The request form", responses=documented_page("The request form"))
def show_form() -> Response[str]:
    return form_page(app, {}, {})


@app.get("/assets/<name>", include_in_schema=False)
def asset(name: Annotated[str, Path(pattern=r"^[a-z]+\.[a-z]+$")]) -> Response[str]:
    if name not in ASSETS:
        raise NotFound(name)
    body = (rendering.TEMPLATES / "assets" / name).read_text()
    return Response(
        200,
        ASSETS[name],
        body,
        {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


@app.post(
    "/requests",
    summary="Ask for peer support, for yourself or a colleague",
    description=(
        "Accepts JSON or a form post (`application/x-www-form-urlencoded`, nested names with dots, lists as "
        "repeated fields). Send an `Idempotency-Key` to make retries safe."
    ),
    responses=documented(
        ("Stored", SubmissionReceipt),
        {409: "Idempotency-Key reused with other answers", 422: "Answers to change, or not eligible"},
    ),
)
def post_request(
    form: Annotated[RequestForm, Body(embed=False)],
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=8, max_length=128, pattern=r"^[\x21-\x7e]+$")
    ] = None,
) -> Response[str]:
    settings = get_intake_settings()
    receipt = submit_request(
        form,
        repository=RequestsRepository(settings.requests_table),
        transitions=Transitions(settings.requests_table, settings.supporters_table),
        idempotency_key=idempotency_key,
        secret=signing_key,
        surge=surge_check(Counters(settings.counters_table), settings.surge_requests_per_hour),
    )
    if receipt.again:
        logger.info("open request found again", extra={"reference": receipt.reference})
        metrics.add_metric(name="RequestsFoundAgain", unit=MetricUnit.Count, value=1)
    else:
        logger.info("request stored", extra={"reference": receipt.reference, "status": receipt.status.value})
        metrics.add_metric(name="RequestsSubmitted", unit=MetricUnit.Count, value=1)
    if receipt.status is Status.PENDING_CONFIRMATION and not receipt.again:
        metrics.add_metric(name="SurgeRequests", unit=MetricUnit.Count, value=1)
    if app.wants_html():
        page = app.page(
            "pages/confirmation.html",
            base=app.base_path(),
            reference=receipt.reference,
            kind=form.kind.value,
            urgent=form.urgent,
            status=receipt.status.value,
            again=receipt.again,
        )
        return html_response(page, HTTPStatus.CREATED)
    return json_response(
        SubmissionReceipt(reference=receipt.reference, status=receipt.status.value), HTTPStatus.CREATED
    )


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    # The whole API's document, the group's and the links' routes as well as this function's own.
    from peer_support.entrypoints.api.openapi import openapi_document

    schema = json.dumps(openapi_document(get_settings().program_name))
    return Response(200, "application/json", schema, {"X-Content-Type-Options": "nosniff"})
