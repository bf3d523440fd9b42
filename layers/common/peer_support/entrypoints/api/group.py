"""Routes of the `group` function: the BIPOC Physician Peer Support Group's page, registering for its
next session, and the page behind a registration's own link (giving up the place)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit

from peer_support.core import clock, rendering
from peer_support.entrypoints.api.openapi import Token, documented, documented_page
from peer_support.entrypoints.api.resolver import Api, FormSpec
from peer_support.entrypoints.api.responses import html_response, json_response
from peer_support.group.models import (
    GroupCancelForm,
    GroupCancelled,
    GroupReceipt,
    GroupRegistrationForm,
    GroupStatus,
    SessionStarted,
)
from peer_support.group.registrations import cancel, check_group_eligibility, register
from peer_support.group.repository import GroupRepository
from peer_support.group.sessions import describe, next_session, session_of
from peer_support.group.settings import get_group_settings
from peer_support.links.keys import signing_key
from peer_support.links.tokens import GroupLinkClaims, verify_group_link

logger = Logger()
metrics = Metrics()


def _repository() -> GroupRepository:
    return GroupRepository(get_group_settings().group_table)


def group_page(
    api: Api, values: dict[str, Any], errors: dict[str, str], status: int = HTTPStatus.OK
) -> Response[str]:
    """The group's page: what it is, its next session, and the registration form (with the person's
    answers and, beside each, what to change)."""
    settings = get_group_settings()
    session = next_session(clock.now(), settings.group_meets_on_holidays)
    counts = _repository().counts(session.session_id)
    page = api.page(
        "pages/group.html",
        base=api.base_path(),
        values=values,
        errors=errors,
        session=describe(session),
        full=counts is not None and counts.registered >= settings.group_capacity,
    )
    return html_response(page, HTTPStatus.UNPROCESSABLE_ENTITY if errors else status)


def eligibility_first(answers: dict[str, Any]) -> None:
    """Tell someone the group is not for where to turn before asking them to fix anything else."""
    check_group_eligibility(answers.get("identifies_as_bipoc"), answers.get("practices_in_bc"))


def _claims(token: str) -> GroupLinkClaims:
    return Api.claims(verify_group_link, token)


def _registration_page(claims: GroupLinkClaims, status: HTTPStatus = HTTPStatus.OK) -> Response[str]:
    """The page a registration's link opens: the place (or waitlist place) and a button to give it up."""
    item = _repository().get(claims.session_id, claims.reference)
    session = session_of(claims.session_id)
    page = app.page(
        "pages/group_registration.html",
        base=app.base_path(),
        reference=item["reference"],
        status=item["status"],
        session=describe(session),
        started=clock.now() >= session.start,
        action_url=f"{app.base_path()}{app.current_event.path}",
    )
    return html_response(page, status)


def registration_page_again(api: Api, values: dict[str, Any], errors: dict[str, str]) -> Response[str]:
    """The registration's page again, for a post that did not come from its button."""
    return _registration_page(_claims(api.path_token()), HTTPStatus.UNPROCESSABLE_ENTITY)


app = Api(
    settings=get_group_settings,
    forms={
        "/group-registrations": FormSpec(GroupRegistrationForm, group_page, eligibility_first),
        "/group-registrations/{token}": FormSpec(
            GroupCancelForm,
            registration_page_again,
            guard=lambda api: _claims(api.path_token()),
        ),
    },
    # Someone the group is not for gets the group's own kind page.
    not_eligible_page="pages/group_not_eligible.html",
)


@app.exception_handler(SessionStarted)
def started(error: SessionStarted) -> Response[str]:
    if app.wants_html():
        return _registration_page(_claims(app.path_token()), HTTPStatus.CONFLICT)
    detail = rendering.messages()["group"]["started"]
    return json_response({"error": "conflict", "detail": detail, "fields": {}}, HTTPStatus.CONFLICT)


@app.get(
    "/group",
    summary="The BIPOC Physician Peer Support Group: its next session and registration form",
    responses=documented_page("The group's page and form"),
)
def show_group() -> Response[str]:
    return group_page(app, {}, {})


@app.post(
    "/group-registrations",
    summary="Register for the next session of the BIPOC Physician Peer Support Group",
    description=(
        "Accepts JSON or a form post. The session is the next Monday at 19:15 in Vancouver that has not "
        "yet begun. Registering again with the same email address returns the same registration, "
        "and sends its email again (at most once every ten minutes)."
    ),
    responses=documented(
        ("Registered or waitlisted", GroupReceipt),
        {409: "Too busy this instant", 422: "Answers to change, or the group is not for this person"},
    ),
)
def post_registration(form: Annotated[GroupRegistrationForm, Body(embed=False)]) -> Response[str]:
    settings = get_group_settings()
    registration = register(form, repository=_repository(), settings=settings, secret=signing_key)
    logger.info(
        "group registration",
        extra={
            "reference": registration.reference,
            "status": registration.status.value,
            "session_id": registration.session.session_id,
            "new": registration.new,
            "emailed": registration.emailed,
        },
    )
    if registration.new:
        metrics.add_metric(
            name="GroupRegistered" if registration.status is GroupStatus.REGISTERED else "GroupWaitlisted",
            unit=MetricUnit.Count,
            value=1,
        )
    if app.wants_html():
        page = app.page(
            "pages/group_confirmation.html",
            base=app.base_path(),
            reference=registration.reference,
            status=registration.status.value,
            session=describe(registration.session),
            again=not registration.new,
            emailed=registration.emailed,
        )
        return html_response(page, HTTPStatus.CREATED)
    receipt = GroupReceipt(
        reference=registration.reference,
        status="registered" if registration.status is GroupStatus.REGISTERED else "waitlisted",
        session_start=registration.session.iso_start,
    )
    return json_response(receipt, HTTPStatus.CREATED)


# Whatever is wrong with a registration's link (tampered, expired, unknown) is a plain 404.
LINK_ERRORS = {404: "No such link, or it has expired"}


@app.get(
    "/group-registrations/<token>",
    summary="The page a registration's link opens; changes nothing",
    responses=documented_page("The registration and a button to give up the place", LINK_ERRORS),
)
def show_registration(token: Token) -> Response[str]:
    return _registration_page(_claims(token))


@app.post(
    "/group-registrations/<token>",
    summary="Give up the place (or waitlist place) the link names",
    description="Accepts JSON or a form post: `action` is `cancel`.",
    responses=documented(
        ("Given up", GroupCancelled),
        {**LINK_ERRORS, 409: "The session has begun", 422: "Not the page's own button"},
        status=HTTPStatus.OK,
    ),
)
def give_up(token: Token, form: Annotated[GroupCancelForm, Body(embed=False)]) -> Response[str]:
    claims = _claims(token)
    was = cancel(claims, repository=_repository())
    logger.info("group place given up", extra={"reference": claims.reference, "was": was})
    if was != "cancelled":
        metrics.add_metric(name="GroupPlacesGivenUp", unit=MetricUnit.Count, value=1)
    if app.wants_html():
        page = app.page(
            "pages/group_cancelled.html", base=app.base_path(), reference=claims.reference, was=was
        )
        return html_response(page)
    return json_response(GroupCancelled(reference=claims.reference, status="cancelled"))
