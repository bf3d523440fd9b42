"""The Lambda handler of every function, made by one of two factories: `rest_handler` for the three
that serve API routes, `event_handler` for the stream consumers and the schedule. Each function's own
`app.py` is the one line that names what it runs.

Both build in Lambda's Init phase what the function's first event would otherwise build while someone
waits: the modules, pydantic models, settings, AWS clients and templates of its path (`PREPARE`). Init
runs on a whole vCPU, where at 512 MB an invocation has under a third of one, and since August 2025 it
is billed as an invocation is: the same work costs the first person to reach a new instance about a
third of the wait there, and no more (docs/PERFORMANCE.md). No AWS call is made in Init.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from peer_support.entrypoints.api.resolver import Api

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

_SETTINGS = "peer_support.core.settings:get_settings"
_DYNAMODB = "peer_support.core.dynamodb:dynamodb_client"
_PAGINATORS = "peer_support.core.dynamodb:load_paginators"
_SES = "peer_support.notifications.email:sesv2_client"
_ROSTER = (
    "peer_support.supporters.repository",
    "peer_support.supporters.models:SupporterRecord.model_rebuild",
    "peer_support.requests.models:Preferences.model_rebuild",
)
_EMAIL = (
    "email_validator",
    "encodings.idna",
    _SES,
    "peer_support.notifications.outbox",
    "peer_support.links.keys:use_the_shared_session",
)
# The `holidays` package loads every country's calendar with the first (about 200 ms of CPU).
_HOLIDAYS = "peer_support.entrypoints.handlers:this_years_holidays"

# What each function's first event needs, by the module (API) or the function (consumers) it runs: a
# module to import, or `module:callable` to call. Pages and emails are compiled with `rendering.prepare`
# (the ones a new instance is most likely to send first; any other compiles on first use).
PREPARE: dict[str, tuple[str, ...]] = {
    "peer_support.entrypoints.api.intake": ("peer_support.core.settings:get_intake_settings",),
    "peer_support.entrypoints.api.actions": (_HOLIDAYS,),
    "peer_support.entrypoints.api.group": ("peer_support.group.settings:get_group_settings",),
    "handle_match": (
        _SETTINGS,
        _DYNAMODB,
        "peer_support.requests.assignment",
        "peer_support.requests.transitions",
        _PAGINATORS,
        *_ROSTER,
        _HOLIDAYS,
    ),
    "handle_notify": (
        _SETTINGS,
        _DYNAMODB,
        *_EMAIL,
        *_ROSTER,
        "peer_support.notifications.settings:get_notify_settings",
        "peer_support.requests.notices",
        "peer_support.requests.delivery:sender.exactly_once",
    ),
    "handle_group_notify": (
        _SETTINGS,
        _DYNAMODB,
        *_EMAIL,
        "peer_support.group.settings:get_group_notify_settings",
        "peer_support.group.notices",
        "peer_support.group.delivery:sender.exactly_once",
    ),
    "handle_sla_check": (
        _SETTINGS,
        _DYNAMODB,
        _PAGINATORS,
        "peer_support.group.settings:get_group_settings",
        # Every sweep reads the roster for its metrics and reminders, and asks whether the month's report
        # is due.
        *_ROSTER,
        "peer_support.supporters.care",
        "peer_support.notifications.outbox",
        "peer_support.reports.monthly_email:sender.exactly_once",
        _HOLIDAYS,
    ),
}
PAGES: dict[str, tuple[str, ...]] = {
    "peer_support.entrypoints.api.intake": ("pages/form.html", "pages/confirmation.html"),
    "peer_support.entrypoints.api.actions": ("pages/case.html", "pages/action_done.html"),
    "peer_support.entrypoints.api.group": ("pages/group.html", "pages/group_confirmation.html"),
    "handle_notify": tuple(
        f"email/{kind}.{part}" for kind in ("matched", "assigned") for part in ("subject.txt", "txt", "html")
    ),
    "handle_group_notify": tuple(f"email/group_registered.{part}" for part in ("subject.txt", "txt", "html")),
}


def this_years_holidays() -> None:
    from peer_support.core import calendar, clock

    calendar.is_business_day(calendar.local_date(clock.now()))


def resolve(step: str) -> Any:
    """The module a step names, imported, or the callable in it (`module:callable`, dotted)."""
    module, _, path = step.partition(":")
    target: Any = importlib.import_module(module)
    for name in path.split(".") if path else ():
        target = getattr(target, name)
    return target


def prepare(key: str) -> None:
    """Do now what `PREPARE[key]` names. Whatever fails is left for the first event, which does it again
    and answers any failure as it always has."""
    for step in PREPARE.get(key, ()):
        with suppress(Exception):  # only work moved earlier: the first event does it again
            target = resolve(step)
            if ":" in step:
                target()
    # Jinja only where a page or an email is compiled in Init: match never renders, and the sweep only
    # when a reminder, digest or report is due; importing it with its environment costs about 25 ms.
    if pages := PAGES.get(key):
        from peer_support.core import rendering

        with suppress(Exception):  # a template that fails to compile fails where it is rendered, as before
            rendering.prepare(pages)
    # What Init built lives as long as the instance: kept out of the garbage collector's passes, so that
    # a warm event's collections walk only what that event made.
    gc.freeze()


def rest_handler(routes: str) -> Handler:
    """The handler of the resolver `app` in the module `routes`, with the resolver built and prepared
    (`Api.prepare`: its validators, models and clients) in Init."""
    from aws_lambda_powertools.logging import correlation_paths  # only the API's handlers correlate by it

    logger = Logger()
    metrics = Metrics()
    app: Api = importlib.import_module(routes).app
    app.prepare()
    prepare(routes)  # last: it freezes what Init built

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    return lambda_handler


def event_handler(module: str, function: str) -> Handler:
    """The handler that passes each event (a stream batch, a schedule's tick) to `function` of `module`,
    with the Lambda context logged and the metrics flushed."""
    logger = Logger()
    metrics = Metrics()
    handle: Handler = getattr(importlib.import_module(module), function)
    prepare(function)

    @logger.inject_lambda_context
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return handle(event, context)

    return lambda_handler
