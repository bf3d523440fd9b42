"""Reach-in under moto: an invitation to a physician who did not ask, its two answers on one signed link,
its reminder and its lapse; the referrer hears once that it went, and never the answer."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.conftest import PUBLIC_BASE_URL, api_event
from tests.integration.conftest import Pipeline

MONDAY_10AM = datetime(2026, 11, 30, 10, 0, tzinfo=TIME_ZONE)
REFERRER = {"name": "Dr. Rita Headley", "email": "rita.headley@example.org"}
PHYSICIAN = {"name": "Dr. Sam Quillborne", "email": "sam.quillborne@example.org", "phone": "604 555 0177"}
REACH_IN: dict[str, Any] = {
    "kind": "reach_in",
    "requester": REFERRER,
    "colleague": PHYSICIAN,
    "event": "adverse_event",
    "career_stage": "practicing_physician",
    "practices_in_vancouver": True,
    "site": "Lions Gate Hospital",
    "note": "A hard case last week in the unit",
}
# What nothing but the physician's own pages and emails may hold, and never once they said no.
PERSONAL = (
    "Rita",
    "Headley",
    "rita.headley",
    "Quillborne",
    "sam.quillborne",
    "555 0177",
    "5550177",
    "Lions Gate",
)
LINK = re.compile(re.escape(PUBLIC_BASE_URL) + r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.fixture
def frozen() -> Any:
    frozen_clock = clock.FrozenClock(MONDAY_10AM)
    previous = clock.use(frozen_clock)
    yield frozen_clock
    clock.use(previous)


@pytest.fixture
def reach_in(stack: Any, frozen: clock.FrozenClock) -> Pipeline:
    """Two supporters; the referrer is one of them (and so may never be matched to the physician)."""
    from peer_support.supporters.models import RosterEntry
    from peer_support.supporters.repository import SupportersRepository

    SupportersRepository(stack.refs["SupportersTable"]).upsert(
        [
            RosterEntry(
                supporter_id="a-referrer",
                name=REFERRER["name"],
                email=REFERRER["email"],
                modalities=["video"],
            ),
            RosterEntry(
                supporter_id="b-other", name="Dr. Other", email="other@example.org", modalities=["video"]
            ),
        ]
    )
    return Pipeline(stack)


def post(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = invoke("SubmitRequestFunction", api_event("POST", "/requests", json.dumps(body)))
    return result


def submit(body: dict[str, Any] = REACH_IN) -> str:
    result = post(body)
    assert result["statusCode"] == 201, result["body"]
    answer = json.loads(result["body"])
    assert answer["status"] == "invited"
    reference: str = answer["reference"]
    return reference


def item(stack: Any, reference: str) -> dict[str, Any]:
    from peer_support.requests.repository import RequestsRepository

    return RequestsRepository(stack.refs["RequestsTable"]).get(reference)


def to(pipeline: Pipeline, address: str) -> list[dict[str, Any]]:
    return [e for e in pipeline.emails() if e["to"] == address]


def links(email: dict[str, Any]) -> dict[str, str]:
    """The invitation's two links, by the answer each is signed for: yes first, then no, thank you."""
    yes, no = LINK.findall(email["text"])
    return {"yes": yes, "no": no}


def answer(token: str, method: str, action: str | None = None) -> dict[str, Any]:
    event = api_event(
        method,
        f"/actions/{token}",
        json.dumps({"action": action}) if action else None,
        {"Accept": "text/html"} if action is None else {"Accept": "application/json"},
        path_parameters={"token": token},
        resource="/actions/{token}",
    )
    result: dict[str, Any] = invoke("ActionsFunction", event)
    return result


def sweep(frozen: clock.FrozenClock, days: float) -> dict[str, int]:
    frozen.advance(timedelta(days=days))
    steps: dict[str, int] = invoke("SlaCheckFunction", {})["steps"]
    return steps


def test_the_invitation_is_warm_brief_and_tells_nothing_of_the_event(stack: Any, reach_in: Pipeline) -> None:
    reference = submit()
    reach_in.run()
    stored = item(stack, reference)
    assert (stored["status"], stored["sla_step"], stored["kind"]) == (
        "invited",
        "invitation_reminder",
        "reach_in",
    )
    assert "supporter_id" not in stored  # nothing is matched yet
    [invitation] = to(reach_in, PHYSICIAN["email"])
    for part in (invitation["subject"], invitation["text"], invitation["html"]):
        for word in ("adverse", "event", "Lions Gate", "hard case", "Rita", "Headley"):
            assert word not in part, word
    assert "Someone who cares about you thought" in invitation["text"]
    assert set(links(invitation)) == {"yes", "no"}
    assert "988" in invitation["text"]
    assert "1-800-663-6729" in invitation["text"]
    # And the referrer hears once that it went, with no link to follow
    [sent] = to(reach_in, REFERRER["email"])
    assert "/actions/" not in sent["text"]
    assert "will not tell you their answer" in sent["text"]
    assert len(reach_in.emails()) == 2


def test_the_referrer_is_named_only_if_they_allowed_it(stack: Any, reach_in: Pipeline) -> None:
    submit({**REACH_IN, "share_referrer_name": True})
    reach_in.run()
    [invitation] = to(reach_in, PHYSICIAN["email"])
    assert "Dr. Rita Headley cares about you and thought" in invitation["text"]
    assert "adverse" not in invitation["text"]


def test_accepted_the_physician_is_matched_and_the_referrer_never_told(
    stack: Any, reach_in: Pipeline
) -> None:
    reference = submit()
    reach_in.run()
    tokens = links(to(reach_in, PHYSICIAN["email"])[0])
    # The link's page asks, and changes nothing
    page = answer(tokens["yes"], "GET")
    assert page["statusCode"] == 200
    assert "Yes, I would like to talk" in page["body"]
    assert "No, thank you" in page["body"]
    assert "adverse" not in page["body"]
    assert item(stack, reference)["version"] == 1
    # When the physician says yes
    done = answer(tokens["yes"], "POST", action="accept_invitation")
    assert json.loads(done["body"]) == {"reference": reference, "status": "pending_match"}
    reach_in.run()
    # Then they are matched as the person supported, never to the referrer, whose site rules apply
    stored = item(stack, reference)
    assert (stored["status"], stored["supporter_id"]) == ("matched", "b-other")
    [matched] = [e for e in to(reach_in, PHYSICIAN["email"]) if "will contact you by" in e["subject"]]
    assert "Thank you for agreeing to hear from us" in matched["text"]
    assert len(to(reach_in, "other@example.org")) == 1
    # And the referrer heard only that the invitation went; asking again says only "invited"
    assert len(to(reach_in, REFERRER["email"])) == 1
    again = post(REACH_IN)
    assert json.loads(again["body"]) == {"reference": reference, "status": "invited"}
    reach_in.run()
    assert len(to(reach_in, REFERRER["email"])) == 1
    # The same answer twice is a stale link
    assert answer(tokens["yes"], "POST", action="accept_invitation")["statusCode"] == 409


def test_declined_nothing_personal_is_kept_at_once(stack: Any, reach_in: Pipeline, frozen: Any) -> None:
    reference = submit()
    reach_in.run()
    tokens = links(to(reach_in, PHYSICIAN["email"])[0])
    page = answer(tokens["no"], "GET")
    assert page["body"].index('value="decline_invitation"') < page["body"].index('value="accept_invitation"')
    # When the physician says no, thank you
    done = answer(tokens["no"], "POST", action="decline_invitation")
    assert json.loads(done["body"])["status"] == "declined_invitation"
    # Then the item holds no personal data from that moment, and is due for deletion now
    stored = item(stack, reference)
    kept = json.dumps(stored)
    assert [value for value in PERSONAL if value.lower() in kept.lower()] == []
    assert set(stored) <= {
        "request_id",
        "kind",
        "status",
        "version",
        "created_at",
        "updated_at",
        "excluded_supporters",
        "history",
        "last_event",
        "told_at",
        "urgent",
        "purge_at",
        "consent_confirmed",  # false: no consent was asked for
    }
    assert stored["purge_at"] <= frozen.now().timestamp()
    # ... the physician gets a kind note with the resources, and the referrer hears nothing more
    reach_in.run()
    [note] = [e for e in to(reach_in, PHYSICIAN["email"]) if e["subject"].startswith("Thank you")]
    assert "deleted your details" in note["text"]
    assert "1-800-663-6729" in note["text"]
    assert len(to(reach_in, REFERRER["email"])) == 1
    # The link now shows only thanks
    after = answer(tokens["yes"], "GET")
    assert after["statusCode"] == 200
    assert "accept_invitation" not in after["body"]


def test_unanswered_one_reminder_then_lapsed_and_purged(stack: Any, reach_in: Pipeline, frozen: Any) -> None:
    reference = submit()
    reach_in.run()
    # Monday 10:00: the reminder is due at the close of Thursday, 3 business days on
    assert sweep(frozen, 3) == {}
    assert sweep(frozen, 0.5) == {"invitation_reminder": 1}
    reach_in.run()
    [reminder] = [e for e in to(reach_in, PHYSICIAN["email"]) if e["subject"].startswith("Still here")]
    assert set(links(reminder)) == {"yes", "no"}
    # 4 business days after the reminder (Wednesday 17:00 the week after): lapsed, and forgotten
    assert sweep(frozen, 5) == {}
    assert sweep(frozen, 1) == {"invitation_lapsed": 1}
    stored = item(stack, reference)
    assert stored["status"] == "invitation_lapsed"
    assert [value for value in PERSONAL if value.lower() in json.dumps(stored).lower()] == []
    assert "sla_open" not in stored
    reach_in.run()
    assert len(to(reach_in, PHYSICIAN["email"])) == 2  # the invitation and its one reminder
    assert len(to(reach_in, REFERRER["email"])) == 1


def test_a_sweep_after_both_dates_lapses_it_without_a_stale_reminder(
    stack: Any, reach_in: Pipeline, frozen: Any
) -> None:
    reference = submit()
    assert sweep(frozen, 14) == {"invitation_lapsed": 1}
    assert item(stack, reference)["status"] == "invitation_lapsed"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colleague": None}, "colleague"),
        ({"colleague": {"name": "Dr. R. Headley", "email": "Rita.Headley@example.org"}}, "colleague.email"),
        ({"event": "gossip"}, "event"),
        ({"event": None}, "event"),
        ({"colleague": {"name": "Dr. Sam Quillborne"}}, "colleague.email"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(stack: Any, change: dict[str, Any], field: str) -> None:
    body = {k: v for k, v in {**REACH_IN, **change}.items() if v is not None}
    result = post(body)
    assert result["statusCode"] == 422, result["body"]
    problem = json.loads(result["body"])
    assert problem["error"] == "validation"
    assert field in problem["fields"], problem
    assert "Quillborne" not in result["body"]
    assert "Headley" not in result["body"]
    assert _stored(stack) == []


def test_a_resident_is_pointed_to_ubc_and_nothing_is_stored(stack: Any) -> None:
    result = post({**REACH_IN, "career_stage": "resident"})
    assert result["statusCode"] == 422
    body = json.loads(result["body"])
    assert (body["error"], "UBC" in body["detail"]) == ("not_eligible", True)
    assert _stored(stack) == []


def _stored(stack: Any) -> list[dict[str, Any]]:
    import boto3

    found: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=stack.refs["RequestsTable"])[
        "Items"
    ]
    return found
