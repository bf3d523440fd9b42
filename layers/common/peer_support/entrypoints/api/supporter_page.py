"""Routes of a supporter's own page, served by the `actions` function: `GET` and `POST
/supporters/{token}`. The page lists the supporter's open cases by reference (status and deadline, never
anyone's name or contact: those stay on each case page) and lets them set their own availability."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from peer_support.core import clock, rendering
from peer_support.core.calendar import human_day, human_deadline
from peer_support.core.errors import Conflict, NotFound
from peer_support.core.fields import Model
from peer_support.core.settings import get_settings
from peer_support.entrypoints.api.openapi import Token, documented, documented_page
from peer_support.entrypoints.api.resolver import Api, FormSpec
from peer_support.entrypoints.api.responses import html_response, json_response
from peer_support.links.tokens import SupporterPageClaims, verify_supporter_link
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.states import HELD
from peer_support.supporters.availability import AboveCap, AvailabilityForm, changes, shown
from peer_support.supporters.models import WEEKDAYS, SupporterRecord
from peer_support.supporters.repository import SupportersRepository

logger = Logger()

ROUTE = "/supporters/{token}"
PAGE_ERRORS = {404: "No such link, or it has expired", 409: "Changed since the page was opened"}


class AvailabilitySaved(Model):
    """What the API answers once a supporter's availability is saved: its new version, what changed."""

    version: int
    changed: list[str]


def _supporter(api: Api) -> SupporterRecord:
    """The supporter the link in the path is for; a plain 404 for any bad link, or one whose supporter
    has left the roster."""
    claims: SupporterPageClaims = api.claims(verify_supporter_link, api.path_token())
    record = SupportersRepository(get_settings().supporters_table).find(claims.supporter_id)
    if record is None:
        raise NotFound("supporter")
    return record


def _cases(supporter_id: str) -> list[dict[str, Any]]:
    """The supporter's open cases, soonest deadline first: reference, status and deadline only."""
    held = RequestsRepository(get_settings().requests_table).held_by(supporter_id, sorted(HELD))
    held.sort(key=lambda item: (str(item.get("contact_due_at") or "~"), str(item["request_id"])))
    return [
        {
            "reference": item["request_id"],
            "status": item["status"],
            "contact_due": human_deadline(clock.parse_iso(item["contact_due_at"]))
            if item.get("contact_due_at")
            else "",
        }
        for item in held
    ]


def _render(
    api: Api,
    record: SupporterRecord,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = HTTPStatus.OK,
) -> Response[str]:
    page = api.page(
        "pages/supporter.html",
        base=api.base_path(),
        action_url=f"{api.base_path()}{api.current_event.path}",
        cases=_cases(record.supporter_id),
        cap=record.max_open,
        trained_until=human_day(record.trained_until) if record.trained_until else "",
        weekdays=WEEKDAYS,
        values=shown(record) if values is None else values,
        version=record.version,
        errors=errors or {},
        notice=notice,
    )
    return html_response(page, status)


def form_again(api: Api, values: dict[str, Any], errors: dict[str, str]) -> Response[str]:
    """The page again, with the supporter's answers and what to change; nothing was written. A number
    above the cap is named too, so one round of corrections is enough."""
    record = _supporter(api)
    answer = str(values.get("max_open", ""))
    if answer.isdigit() and int(answer) > record.max_open:
        errors = {
            **errors,
            "max_open": rendering.messages()["supporter_page"]["above_cap"].format(cap=record.max_open),
        }
    return _render(api, record, values=values, errors=errors, status=HTTPStatus.UNPROCESSABLE_ENTITY)


FORMS = {ROUTE: FormSpec(AvailabilityForm, form_again, guard=lambda api: _supporter(api))}


def _changed_elsewhere(api: Api, record: SupporterRecord) -> Response[str]:
    """A save from a page that is no longer current (another tab saved first): refused, and the page
    shows what is stored now, so the supporter sees the other change before making theirs again."""
    detail = rendering.messages()["supporter_page"]["changed"]
    if api.wants_html():
        return _render(api, record, notice=detail, status=HTTPStatus.CONFLICT)
    return json_response({"error": "conflict", "detail": detail, "fields": {}}, HTTPStatus.CONFLICT)


def save(api: Api, form: AvailabilityForm) -> Response[str]:
    """One conditional write of the supporter's availability, guarded by the version the page showed."""
    record = _supporter(api)
    if form.version != record.version:
        return _changed_elsewhere(api, record)
    text = rendering.messages()["supporter_page"]
    try:
        values, changed = changes(record, form)
    except AboveCap as error:
        if not api.wants_html():  # the catalogue's own sentence: an error body says nothing else
            fields = {"max_open": rendering.field_message("max_open", "above_cap")}
            detail = rendering.messages()["errors"]["validation"]
            body = {"error": "validation", "detail": detail, "fields": fields}
            return json_response(body, HTTPStatus.UNPROCESSABLE_ENTITY)
        fields = {"max_open": text["above_cap"].format(cap=error.cap)}
        posted = form.model_dump(mode="json")
        return _render(api, record, values=posted, errors=fields, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    if changed:
        try:
            SupportersRepository(get_settings().supporters_table).save_own(
                record.supporter_id, record.version, values, changed
            )
        except Conflict:
            return _changed_elsewhere(api, _supporter(api))
        logger.info("availability saved", extra={"supporter_id": record.supporter_id, "changed": changed})
    if not api.wants_html():
        version = record.version + 1 if changed else record.version
        return json_response(AvailabilitySaved(version=version, changed=changed))
    return _render(api, _supporter(api), notice=text["saved" if changed else "unchanged"])


def register(app: Api) -> None:
    """The page's two routes on the `actions` function's resolver."""

    @app.get(
        "/supporters/<token>",
        summary="A supporter's own page: their open cases and their availability; changes nothing",
        responses=documented_page("The supporter's page", {404: PAGE_ERRORS[404]}),
    )
    def show(token: Token) -> Response[str]:
        return _render(app, _supporter(app))

    @app.post(
        "/supporters/<token>",
        summary="Save a supporter's own availability",
        description=(
            "Accepts JSON or a form post: `version` (as the page showed it), `away_from`, `away_until`, "
            "`max_open` (1 up to the administrator's cap), `on_call` (days, `mon`…`sun`) and `paused`."
        ),
        responses=documented(
            ("Saved", AvailabilitySaved), {**PAGE_ERRORS, 422: "Answers to change"}, status=HTTPStatus.OK
        ),
    )
    def save_availability(
        token: Token, form: Annotated[AvailabilityForm, Body(embed=False)]
    ) -> Response[str]:
        return save(app, form)
