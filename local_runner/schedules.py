"""Emulates the template's EventBridge schedules against the one clock, and `POST /_local/clock`."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import timedelta
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


def schedules(stack: Stack) -> list[Schedule]:
    found = []
    for function, resource in resources_of_type("AWS::Serverless::Function", stack.template).items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] in ("Schedule", "ScheduleV2"):
                match = re.fullmatch(r"rate\((\d+) (\w+)\)", event["Properties"]["ScheduleExpression"])
                if match is None:
                    raise ValueError(f"the local runner understands rate() schedules only: {function}")
                found.append(
                    Schedule(function, timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)]))
                )
    return found


class Scheduler:
    """Runs each scheduled function whenever the one clock passes its next time."""

    def __init__(self, local: LocalStack) -> None:
        assert local.stack is not None
        self.local = local
        self.schedules = schedules(local.stack)
        from peer_support import clock

        start = clock.now()
        self.next_run = {s.function: start + s.every for s in self.schedules}
        self._lock = threading.Lock()

    def run_all(self) -> dict[str, Any]:
        """Run every scheduled function once now (what `POST /_local/clock` does after moving time)."""
        from peer_support import clock

        with self._lock:
            results = {}
            for schedule in self.schedules:
                results[schedule.function] = self.local.invoke(schedule.function, {})
                self.next_run[schedule.function] = clock.now() + schedule.every
            return results

    def __call__(self, stopping: threading.Event) -> None:
        from peer_support import clock

        while not stopping.wait(1.0):
            now = clock.now()
            for schedule in self.schedules:
                if now >= self.next_run[schedule.function]:
                    with self._lock:
                        try:
                            self.local.invoke(schedule.function, {})
                        except Exception as error:
                            print(
                                f"[{schedule.function}] scheduled run failed: {type(error).__name__}",
                                flush=True,
                            )
                        self.next_run[schedule.function] = now + schedule.every


def clock_route(scheduler: Scheduler) -> Any:
    """`POST /_local/clock`: `{"advance_hours": N}` or `{"now": ISO}`; runs the checks once; `{"now"}`."""
    import json

    from local_runner.server import error_reply, json_reply
    from peer_support import clock

    def route(app: LocalApp, request: LocalRequest) -> Reply:
        adjustable = app.local.clock
        try:
            data = json.loads(request.body or b"{}")
            if "now" in data:
                when = clock.parse_iso(str(data["now"]))
                adjustable.set(when)
            elif "advance_hours" in data:
                adjustable.advance(timedelta(hours=float(data["advance_hours"])))
            else:
                raise ValueError("advance_hours or now")
        except (ValueError, TypeError, AttributeError) as error:
            return error_reply(HTTPStatus.BAD_REQUEST, "malformed", str(error))
        scheduler.run_all()
        return json_reply(HTTPStatus.OK, {"now": clock.iso(clock.now())})

    return route
