"""Giving up a place through the registration's own link: the seat goes to whoever has waited longest,
in the same transaction, and they are told; under moto, through the real handlers."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from peer_support.core import clock
from tests.integration.group.helpers import (
    FACILITATOR,
    JOIN_URL,
    GroupPipeline,
    open_link,
    person,
    register,
    registrations,
    session_item,
)

SESSION = "2026-03-09"
LINK = re.compile(r"https://peer-support\.example\.org/group-registrations/[A-Za-z0-9_.-]+")


def cancel_link(pipeline: GroupPipeline, email: str) -> str:
    """The link in the newest email to `email` (confirmation, waitlist or promotion)."""
    found: list[str] = LINK.findall(pipeline.emails(email)[-1]["text"])
    assert len(found) == 1, found
    return found[0]


def status_of(stack: Any, reference: str) -> str:
    [found] = [r for r in registrations(stack) if r["reference"] == reference]
    return str(found["status"])


@pytest.fixture
def full_session(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """A session of three places (a setting), all taken, and three people waiting (member3 first),
    every email sent."""
    from peer_support.group.settings import get_group_settings

    monkeypatch.setenv("GROUP_CAPACITY", "3")
    get_group_settings.cache_clear()
    receipts = []
    for i in range(6):
        receipts.append(register(person(i)))
        frozen.advance(timedelta(seconds=1))
    pipeline.run()
    return receipts


def test_the_link_page_shows_the_place_and_changes_nothing(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    before = registrations(group_stack)
    result = open_link(cancel_link(pipeline, "member1@example.org"))
    assert result["statusCode"] == 200
    page = result["body"]
    assert "<h1>Your place in the group</h1>" in page
    assert full_session[1]["reference"] in page
    assert '<button type="submit" name="action" value="cancel">Give up my place</button>' in page
    assert "member1@example.org" not in page
    assert registrations(group_stack) == before
    waiting = open_link(cancel_link(pipeline, "member4@example.org"))["body"]
    assert "<h1>Your place on the waitlist</h1>" in waiting
    assert "Leave the waitlist</button>" in waiting


def test_giving_up_a_place_hands_it_to_the_first_waiting(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    # When a registered physician gives up their place from their email's link
    result = open_link(cancel_link(pipeline, "member1@example.org"), "POST", "action=cancel")

    # Then they are thanked, and the first on the waitlist has the place, in one transaction
    assert result["statusCode"] == 200
    assert "<h1>Your place is given up</h1>" in result["body"]
    assert status_of(group_stack, full_session[1]["reference"]) == "cancelled"
    assert status_of(group_stack, full_session[3]["reference"]) == "registered"
    assert status_of(group_stack, full_session[4]["reference"]) == "waitlisted"
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (3, 2)
    promoted = next(r for r in registrations(group_stack) if r["reference"] == full_session[3]["reference"])
    assert "waitlist_at" not in promoted
    assert [h["event"] for h in promoted["history"]] == ["waitlisted", "promoted"]

    # And the promoted physician is told, with how to join; the facilitator hears of both changes
    pipeline.run()
    [told] = [e for e in pipeline.emails("member3@example.org") if "place opened up" in e["subject"]]
    assert JOIN_URL in told["text"]
    assert "Monday, March 9" in told["text"]
    facilitator = [e["subject"] for e in pipeline.emails(FACILITATOR)]
    assert f"Place given up: BIPOC group, Monday, March 9 ({full_session[1]['reference']})" in facilitator
    assert f"Moved from the waitlist: BIPOC group, Monday, March 9 ({full_session[3]['reference']})" in (
        facilitator
    )
    # The one who gave up the place gets no email: the page already said so
    assert len(pipeline.emails("member1@example.org")) == 1


def test_changes_before_any_email_each_tell_the_facilitator_their_own_numbers(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    # Given a full session of three with three waiting, when a place is given up (and handed on) and
    # then someone leaves the waitlist, before any email goes out
    open_link(cancel_link(pipeline, "member1@example.org"), "POST", "action=cancel")
    open_link(cancel_link(pipeline, "member5@example.org"), "POST", "action=cancel")
    pipeline.run()

    # Then each of the facilitator's emails gives the numbers just after its own change
    def numbers(reference: str, event: str) -> str:
        [email] = [
            e
            for e in pipeline.emails(FACILITATOR)
            if reference in e["subject"] and e["subject"].startswith(event)
        ]
        return str(email["text"]).split("Places taken so far: ")[1].split("\n")[0]

    assert numbers(full_session[1]["reference"], "Place given up") == "3 of 3. On the waitlist: 2."
    assert numbers(full_session[3]["reference"], "Moved from the waitlist") == "3 of 3. On the waitlist: 2."
    assert numbers(full_session[5]["reference"], "Left the waitlist") == "3 of 3. On the waitlist: 1."


def test_the_promoted_can_give_the_place_up_in_turn(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    open_link(cancel_link(pipeline, "member0@example.org"), "POST", "action=cancel")
    pipeline.run()
    open_link(cancel_link(pipeline, "member3@example.org"), "POST", "action=cancel")
    assert status_of(group_stack, full_session[3]["reference"]) == "cancelled"
    assert status_of(group_stack, full_session[4]["reference"]) == "registered"


def test_leaving_the_waitlist_frees_nobody_s_place(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    result = open_link(cancel_link(pipeline, "member4@example.org"), "POST", "action=cancel")
    assert "<h1>You have left the waitlist</h1>" in result["body"]
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (3, 2)
    pipeline.run()
    facilitator = [e["subject"] for e in pipeline.emails(FACILITATOR)]
    assert f"Left the waitlist: BIPOC group, Monday, March 9 ({full_session[4]['reference']})" in facilitator


def test_giving_up_twice_changes_nothing_more(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    link = cancel_link(pipeline, "member1@example.org")
    first = open_link(link, "POST", json.dumps({"action": "cancel"}), html=False)
    again = open_link(link, "POST", json.dumps({"action": "cancel"}), html=False)
    expected = {"reference": full_session[1]["reference"], "status": "cancelled"}
    assert (first["statusCode"], json.loads(first["body"])) == (200, expected)
    assert (again["statusCode"], json.loads(again["body"])) == (200, expected)
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (3, 2)
    assert "<h1>Your place is given up</h1>" in open_link(link)["body"]


def test_with_nobody_waiting_the_place_is_freed(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline
) -> None:
    receipts = [register(person(i)) for i in range(3)]
    pipeline.run()
    open_link(cancel_link(pipeline, "member1@example.org"), "POST", "action=cancel")
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (2, 0)
    assert status_of(group_stack, receipts[1]["reference"]) == "cancelled"


def test_someone_joining_the_waitlist_mid_cancel_still_gets_the_place(
    group_stack: Any,
    full_session: list[dict[str, Any]],
    pipeline: GroupPipeline,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The canceller saw an empty waitlist, then someone joined it before the place was freed."""
    from peer_support.group.repository import GroupRepository

    link = cancel_link(pipeline, "member1@example.org")
    repository = GroupRepository(group_stack.refs["GroupTable"])
    for waiting in full_session[3:]:  # empty the waitlist first
        repository.give_up(repository.get(SESSION, waiting["reference"]), at="2026-03-05T18:10:00Z")
    original = GroupRepository.first_waitlisted
    joined: list[dict[str, Any]] = []

    def stale_then_join(self: GroupRepository, session_id: str) -> dict[str, Any] | None:
        seen = original(self, session_id)
        if not joined:
            joined.append(register(person("late")))  # joins while the place is still taken
        return seen

    monkeypatch.setattr(GroupRepository, "first_waitlisted", stale_then_join)
    open_link(link, "POST", "action=cancel")

    assert joined[0]["status"] == "waitlisted"
    assert status_of(group_stack, joined[0]["reference"]) == "registered"
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (3, 0)


def test_after_the_session_begins_there_is_nothing_to_give_up(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline, frozen: clock.FrozenClock
) -> None:
    link = cancel_link(pipeline, "member1@example.org")
    frozen.advance(timedelta(days=4, hours=9, minutes=20))  # Monday 9 March, 19:20
    page = open_link(link)["body"]
    assert "<h1>This session has begun</h1>" in page
    assert "<button" not in page
    refused = open_link(link, "POST", "action=cancel")
    assert refused["statusCode"] == 409
    assert "<h1>This session has begun</h1>" in refused["body"]
    as_json = open_link(link, "POST", json.dumps({"action": "cancel"}), html=False)
    assert as_json["statusCode"] == 409
    assert json.loads(as_json["body"])["error"] == "conflict"
    assert status_of(group_stack, full_session[1]["reference"]) == "registered"
    frozen.advance(timedelta(hours=2))  # 21:20: the session is over, and the link with it
    assert open_link(link)["statusCode"] == 404


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token.split(".")[0],
        lambda token: "x" * 500,
        lambda token: "not-a-token",
    ],
    ids=["tampered", "unsigned", "too-long", "nonsense"],
)
def test_a_bad_link_is_a_plain_404(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline, mangle: Any
) -> None:
    link = cancel_link(pipeline, "member1@example.org")
    base, token = link.rsplit("/", 1)
    result = open_link(f"{base}/{mangle(token)}", "POST", "action=cancel")
    assert result["statusCode"] == 404
    assert status_of(group_stack, full_session[1]["reference"]) == "registered"


def test_a_request_link_does_not_open_a_registration(group_stack: Any, frozen: Any) -> None:
    from peer_support.links.keys import signing_key
    from peer_support.links.tokens import issue_link

    token = issue_link(
        "PS-7K3M-9QXD", "requester", "requester", clock.now(), timedelta(days=1), signing_key()
    )
    assert open_link(f"https://peer-support.example.org/group-registrations/{token}")["statusCode"] == 404


def test_a_post_not_from_the_button_shows_the_page_again(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    result = open_link(cancel_link(pipeline, "member1@example.org"), "POST", "action=delete")
    assert result["statusCode"] == 422
    assert "Give up my place</button>" in result["body"]
    assert status_of(group_stack, full_session[1]["reference"]) == "registered"


def test_a_throttled_give_up_is_a_busy_503_and_keeps_the_place(
    group_stack: Any,
    full_session: list[dict[str, Any]],
    pipeline: GroupPipeline,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A transaction cancelled by throttling is a fault to retry, not someone else's change (409)."""
    from peer_support.core.dynamodb import dynamodb_client
    from tests.integration.faults.conftest import client_error

    link = cancel_link(pipeline, "member1@example.org")
    client = dynamodb_client()
    original = client.transact_write_items
    throttling = [True]

    def throttled(**kwargs: Any) -> Any:
        if not throttling[0]:
            return original(**kwargs)
        raise client_error(
            "TransactionCanceledException",
            "TransactWriteItems",
            CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
        )

    monkeypatch.setattr(client, "transact_write_items", throttled)
    refused = open_link(link, "POST", json.dumps({"action": "cancel"}), html=False)
    assert refused["statusCode"] == 503
    assert "Retry-After" in (refused.get("multiValueHeaders") or refused.get("headers") or {})
    throttling[0] = False
    assert status_of(group_stack, full_session[1]["reference"]) == "registered"
