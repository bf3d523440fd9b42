"""The API Gateway resolver every API function shares: body checks before routing, and the one place
where errors become HTTP responses."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel, ValidationError

from peer_support.core import clock, rendering
from peer_support.core.aws_faults import aws_error_code, is_transient
from peer_support.core.dynamodb import dynamodb_client
from peer_support.core.errors import (
    BadRequest,
    DomainError,
    NotEligible,
    NotFound,
    Unavailable,
    UnsupportedMediaType,
)
from peer_support.core.log_privacy import withhold_personal_data
from peer_support.core.settings import Settings
from peer_support.entrypoints.api.bodies import prepare
from peer_support.entrypoints.api.problems import field_errors, point_at_answers, status_of, unreadable
from peer_support.entrypoints.api.responses import (
    RETRY_AFTER_SECONDS,
    html_response,
    json_response,
    proxy,
)
from peer_support.links.keys import use_the_shared_session, verified
from peer_support.links.tokens import InvalidLink

logger = Logger()
withhold_personal_data()

Claims = TypeVar("Claims")


@dataclass(frozen=True)
class FormSpec:
    """A route that browsers post a form to: its model, the view that re-renders the form with the
    person's answers and what to change, and a check that outranks field errors."""

    model: type[BaseModel]
    view: Callable[[Api, dict[str, Any], dict[str, str]], Response[str]]
    precheck: Callable[[dict[str, Any]], None] = lambda _: None
    guard: Callable[[Api], object] = lambda _: None  # e.g. the signed link in the path, checked first


class Api(APIGatewayRestResolver):
    """`APIGatewayRestResolver` with validation, plus what API Gateway cannot check for us."""

    def __init__(
        self,
        settings: Callable[[], Settings],
        forms: Mapping[str, FormSpec],
        not_eligible_page: str = "pages/not_eligible.html",
    ):
        super().__init__(enable_validation=True)
        self._settings = settings
        self._forms = dict(forms)
        # The kind page for someone this service is not for (the group has its own).
        self._not_eligible_page = not_eligible_page
        self.exception_handler(RequestValidationError)(self._on_request_validation)
        self.exception_handler(ValidationError)(self._on_model_validation)
        self.exception_handler(RequestUnsupportedContentType)(lambda _: self.error(UnsupportedMediaType()))
        self.exception_handler(DomainError)(self.error)
        self.exception_handler(Exception)(self._on_unexpected)
        self.not_found()(lambda _: self.error(NotFound()))

    def prepare(self) -> None:
        """Build now, in Lambda's Init phase, what the first request would otherwise build while a person
        waits: the forms' models, every route's validators, the settings, and the DynamoDB and Secrets
        Manager clients (no call is made). Whatever fails here is left for the first request, which
        answers it in the contract's shape."""
        with suppress(Exception):  # only work moved earlier: the first request does it again
            for spec in self._forms.values():
                spec.model.model_rebuild()  # first: the routes' validators then reuse its schema
            for route in [*self._static_routes, *self._dynamic_routes]:
                dependant = route.dependant
                params = (dependant.path_params, dependant.query_params, dependant.header_params)
                fields = [field for group in params for field in group]
                for field in [*fields, route.body_field] if route.body_field else fields:
                    field.validate(None)  # builds its validator; what it answers is of no interest
            self._settings()
            rendering.environment()
            dynamodb_client()
            use_the_shared_session()

    def resolve(self, event: Mapping[str, Any], context: Any) -> dict[str, Any]:
        try:
            spec = self._form_spec(event.get("resource"), event.get("path"))
            event = prepare(dict(event), self._settings().max_body_bytes, spec.model if spec else None)
        except DomainError as error:
            # Refused before routing, so the resolver never sees it; answer in the same shape.
            event_proxy = self._to_proxy_event(dict(event))
            html = _accepts_html(event_proxy.headers)
            return proxy(self.error(error, html=html, base=_base_path(event_proxy)))
        return super().resolve(event, context)

    def _form_spec(self, resource: str | None, path: str | None) -> FormSpec | None:
        """The form posted to this route (API Gateway names it by its resource, `/actions/{token}`)."""
        return self._forms.get(resource or "") or self._forms.get(path or "")

    def page(self, template: str, /, **context: Any) -> str:
        """Render a page. Every page says how long a person's details are kept, so each is told."""
        settings = self._settings()
        return rendering.render(
            template,
            retention_days=settings.retention_days,
            urgent_minutes=settings.urgent_contact_minutes,
            **context,
        )

    def wants_html(self) -> bool:
        return _accepts_html(self.current_event.headers)

    def base_path(self) -> str:
        return _base_path(self.current_event)

    def path_token(self) -> str:
        """The signed token at the end of the path (`/actions/{token}`)."""
        return self.current_event.path.rsplit("/", 1)[-1]

    @staticmethod
    def claims(verify: Callable[[str, bytes, Any], Claims], token: str) -> Claims:
        """The claims of a genuine, unexpired link of the kind `verify` reads. Whatever is wrong with it
        (tampered, expired, unknown, another kind) is the same plain 404, with no hint of which."""
        try:
            return verified(verify, token, clock.now())
        except InvalidLink:
            raise NotFound("link") from None

    # -- errors → HTTP, in one place ------------------------------------------------------------

    def error(
        self,
        error: DomainError,
        fields: dict[str, str] | None = None,
        *,
        html: bool | None = None,
        base: str | None = None,
    ) -> Response[str]:
        status, code = status_of(error)
        text = rendering.messages()
        detail = (
            text["not_eligible"][error.reason] if isinstance(error, NotEligible) else text["errors"][code]
        )
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(error, Unavailable) else {}
        if self.wants_html() if html is None else html:
            page = self._not_eligible_page if isinstance(error, NotEligible) else "pages/error.html"
            reason = error.reason if isinstance(error, NotEligible) else code
            base = self.base_path() if base is None else base
            return html_response(self.page(page, base=base, code=reason, detail=detail), status, headers)
        return json_response({"error": code, "detail": detail, "fields": fields or {}}, status, headers)

    def _on_request_validation(self, error: RequestValidationError) -> Response[str]:
        return self._invalid(list(error.errors()))

    def _on_model_validation(self, error: ValidationError) -> Response[str]:
        return self._invalid(list(error.errors()))

    def _invalid(self, errors: list[Any]) -> Response[str]:
        if unreadable(errors):
            return self.error(BadRequest("body"))
        spec = self._form_spec(self.current_event.resource, self.current_event.path)
        try:
            values = self.current_event.json_body
        except ValueError:
            values = None
        values = values if isinstance(values, dict) else {}
        fields = field_errors(errors)
        try:
            if spec is not None:
                spec.guard(self)
                spec.precheck(values)
                if self.wants_html():
                    return spec.view(self, values, point_at_answers(fields, spec.model, values))
        except DomainError as error:  # a bad link under a bad form: the link's answer comes first
            return self.error(error)
        detail = rendering.messages()["errors"]["validation"]
        body = {"error": "validation", "detail": detail, "fields": fields}
        return json_response(body, HTTPStatus.UNPROCESSABLE_ENTITY)

    def _on_unexpected(self, error: Exception) -> Response[str]:
        if is_transient(error):
            # AWS throttled us or could not be reached: nothing was changed, and the same request (with
            # its Idempotency-Key) can come again. Named by its code and call, never its message.
            code = aws_error_code(error) or type(error).__name__
            logger.warning(
                "aws unavailable",
                extra={"error_code": code, "operation": getattr(error, "operation_name", None)},
            )
            return self.error(Unavailable("aws", code))
        # The message may hold a person's data (a validation error echoes its input): log the type and
        # the frames only.
        logger.error(
            "unhandled error",
            extra={"error_type": type(error).__name__, "frames": traceback.format_tb(error.__traceback__)},
        )
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        detail = rendering.messages()["errors"]["internal"]
        if self.wants_html():
            page = self.page("pages/error.html", base=self.base_path(), code="internal", detail=detail)
            return html_response(page, status)
        return json_response({"error": "internal", "detail": detail, "fields": {}}, status)


def _accepts_html(headers: Mapping[str, str]) -> bool:
    return "text/html" in (headers.get("accept") or "")


def _base_path(event: Any) -> str:
    """The stage prefix (`/prod`) the browser sees in front of our routes, or ''."""
    seen = event.request_context.path or ""
    path = event.path or ""
    return seen[: len(seen) - len(path)].rstrip("/") if seen.endswith(path) else ""
