"""(b) AWS calls per path, counted with botocore event hooks on moto."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.harness import CallCounter, moto_stack, quietly

REQUEST: dict[str, Any] = {
    "kind": "self",
    "requester": {"name": "Dr. Bench Mark", "email": "bench@example.org"},
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "reasons": ["burnout"],
    "modalities": ["video"],
}
LINK = re.compile(r"https://peer-support\.example\.org/actions/(\S+)")


def _api_event(method: str, path: str, body: Any = None, resource: str | None = None) -> dict[str, Any]:
    from local_runner.apigw import proxy_event

    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    raw = json.dumps(body).encode() if body is not None else None
    params = {"token": path.rsplit("/", 1)[-1]} if resource == "/actions/{token}" else None
    return proxy_event(method, path, headers, raw, resource or path, params)


def _summary(calls: Counter[str]) -> dict[str, int]:
    return dict(sorted(calls.items()))


def main() -> dict[str, Any]:
    from local_runner.lambdas import invoke
    from local_runner.stack import sent_emails
    from peer_support.core import clock
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository
    from tests.integration.conftest import Pipeline

    results: dict[str, Any] = {}
    frozen = clock.FrozenClock(datetime(2026, 11, 26, 18, 0, tzinfo=UTC))
    previous = clock.use(frozen)
    try:
        with quietly(), moto_stack() as stack:
            counter = CallCounter()
            SupportersRepository(stack.refs["SupportersTable"]).upsert(
                [
                    RosterEntry(
                        supporter_id=f"s{i}",
                        name=f"Dr. S{i}",
                        email=f"s{i}@example.org",
                        modalities=["video"],
                    )
                    for i in range(3)
                ]  # type: ignore[list-item]
            )
            pipeline = Pipeline(stack)
            invoke("SubmitRequestFunction", _api_event("POST", "/requests", REQUEST))  # warm: secret, clients

            # From a new address: the same person again would be answered with their open request.
            fresh = {**REQUEST, "requester": {"name": "Dr. Bench Mark", "email": "bench.two@example.org"}}
            with counter.measure() as submission:
                invoke("SubmitRequestFunction", _api_event("POST", "/requests", fresh))
            results["submission"] = _summary(submission)

            match_reader, notify_reader = (
                pipeline.readers["MatchFunction"],
                pipeline.readers["NotifyFunction"],
            )
            records = match_reader.records()
            with counter.measure() as matching:
                for record in records:
                    invoke("MatchFunction", {"Records": [record]})
            results["match (per request)"] = {k: v // len(records) for k, v in _summary(matching).items()}

            notify_records = notify_reader.records()
            emails_before = len(sent_emails())
            with counter.measure() as notifying:
                invoke("NotifyFunction", {"Records": notify_records})
            emails = len(sent_emails()) - emails_before
            results["emails"] = {"emails sent": emails, **_summary(notifying)}

            reference = json.loads(
                invoke("SubmitRequestFunction", _api_event("POST", "/requests", REQUEST))["body"]
            )["reference"]
            pipeline.run()
            supporter_email = next(
                e for e in sent_emails() if reference in e["subject"] and e["to"].startswith("s")
            )
            token = LINK.search(supporter_email["text"]).group(1)  # type: ignore[union-attr]
            path = f"/actions/{token}"
            for name, body in [
                ("view", None),
                ("acknowledge", {"action": "acknowledge"}),
                ("close", {"action": "close", "conversations": 2, "modality_used": "video"}),
            ]:
                with counter.measure() as action:
                    answer = invoke(
                        "ActionsFunction",
                        _api_event("GET" if body is None else "POST", path, body, "/actions/{token}"),
                    )
                assert answer["statusCode"] == 200, (name, answer["statusCode"])  # count only what worked
                results[f"action: {name}"] = _summary(action)

            # A full lifecycle's SES calls: submit, match, acknowledge, close.
            results["SES calls per lifecycle"] = sum(1 for e in sent_emails() if reference in e["subject"])

            # An SLA step: one more request, matched, then the reminder falls due.
            invoke("SubmitRequestFunction", _api_event("POST", "/requests", REQUEST))
            pipeline.run()
            frozen.advance(timedelta(days=1, hours=4))
            with counter.measure() as step:
                summary = invoke("SlaCheckFunction", {})
            results["SLA sweep with one step due"] = {"steps": summary["steps"], **_summary(step)}
    finally:
        clock.use(previous)
    for path_name, calls in results.items():
        print(f"{path_name:32} {calls}")
    return results


if __name__ == "__main__":
    main()
