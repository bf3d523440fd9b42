"""`GET /group` and `POST /group-registrations` through the group function's real handler, under moto:
the next session, capacity and the waitlist, the same person twice, the kind 422s, and nothing of it in
the Requests table."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import boto3
import pytest

from peer_support.core import clock
from tests.integration.group.helpers import (
    call,
    headers,
    items,
    person,
    post_form,
    post_json,
    register,
    registrations,
    session_item,
)

SESSION = "2026-03-09"
SESSION_START = "2026-03-09T19:15:00-07:00"


def requests_table_is_empty(stack: Any) -> bool:
    return boto3.client("dynamodb").scan(TableName=stack.refs["RequestsTable"])["Count"] == 0


def test_a_registration_is_for_the_next_session_and_stored_apart(group_stack: Any, frozen: Any) -> None:
    # Given Thursday 5 March, when a physician registers
    receipt = register(person(1))

    # Then they hold a place on Monday 9 March at 19:15, Pacific daylight time
    assert receipt["status"] == "registered"
    assert receipt["session_start"] == SESSION_START
    assert receipt["reference"].startswith("GR-")
    # And the registration lives in the group's table, with the session's counter beside it
    [stored] = registrations(group_stack)
    assert stored["session_id"] == SESSION
    assert stored["item_id"] == receipt["reference"]
    assert (stored["status"], stored["version"], stored["name"]) == ("registered", 1, "Dr. Member 1")
    assert "member1" not in stored["item_id"]  # the key is derived, never the address
    assert stored["purge_at"] == 1775705400  # 30 days after the session ends (20:30 PDT, 9 March)
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (1, 0)
    assert (counter["reminder"], counter["remind_at"]) == ("due", "2026-03-09T19:00:00Z")
    # And nothing at all in the Requests table, whose stream feeds the one-to-one matching
    assert requests_table_is_empty(group_stack)


def test_the_same_person_twice_gets_the_same_registration(group_stack: Any, frozen: Any) -> None:
    first = register(person(1))
    again = register(person(1, email="  Member1@EXAMPLE.org ", name="Dr. M. One"))
    assert again == first
    [stored] = registrations(group_stack)
    assert stored["version"] == 1
    assert stored["name"] == "Dr. Member 1"
    assert session_item(group_stack, SESSION)["registered_count"] == 1


def test_a_later_session_is_a_new_registration(group_stack: Any, frozen: clock.FrozenClock) -> None:
    first = register(person(1))
    frozen.advance(timedelta(days=4, hours=9, minutes=30))  # Monday 9 March, 19:30: the session has begun
    later = register(person(1))
    assert later["session_start"] == "2026-03-16T19:15:00-07:00"
    assert later["reference"] != first["reference"]


def test_the_sixteenth_is_waitlisted(group_stack: Any, frozen: Any) -> None:
    receipts = [register(person(i)) for i in range(17)]
    assert Counter(r["status"] for r in receipts) == Counter({"registered": 15, "waitlisted": 2})
    assert [r["status"] for r in receipts[15:]] == ["waitlisted", "waitlisted"]
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (15, 2)
    waiting = [r for r in registrations(group_stack) if r["status"] == "waitlisted"]
    assert all(r["waitlist_at"].endswith(f"#{r['reference']}") for r in waiting)
    # Registering again while waitlisted keeps the place in the queue, it does not take a seat
    assert register(person(16)) == receipts[16]


def test_capacity_is_a_setting(group_stack: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from peer_support.group.settings import get_group_settings

    monkeypatch.setenv("GROUP_CAPACITY", "2")
    get_group_settings.cache_clear()
    statuses = [register(person(i))["status"] for i in range(3)]
    assert statuses == ["registered", "registered", "waitlisted"]


def test_a_holiday_monday_holds_the_session_unless_configured_otherwise(
    group_stack: Any, frozen: clock.FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.group.settings import get_group_settings

    frozen.advance(timedelta(days=-18))  # Friday 13 February; Monday 16 February is Family Day
    assert register(person(1))["session_start"] == "2026-02-16T19:15:00-08:00"
    monkeypatch.setenv("GROUP_MEETS_ON_HOLIDAYS", "false")
    get_group_settings.cache_clear()
    assert register(person(2))["session_start"] == "2026-02-23T19:15:00-08:00"


def test_twenty_five_at_once_never_exceed_fifteen_places(
    group_stack: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worst interleaving: every registration is ready to write before any of them writes.

    DynamoDB applies transactions one at a time; moto does not promise that under threads, so its
    transaction call is serialised here as DynamoDB's would be. What is under test is the application:
    every write is conditional on the counts it saw, so a stale read costs a try and never a place, and
    each registration keeps the counts just after its own.
    """
    from moto.dynamodb.models import DynamoDBBackend

    from peer_support.core.dynamodb import dynamodb_client

    people = 25
    original = DynamoDBBackend.transact_write_items
    serial = threading.Lock()

    def one_at_a_time(self: Any, *args: Any, **kwargs: Any) -> Any:
        with serial:
            return original(self, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", one_at_a_time)
    ready = threading.Barrier(people, timeout=30)
    first_write = threading.local()

    def hold_first_write(**_: Any) -> None:
        if not getattr(first_write, "done", False):
            first_write.done = True
            ready.wait()  # every thread has built its first transaction before any of them sends

    client = dynamodb_client()  # one client, shared by every thread, as a warm Lambda would
    client.meta.events.register("before-call.dynamodb.TransactWriteItems", hold_first_write)
    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def attempt(i: int) -> None:
        from peer_support.group.models import GroupRegistrationForm
        from peer_support.group.registrations import register as register_once
        from peer_support.group.repository import GroupRepository
        from peer_support.group.settings import get_group_settings
        from peer_support.links.keys import signing_key

        try:
            done = register_once(
                GroupRegistrationForm.model_validate(person(i)),
                repository=GroupRepository(group_stack.refs["GroupTable"], client),
                settings=get_group_settings(),
                secret=signing_key,
            )
            results.append({"reference": done.reference, "status": done.status.value})
        except BaseException as error:  # reported below, with the thread it came from
            failures.append(error)

    from peer_support.links.keys import signing_key as warm_the_secret

    warm_the_secret()
    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not failures, failures
    assert Counter(r["status"] for r in results) == Counter({"registered": 15, "waitlisted": 10})
    stored = Counter(r["status"] for r in registrations(group_stack))
    assert stored == Counter({"registered": 15, "waitlisted": 10})
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (15, 10)
    kept = sorted(
        (r["session_counts"]["registered"], r["session_counts"]["waitlisted"])
        for r in registrations(group_stack)
    )
    assert kept == [(n, 0) for n in range(1, 16)] + [(15, n) for n in range(1, 11)]


def test_a_place_freed_while_joining_the_waitlist_goes_to_the_newcomer(
    group_stack: Any, frozen: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full when tried, free again by the time the waitlist is joined: the newcomer gets the place."""
    from peer_support.group.repository import GroupRepository

    receipts = [register(person(i)) for i in range(15)]
    original = GroupRepository.add
    freed: list[bool] = []

    def add(self: GroupRepository, record: dict[str, Any], **kwargs: Any) -> Any:
        if kwargs["seen"].registered >= 15 and not freed:
            # Someone gives up their place between the full session and the waitlist
            freed.append(True)
            leaving = self.get(SESSION, receipts[0]["reference"])
            self.give_up(leaving, at=clock.iso(clock.now()))
        return original(self, record, **kwargs)

    monkeypatch.setattr(GroupRepository, "add", add)
    assert register(person("new"))["status"] == "registered"
    counter = session_item(group_stack, SESSION)
    assert (counter["registered_count"], counter["waitlisted_count"]) == (15, 0)


def test_someone_who_gave_up_may_register_again(group_stack: Any, frozen: Any) -> None:
    from peer_support.group.repository import GroupRepository

    first = register(person(1))
    repository = GroupRepository(group_stack.refs["GroupTable"])
    repository.give_up(repository.get(SESSION, first["reference"]), at="2026-03-05T18:05:00Z")
    again = register(person(1))
    assert again == first
    stored = repository.get(SESSION, first["reference"])
    assert (stored["status"], stored["version"]) == ("registered", 3)
    assert [h["event"] for h in stored["history"]] == ["registered", "cancelled", "registered"]
    assert "cancelled_at" not in stored
    assert session_item(group_stack, SESSION)["registered_count"] == 1


@pytest.mark.parametrize(
    ("answers", "reason"),
    [
        ({"identifies_as_bipoc": False}, "not_bipoc"),
        ({"identifies_as_bipoc": "no"}, "not_bipoc"),
        ({"practices_in_bc": False}, "not_in_bc"),
        ({"identifies_as_bipoc": False, "practices_in_bc": False}, "not_bipoc"),
        # Not eligible is said first, even when other answers need changing too
        ({"identifies_as_bipoc": False, "email": "not-an-email"}, "not_bipoc"),
        ({"practices_in_bc": False, "name": ""}, "not_in_bc"),
    ],
)
def test_not_eligible_is_a_kind_422_and_nothing_is_stored(
    group_stack: Any, frozen: Any, answers: dict[str, Any], reason: str
) -> None:
    from peer_support.core.rendering import messages

    status, body = post_json(person(1, **answers))
    assert status == 422
    assert body == {"error": "not_eligible", "detail": messages()["not_eligible"][reason], "fields": {}}
    assert "member1" not in json.dumps(body)
    assert items(group_stack) == []


@pytest.mark.parametrize(
    ("answers", "fields"),
    [
        ({"email": "not-an-email"}, ["email"]),
        ({"name": ""}, ["name"]),
        ({"name": "Dr.\nInjected"}, ["name"]),
        ({"identifies_as_bipoc": None}, ["identifies_as_bipoc"]),
        ({"practices_in_bc": "perhaps"}, ["practices_in_bc"]),
        ({"phone": "604 555 0123"}, ["phone"]),
    ],
)
def test_answers_to_change_are_a_422_naming_each_field_without_echoing_it(
    group_stack: Any, frozen: Any, answers: dict[str, Any], fields: list[str]
) -> None:
    body = {k: v for k, v in person(1, **answers).items() if v is not None}
    status, answer = post_json(body)
    assert status == 422
    assert answer["error"] == "validation"
    assert sorted(answer["fields"]) == fields
    assert "Injected" not in json.dumps(answer)
    assert "not-an-email" not in json.dumps(answer)
    assert items(group_stack) == []


def test_malformed_oversized_and_foreign_bodies(group_stack: Any, frozen: Any) -> None:
    assert call("POST", "/group-registrations", "{not json")["statusCode"] == 400
    huge = json.dumps(person(1, name="x" * 20_000))
    assert call("POST", "/group-registrations", huge)["statusCode"] == 413
    xml = call("POST", "/group-registrations", "<a/>", {"Content-Type": "application/xml"})
    assert xml["statusCode"] == 415
    assert json.loads(xml["body"])["error"] == "unsupported_media_type"
    assert items(group_stack) == []


def test_a_browser_form_post_gets_the_confirmation_page(group_stack: Any, frozen: Any) -> None:
    result = post_form(
        [
            ("name", "Dr. Form <b>Post</b>"),
            ("email", "form@example.org"),
            ("identifies_as_bipoc", "true"),
            ("practices_in_bc", "true"),
        ]
    )
    assert result["statusCode"] == 201
    assert headers(result)["Content-Type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers(result)["Content-Security-Policy"]
    page = result["body"]
    assert "<h1>You are registered</h1>" in page
    assert "<strong>Monday, March 9</strong>, from 7:15 to 8:30 pm Pacific time" in page
    [stored] = registrations(group_stack)
    assert stored["reference"] in page
    assert stored["name"] == "Dr. Form <b>Post</b>"
    assert "<b>Post</b>" not in page  # the name is never shown back


def test_a_browser_form_with_mistakes_comes_back_with_the_answers_kept(group_stack: Any, frozen: Any) -> None:
    result = post_form([("name", "Dr. Kept <i>Name</i>"), ("email", "nope"), ("identifies_as_bipoc", "true")])
    assert result["statusCode"] == 422
    page = result["body"]
    assert 'class="error-summary" role="alert"' in page
    assert '<a href="#f-email">Please enter an email address we can reach you at.</a>' in page
    assert '<a href="#f-practices_in_bc">Please tell us whether you practise in British Columbia.</a>' in page
    assert 'value="Dr. Kept &lt;i&gt;Name&lt;/i&gt;"' in page
    assert 'id="f-email" name="email" type="email" value="nope"' in page
    assert 'id="f-identifies_as_bipoc-true" name="identifies_as_bipoc" value="true" checked' in page
    assert items(group_stack) == []


def test_a_browser_form_saying_no_gets_the_kind_page(group_stack: Any, frozen: Any) -> None:
    result = post_form(
        [("name", "Dr. Ally"), ("email", "ally@example.org"), ("identifies_as_bipoc", "false")]
    )
    assert result["statusCode"] == 422
    page = result["body"]
    assert "<h1>Where to find support</h1>" in page
    assert "one-to-one peer support is open to you" in page
    assert 'href="/prod/">Ask for one-to-one peer support</a>' in page
    assert "1-800-663-6729" in page  # the crisis lines, as on every page
    assert "ally@example.org" not in page
    assert items(group_stack) == []


def test_the_group_page_describes_the_group_and_its_next_session(group_stack: Any, frozen: Any) -> None:
    result = call("GET", "/group", headers={"Accept": "text/html"})
    assert result["statusCode"] == 200
    assert headers(result)["Cache-Control"] == "no-store"
    assert headers(result)["X-Frame-Options"] == "DENY"
    page = result["body"]
    assert "<h1>BIPOC Physician Peer Support Group</h1>" in page
    assert "<strong>Monday, March 9</strong>, from 7:15 to 8:30 pm Pacific time." in page
    assert "Black, Indigenous or People of Colour" in page
    assert "not therapy" in page
    assert 'action="/prod/group-registrations"' in page
    assert "9-8-8" in page
    assert "Places are limited" in page


def test_the_group_page_says_when_the_next_session_is_full(group_stack: Any, frozen: Any) -> None:
    for i in range(15):
        register(person(i))
    page = call("GET", "/group", headers={"Accept": "text/html"})["body"]
    assert "Every place in this session is taken. You can still register" in page
