"""Emulates the template's EventBridge schedules against the one clock, and `POST /_local/clock`."""

from __future__ import annotations

import json
import math
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from local_runner.stack import LocalStack
from local_runner.template import Stack, resources_of_type

if TYPE_CHECKING:
    from local_runner.server import LocalApp, LocalRequest, Reply

UNITS = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}


@dataclass(frozen=True)
class Schedule:
    function: str
    every: timedelta
    name: str = ""  # the schedule's event name: one function may have several schedules
    input: str = "{}"  # the event it is invoked with (the schedule's `Input`)

    @property
    def event(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.input)
        return loaded


def schedules(stack: Stack) -> list[Schedule]:
    found = []
    for function, resource in resources_of_type("AWS::Serverless::Function", stack.template).items():
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] in ("Schedule", "ScheduleV2"):
                match = re.fullmatch(r"rate\((\d+) (\w+)\)", event["Properties"]["ScheduleExpression"])
                if match is None:
                    raise ValueError(f"the local runner understands rate() schedules only: {function}")
                every = timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])
                found.append(Schedule(function, every, name, event["Properties"].get("Input", "{}")))
    return found


class Scheduler:
    """Runs each scheduled function whenever the one clock passes its next time."""

    def __init__(self, local: LocalStack) -> None:
        assert local.stack is not None
        self.local = local
        self.schedules = schedules(local.stack)
        from peer_support.core import clock

        start = clock.now()
        self.next_run = {s: start + s.every for s in self.schedules}
        self._lock = threading.Lock()

    def run_all(self) -> dict[str, Any]:
        """Run every scheduled function once now (what `POST /_local/clock` does after moving time)."""
        from peer_support.core import clock

        with self._lock:
            results: dict[str, Any] = {}
            for schedule in self.schedules:
                # The function's widest schedule answers for it (every deadline covers the urgent ones).
                result = self.local.invoke(schedule.function, schedule.event)
                results.setdefault(schedule.function, result)
                self.next_run[schedule] = clock.now() + schedule.every
            return results

    def __call__(self, stopping: threading.Event) -> None:
        from peer_support.core import clock

        while not stopping.wait(1.0):
            now = clock.now()
            for schedule in self.schedules:
                if now >= self.next_run[schedule]:
                    with self._lock:
                        try:
                            self.local.invoke(schedule.function, schedule.event)
                        except Exception as error:
                            print(
                                f"[{schedule.function}] scheduled run failed: {type(error).__name__}",
                                flush=True,
                            )
                        self.next_run[schedule] = now + schedule.every


EXAMPLE = '{"advance_hours": 24} or {"now": "2026-12-24T18:00:00Z"}'
_ISO = "an ISO-8601 time with its offset, such as 2026-12-24T18:00:00Z"


class ClockRefusal(Exception):
    """What `POST /_local/clock` refuses, and why: its status, detail and the field at fault."""

    def __init__(self, status: int, detail: str, field: str = "", message: str = "") -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.fields = {field: message} if field else {}


def requested_time(data: Any, current: datetime) -> datetime:
    """Where a `POST /_local/clock` body asks the clock to go from `current`; raises `ClockRefusal`.

    The clock only moves forward: deadlines and history already stored were written at the later time,
    and a sweep at an earlier one would leave them out of step. A `now` within the current second (the
    clock answers to the second) leaves the clock where it is.
    """
    from peer_support.core import clock

    if not isinstance(data, dict) or len({"now", "advance_hours"} & set(data)) != 1:
        raise ClockRefusal(HTTPStatus.BAD_REQUEST, f"Send a JSON object with one of: {EXAMPLE}.")
    if "now" in data:
        try:
            when = clock.parse_iso(data["now"]) if isinstance(data["now"], str) else None
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise ClockRefusal(HTTPStatus.BAD_REQUEST, f"`now` must be {_ISO}.", "now", f"not {_ISO}")
        if when < current - timedelta(seconds=1):
            raise ClockRefusal(
                HTTPStatus.CONFLICT,
                f"The clock only moves forward: it is {clock.iso(current)}, and {clock.iso(when)} is before "
                "that. Deadlines already set would no longer agree with it; to try an earlier time, "
                f"restart the local stack with NOW={clock.iso(when)}.",
                "now",
                f"before the clock's time, {clock.iso(current)}",
            )
        return max(when, current)
    hours = data["advance_hours"]
    if isinstance(hours, bool) or not isinstance(hours, int | float) or not math.isfinite(hours):
        raise ClockRefusal(
            HTTPStatus.BAD_REQUEST,
            "`advance_hours` must be a number of hours.",
            "advance_hours",
            "not a number",
        )
    if hours < 0:
        raise ClockRefusal(
            HTTPStatus.CONFLICT,
            f"The clock only moves forward: `advance_hours` must be zero or more, not {hours:g}. Deadlines "
            "already set would no longer agree with an earlier time; to try one, restart the local stack "
            "with NOW=<the time>.",
            "advance_hours",
            "must be zero or more",
        )
    try:
        return current + timedelta(hours=hours)
    except OverflowError:
        raise ClockRefusal(
            HTTPStatus.BAD_REQUEST, "`advance_hours` goes past the end of time.", "advance_hours", "too far"
        ) from None


def clock_route(scheduler: Scheduler) -> Any:
    """`POST /_local/clock`: `{"advance_hours": N}` or `{"now": ISO}`, never backwards; runs the checks
    once; `{"now"}`."""
    import json

    from local_runner.server import error_reply, json_reply
    from peer_support.core import clock

    moving = threading.Lock()  # one move at a time, so each is checked against the time it replaces

    def route(app: LocalApp, request: LocalRequest) -> Reply:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return error_reply(HTTPStatus.BAD_REQUEST, "malformed", f"Send a JSON object: {EXAMPLE}.")
        with moving:
            try:
                when = requested_time(data, app.local.clock.now())
            except ClockRefusal as refused:
                error = "malformed" if refused.status == HTTPStatus.BAD_REQUEST else "conflict"
                return error_reply(refused.status, error, refused.detail, refused.fields)
            app.local.clock.set(when)
            scheduler.run_all()
        return json_reply(HTTPStatus.OK, {"now": clock.iso(clock.now())})

    return route


def read_clock(_app: LocalApp, _request: LocalRequest) -> Reply:
    """`GET /_local/clock`: `{"now"}`, the one clock's time."""
    from local_runner.server import json_reply
    from peer_support.core import clock

    return json_reply(HTTPStatus.OK, {"now": clock.iso(clock.now())})
