"""Routes of the `actions` function: `GET` and `POST /actions/{token}`, the signed one-click links."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from peer_support.core import clock, rendering
from peer_support.core.calendar import clock_time, human_date, human_deadline
from peer_support.core.dynamodb import error_code
from peer_support.core.settings import get_settings
from peer_support.entrypoints.api import supporter_page
from peer_support.entrypoints.api.openapi import Token, documented, documented_page
from peer_support.entrypoints.api.resolver import Api, FormSpec
from peer_support.entrypoints.api.responses import html_response, json_response
from peer_support.links.tokens import LinkClaims, verify_link
from peer_support.requests.actions import (
    ActionForm,
    StaleAction,
    allowed_actions,
    handed_on,
    holds_case,
    perform,
    referrer_of_reach_in,
)
from peer_support.requests.models import ActionTaken, Status
from peer_support.requests.notices import person_role
from peer_support.requests.repository import RequestsRepository
from peer_support.requests.states import HELD, OPEN
from peer_support.requests.transitions import Transitions
from peer_support.supporters.repository import SupportersRepository

logger = Logger()
metrics = Metrics()


def _claims(token: str) -> LinkClaims:
    return Api.claims(verify_link, token)


def _transitions() -> Transitions:
    settings = get_settings()
    return Transitions(settings.requests_table, settings.supporters_table)


def _request(claims: LinkClaims) -> dict[str, Any]:
    return RequestsRepository(get_settings().requests_table).get(claims.request_id)


def _page(claims: LinkClaims, item: dict[str, Any], errors: dict[str, str], values: dict[str, Any]) -> str:
    """The page a link opens: the case for its supporter, the request for the administrator, or the
    withdraw page for the requester."""
    common = {"base": app.base_path(), "reference": item["request_id"], "action_url": action_url()}
    allowed = allowed_actions(claims, item)
    if claims.role == "supporter":
        return _case_page(item, common, errors, values)
    if claims.role == "admin":
        return _admin_page(item, common, allowed)
    if item.get("kind") == "reach_in" and item["status"] in INVITATION_PAGE:
        return _invitation_page(claims, item, common)
    return app.page(
        "pages/withdraw.html",
        **common,
        status=item["status"],
        can_withdraw="withdraw" in allowed,
        can_confirm="confirm_request" in allowed,
        can_talk_again="talk_again" in allowed,
        handed_on=handed_on(claims, item) and item["status"] in OPEN,
    )


# The states a reach-in's invitation page answers for: its question, and what is left once answered.
INVITATION_PAGE = frozenset({Status.INVITED, Status.DECLINED_INVITATION, Status.INVITATION_LAPSED})


def _invitation_page(claims: LinkClaims, item: dict[str, Any], common: dict[str, Any]) -> str:
    """The invitation: both answers, first the one the email's link was signed for (its holder says)."""
    referrer = item.get("requester") or {}
    return app.page(
        "pages/invitation.html",
        **common,
        status=item["status"],
        answer="no" if claims.holder == "colleague-no" else "yes",
        referrer_name=referrer.get("name") if item.get("share_referrer_name") else None,
    )


def _contact_due(item: dict[str, Any]) -> str:
    return human_deadline(clock.parse_iso(item["contact_due_at"])) if item.get("contact_due_at") else ""


def _case_page(
    item: dict[str, Any], common: dict[str, Any], errors: dict[str, str], values: dict[str, Any]
) -> str:
    return app.page(
        "pages/case.html",
        **common,
        person=item.get(person_role(item)) or {},
        modalities=item.get("modalities", []),
        urgent=bool(item.get("urgent")),
        reasons=item.get("reasons") if item.get("share_reasons") else None,
        language=(item.get("preferences") or {}).get("language"),
        referred=item.get("kind") == "colleague",
        # A reach-in's note is its referrer's, about someone who did not ask: for the administrators only.
        reached_in=item.get("kind") == "reach_in",
        note=item.get("note") if item.get("kind") != "reach_in" else None,
        status=item["status"],
        contact_due=_contact_due(item),
        errors=errors,
        values=values,
    )


def _admin_page(item: dict[str, Any], common: dict[str, Any], allowed: set[str]) -> str:
    """The request as it stands now: its state, who holds it and by when, and what has happened."""
    return app.page(
        "pages/admin_action.html",
        **common,
        status=item["status"],
        kind=item.get("kind"),
        person=item.get(person_role(item)) or {},
        referrer=item.get("requester") if item.get("kind") in ("colleague", "reach_in") else None,
        reach_in_event=item.get("event"),
        urgent=bool(item.get("urgent")),
        needs_admin_reason=item.get("needs_admin_reason"),
        left_out=item.get("left_out") or {},
        note=item.get("note"),
        supporter=_supporter(item),
        contact_due=_contact_due(item),
        history=_history(item),
        can_confirm="confirm_consent" in allowed,
        can_cancel="cancel" in allowed,
    )


def _supporter(item: dict[str, Any]) -> dict[str, Any] | None:
    """The Peer Supporter holding the case, by name, for the administrator; None when nobody holds it.

    Read here, from the supporters' own table: the requests never read it."""
    if not item.get("supporter_id") or item["status"] not in HELD:
        return None
    try:
        record = SupportersRepository(get_settings().supporters_table).find(str(item["supporter_id"]))
    except ClientError as error:  # the page still shows everything else
        logger.warning(
            "supporter's name not read", extra={"reference": item["request_id"], "error": error_code(error)}
        )
        return {"name": None, "readable": False}
    return {"name": record.name if record else None, "readable": True}


def _history(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Each entry of the request's history as the page shows it: when (Pacific time), what, by which
    role; never which supporter."""
    rows = []
    for entry in item.get("history") or []:
        at = clock.parse_iso(str(entry["at"]))
        rows.append(
            {
                "when": f"{human_date(at)}, {clock_time(at)}",
                "event": entry.get("event"),
                "by": entry.get("by"),
                "recipient_role": entry.get("recipient_role"),
            }
        )
    return rows


def _token_of(api: Api) -> LinkClaims:
    """The link's claims: checked before the body, so a bad link is a 404 whatever was posted."""
    return _claims(api.path_token())


def action_url() -> str:
    return f"{app.base_path()}{app.current_event.path}"


def _record_view(claims: LinkClaims, item: dict[str, Any]) -> None:
    """Who saw a person's details, and when: every view of a page that shows them."""
    if claims.role == "requester":
        return
    detail = {"supporter_id": claims.holder} if claims.role == "supporter" else {}
    recorded = _transitions().note_view(item["request_id"], clock.now(), claims.role, claims.holder, **detail)
    if not recorded:
        logger.info(
            "view not added: recorded within the window, or the history is full",
            extra={"reference": item["request_id"], "role": claims.role},
        )


def _may_see(claims: LinkClaims, item: dict[str, Any]) -> None:
    """A supporter sees a person's details only while the case is theirs and open; a reach-in's referrer
    sees nothing of it."""
    if referrer_of_reach_in(claims, item):
        raise StaleAction("not_yours")
    if claims.role != "supporter":
        return
    if not holds_case(claims, item):
        raise StaleAction("moved")
    if item["status"] not in HELD:
        raise StaleAction("already_done")


def close_form_again(api: Api, values: dict[str, Any], errors: dict[str, str]) -> Response[str]:
    """The case page again, with what to change in the closing form."""
    try:
        claims = _claims(api.path_token())
        item = _request(claims)
        _may_see(claims, item)
    except StaleAction as error:
        response: Response[str] = stale(error)
        return response
    _record_view(claims, item)
    return html_response(_page(claims, item, errors, values), HTTPStatus.UNPROCESSABLE_ENTITY)


app = Api(
    settings=get_settings,
    forms={
        "/actions/{token}": FormSpec(ActionForm, close_form_again, guard=lambda api: _token_of(api)),
        **supporter_page.FORMS,
    },
)
supporter_page.register(app)


@app.exception_handler(StaleAction)
def stale(error: StaleAction) -> Response[str]:
    detail = rendering.messages()["stale"][error.reason]
    if app.wants_html():
        heading = rendering.messages()["stale_heading"][error.reason]
        page = app.page("pages/action_conflict.html", base=app.base_path(), heading=heading, detail=detail)
        return html_response(page, HTTPStatus.CONFLICT)
    return json_response({"error": "conflict", "detail": detail, "fields": {}}, HTTPStatus.CONFLICT)


# Whatever is wrong with a link (tampered, expired, unknown) is a plain 404; one whose action no longer
# applies (done already, the case moved) is a 409.
LINK_ERRORS = {404: "No such link, or it has expired", 409: "The link's action no longer applies"}


@app.get(
    "/actions/<token>",
    summary="The page a signed link opens; changes nothing",
    responses=documented_page("The case, the request or the withdrawal page", LINK_ERRORS),
)
def show(token: Token) -> Response[str]:
    claims = _claims(token)
    item = _request(claims)
    _may_see(claims, item)
    _record_view(claims, item)
    return html_response(_page(claims, item, {}, {}))


@app.post(
    "/actions/<token>",
    summary="Take the action the link's holder chose",
    description=(
        "Accepts JSON or a form post: `action`, and for `close` the `conversations` and `modality_used`."
    ),
    responses=documented(
        ("Done", ActionTaken), {**LINK_ERRORS, 422: "Answers to change"}, status=HTTPStatus.OK
    ),
)
def act(token: Token, form: Annotated[ActionForm, Body(embed=False)]) -> Response[str]:
    claims = _claims(token)
    item = _request(claims)
    done = perform(claims, form, item, transitions=_transitions(), settings=get_settings())
    logger.info(
        "action taken", extra={"reference": item["request_id"], "action": done.action, "by": claims.role}
    )
    if done.action == "acknowledge" and item.get("matched_at"):
        waited = clock.now() - clock.parse_iso(item["matched_at"])
        metrics.add_metric(
            name="TimeToFirstContact", unit=MetricUnit.Seconds, value=max(waited.total_seconds(), 0)
        )
    if app.wants_html():
        return html_response(
            app.page(
                "pages/action_done.html",
                base=app.base_path(),
                action=done.action,
                reference=item["request_id"],
            )
        )
    return json_response(ActionTaken(reference=item["request_id"], status=done.status))
