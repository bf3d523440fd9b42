"""The group's emails from its table's stream, each sent once, and the day-of reminder taken by the
scheduled sweep: at noon on the session's Monday, to those holding a place, exactly once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from local_runner.lambdas import invoke
from peer_support.core import clock
from peer_support.core.program import TIME_ZONE
from tests.integration.group.helpers import (
    FACILITATOR,
    JOIN_URL,
    GroupPipeline,
    items,
    person,
    post_form,
    register,
    session_item,
)

SESSION = "2026-03-09"
MONDAY_NOON = datetime(2026, 3, 9, 12, 0, tzinfo=TIME_ZONE)
ADMIN = "program-admin@example.org"


def sweep() -> dict[str, Any]:
    result: dict[str, Any] = invoke("SlaCheckFunction", {})
    return result


def reminders(pipeline: GroupPipeline) -> Counter[str]:
    return Counter(e["to"] for e in pipeline.emails() if e["subject"].startswith("Today:"))


@pytest.fixture
def full_session(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """A session of three places (a setting), all taken, and one person waiting; every email sent."""
    from peer_support.group.settings import get_group_settings

    monkeypatch.setenv("GROUP_CAPACITY", "3")
    get_group_settings.cache_clear()
    receipts = [register(person(i)) for i in range(4)]
    pipeline.run()
    return receipts


def test_each_registrant_and_the_facilitator_hear_once(
    full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    by_recipient = Counter(e["to"] for e in pipeline.emails())
    assert by_recipient == Counter({FACILITATOR: 4, **{f"member{i}@example.org": 1 for i in range(4)}})
    [registered] = pipeline.emails("member0@example.org")
    assert registered["subject"] == (
        f"Your place in the BIPOC peer support group on Monday, March 9 ({full_session[0]['reference']})"
    )
    assert "Monday, March 9, from 7:15 to 8:30 pm Pacific time" in registered["text"]
    assert JOIN_URL in registered["text"]  # from the template's GroupJoinUrl parameter
    assert f'href="{JOIN_URL}"' in registered["html"]
    assert re.search(r"https://peer-support\.example\.org/group-registrations/\S+", registered["text"])
    assert "988" in registered["text"]
    [waiting] = pipeline.emails("member3@example.org")
    assert waiting["subject"].startswith("You are on the waitlist")
    assert JOIN_URL not in waiting["text"]  # a waitlisted person is not sent how to join
    facilitator = pipeline.emails(FACILITATOR)
    assert (
        facilitator[0]["subject"]
        == f"New registration: BIPOC group, Monday, March 9 ({full_session[0]['reference']})"
    )
    assert "Dr. Member 0 has registered" in facilitator[0]["text"]
    assert "member0@example.org" not in facilitator[0]["text"]  # the facilitator needs the name only
    # The numbers as of that registration, not as they stood when the email went out
    assert "Places taken so far: 1 of 3. On the waitlist: 0." in facilitator[0]["text"]
    assert "Places taken so far: 3 of 3. On the waitlist: 1." in facilitator[-1]["text"]
    assert facilitator[-1]["subject"].startswith("New on the waitlist:")


def test_in_a_burst_each_facilitator_email_counts_as_of_its_own_registration(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline
) -> None:
    """Seventeen registrations arrive before any email goes out: each email still gives the numbers
    just after its own registration, never the later ones."""
    receipts = [register(person(i)) for i in range(17)]
    pipeline.run()
    said = {}
    for email in pipeline.emails(FACILITATOR):
        [reference] = [r["reference"] for r in receipts if r["reference"] in email["subject"]]
        said[reference] = re.findall(
            r"Places taken so far: (\d+) of 15\. On the waitlist: (\d+)\.", email["text"]
        )
    assert [said[r["reference"]] for r in receipts] == [
        *([(str(i), "0")] for i in range(1, 16)),
        [("15", "1")],
        [("15", "2")],
    ]


def test_registering_again_sends_the_same_email_again(
    group_stack: Any, frozen: clock.FrozenClock, pipeline: GroupPipeline
) -> None:
    """Someone who registers again most likely cannot find the email: its links are the only way to join
    and to give the place up."""
    # Given a registration, and its email
    first = register(person(1))
    pipeline.run()
    [sent] = pipeline.emails("member1@example.org")

    # When the same person registers again later that day
    frozen.advance(timedelta(hours=2))
    again = register(person(1, email="Member1@example.org"))

    # Then the answer is the same, and the same email comes again: the same reference and links
    assert again == first
    assert set(again) == {"reference", "status", "session_start"}
    pipeline.run()
    resent = pipeline.emails("member1@example.org")[-1]
    assert len(pipeline.emails("member1@example.org")) == 2
    assert (resent["subject"], resent["text"]) == (sent["subject"], sent["text"])
    assert len(pipeline.emails(FACILITATOR)) == 1  # nothing changed for the facilitator
    assert session_item(group_stack, SESSION)["registered_count"] == 1

    # And registering once more at once sends nothing more: an inbox cannot be flooded
    register(person(1))
    pipeline.run()
    assert len(pipeline.emails("member1@example.org")) == 2


def test_registering_again_on_the_waitlist_resends_the_waitlist_email(
    group_stack: Any, frozen: clock.FrozenClock, pipeline: GroupPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.group.settings import get_group_settings

    monkeypatch.setenv("GROUP_CAPACITY", "1")
    get_group_settings.cache_clear()
    register(person(0))
    assert register(person(1))["status"] == "waitlisted"
    frozen.advance(timedelta(minutes=11))
    assert register(person(1))["status"] == "waitlisted"
    pipeline.run()
    subjects = [e["subject"] for e in pipeline.emails("member1@example.org")]
    assert len(subjects) == 2
    assert all(s.startswith("You are on the waitlist") for s in subjects)


def test_the_page_after_registering_again_says_what_is_true(
    group_stack: Any, frozen: clock.FrozenClock, pipeline: GroupPipeline
) -> None:
    def form_post(i: int) -> str:
        pairs = [(k, str(v).lower() if isinstance(v, bool) else v) for k, v in person(i).items()]
        result = post_form(pairs)
        assert result["statusCode"] == 201
        return str(result["body"])

    first = form_post(1)
    assert "We have sent you an email with how to join the group online." in first
    at_once = form_post(1)
    assert "We have sent you an email" not in at_once
    assert "You were already registered for this session." in at_once
    assert "We emailed you the details a few minutes ago." in at_once
    frozen.advance(timedelta(hours=1))
    later = form_post(1)
    assert "You were already registered for this session, so we have sent the email again" in later
    pipeline.run()
    assert len(pipeline.emails("member1@example.org")) == 2


def test_redelivered_records_send_nothing_twice(
    full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    before = len(pipeline.emails())
    pipeline.redeliver()
    pipeline.redeliver()
    assert len(pipeline.emails()) == before


def test_the_counter_updates_reach_no_consumer(
    full_session: list[dict[str, Any]], pipeline: GroupPipeline
) -> None:
    assert {r["dynamodb"]["NewImage"]["kind"]["S"] for r in pipeline.delivered} == {"registration"}
    assert len(pipeline.delivered) == 4


def test_the_reminder_reaches_those_with_a_place_once(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline, frozen: clock.FrozenClock
) -> None:
    # Before noon on the day: nothing is due
    frozen.advance(MONDAY_NOON - frozen.now() - timedelta(minutes=1))
    assert sweep()["group_reminders"] == {"read": 0, "skipped": 0}
    pipeline.run()
    assert reminders(pipeline) == Counter()

    # At noon's sweep the step is taken once, and everyone holding a place is reminded
    frozen.advance(timedelta(minutes=6))
    assert sweep()["group_reminders"] == {"read": 1, "skipped": 0, "sent": 1}
    pipeline.run()
    assert reminders(pipeline) == Counter({f"member{i}@example.org": 1 for i in range(3)})
    [email] = [e for e in pipeline.emails("member0@example.org") if e["subject"].startswith("Today:")]
    assert email["subject"] == (
        f"Today: the BIPOC peer support group, 7:15 to 8:30 pm Pacific time ({full_session[0]['reference']})"
    )
    assert JOIN_URL in email["text"]
    assert "member3@example.org" not in reminders(pipeline)  # never the waitlist

    # Later sweeps, and the stream record delivered again, remind nobody twice
    for _ in range(3):
        frozen.advance(timedelta(minutes=15))
        assert sweep()["group_reminders"] == {"read": 0, "skipped": 0}
    pipeline.run()
    pipeline.redeliver()
    assert sum(reminders(pipeline).values()) == 3
    assert session_item(group_stack, SESSION)["reminder"] == "sent"


def test_a_place_given_up_before_noon_is_not_reminded_and_the_promoted_is(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline, frozen: clock.FrozenClock
) -> None:
    from peer_support.group.repository import GroupRepository

    repository = GroupRepository(group_stack.refs["GroupTable"])
    leaving = repository.get(SESSION, full_session[2]["reference"])
    repository.give_up(leaving, at=clock.iso(frozen.now()), promote=repository.first_waitlisted(SESSION))
    frozen.advance(MONDAY_NOON - frozen.now() + timedelta(minutes=5))
    sweep()
    pipeline.run()
    reminded = reminders(pipeline)
    assert "member2@example.org" not in reminded
    assert reminded["member3@example.org"] == 1
    assert sum(reminded.values()) == 3


def test_two_overlapping_sweeps_take_the_step_once(
    group_stack: Any, full_session: list[dict[str, Any]], pipeline: GroupPipeline, frozen: clock.FrozenClock
) -> None:
    from peer_support.group.reminders import send_due_reminders
    from peer_support.group.repository import GroupRepository

    frozen.advance(MONDAY_NOON - frozen.now() + timedelta(minutes=1))
    repository = GroupRepository(group_stack.refs["GroupTable"])
    due = list(repository.reminders_due(clock.iso(frozen.now())))
    # Both sweeps read the index before either writes
    reports = []
    for _ in range(2):
        stale = GroupRepository(group_stack.refs["GroupTable"])
        stale.reminders_due = lambda now: iter(due)  # type: ignore[method-assign]
        reports.append(send_due_reminders(stale, frozen.now()))
    assert [dict(r.outcomes) for r in reports] == [{"sent": 1}, {}]
    assert reports[1].skipped == 1
    pipeline.run()
    assert sum(reminders(pipeline).values()) == 3


def test_a_sweep_after_the_session_began_reminds_nobody(
    full_session: list[dict[str, Any]], pipeline: GroupPipeline, frozen: clock.FrozenClock
) -> None:
    frozen.advance(MONDAY_NOON - frozen.now() + timedelta(hours=7, minutes=30))  # 19:30: under way
    assert sweep()["group_reminders"] == {"read": 1, "skipped": 0, "missed": 1}
    pipeline.run()
    assert reminders(pipeline) == Counter()
    assert sweep()["group_reminders"] == {"read": 0, "skipped": 0}


def test_registering_after_noon_on_the_day_needs_no_reminder(
    group_stack: Any, frozen: clock.FrozenClock, pipeline: GroupPipeline
) -> None:
    frozen.advance(MONDAY_NOON - frozen.now() + timedelta(hours=2))
    register(person("late"))
    assert session_item(group_stack, SESSION)["reminder"] == "not_needed"
    assert sweep()["group_reminders"] == {"read": 0, "skipped": 0}
    pipeline.run()
    assert reminders(pipeline) == Counter()


def test_the_sweep_reads_only_the_sessions_that_are_due(
    group_stack: Any, frozen: clock.FrozenClock, pipeline: GroupPipeline
) -> None:
    from peer_support.core.dynamodb import dynamodb_client

    # Three weeks of sessions with registrations; only the first one's reminder is due
    for week in range(3):
        for i in range(5):
            register(person(f"{week}-{i}"))
        frozen.advance(timedelta(days=7))
    frozen.advance(MONDAY_NOON - frozen.now() + timedelta(minutes=1))  # back to noon on 9 March
    read: Counter[str] = Counter()

    # The calls of the deadline and reminder steps, on the Requests and Group tables (the same sweep's
    # monthly report email keeps its own tables).
    tables = {group_stack.refs["GroupTable"], group_stack.refs["RequestsTable"]}
    calling: list[str] = []

    def note(params: dict[str, Any], **_: Any) -> None:
        calling[:] = [str(params.get("TableName", ""))]

    def count(model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if calling and calling[0] not in tables:
            return
        read[model.name] += 1
        if model.name == "Query":
            read["query_items"] += len(parsed.get("Items", []))

    scanned: list[str] = []

    def scan(params: dict[str, Any], **_: Any) -> None:
        scanned.append(params["TableName"])

    client = dynamodb_client()
    client.meta.events.register("provide-client-params.dynamodb.*", note)
    client.meta.events.register("after-call.dynamodb.*", count)
    client.meta.events.register("provide-client-params.dynamodb.Scan", scan)
    try:
        assert sweep()["group_reminders"] == {"read": 1, "skipped": 0, "sent": 1}
    finally:
        client.meta.events.unregister("after-call.dynamodb.*", count)
        client.meta.events.unregister("provide-client-params.dynamodb.Scan", scan)
        client.meta.events.unregister("provide-client-params.dynamodb.*", note)
    # The supporters' step reads the roster; the group's table (and the Requests table) is never scanned
    assert group_stack.refs["GroupTable"] not in scanned
    assert read["Scan"] == 0
    # One due session's key from the sparse index (the Requests table's sweep found nothing due)
    assert read["query_items"] == 1
    assert read["UpdateItem"] == 1  # the one reminder step; no GetItem, no registration read
    assert read["GetItem"] == 0
    sessions = sorted(i["session_id"] for i in items(group_stack) if i["kind"] == "session")
    assert sessions == ["2026-03-09", "2026-03-16", "2026-03-23"]


def test_an_address_that_bounces_tells_the_administrator(
    group_stack: Any, frozen: Any, pipeline: GroupPipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peer_support.notifications import email as mailer
    from peer_support.notifications.channels import PermanentSendError

    original = mailer.send_email

    def refuse_one(envelope: Any, email: Any, configuration_set: Any = None) -> str:
        if envelope.to == "bounce@example.org":
            raise PermanentSendError("MessageRejected")
        return original(envelope, email, configuration_set)

    monkeypatch.setattr(mailer, "send_email", refuse_one)
    receipt = register(person("b", email="bounce@example.org"))
    pipeline.run()
    [alert] = pipeline.emails(ADMIN)
    assert alert["subject"] == f"A BIPOC group email could not be delivered ({receipt['reference']})"
    assert "could not be delivered to the physician who registered" in alert["text"]
    assert "bounce@example.org" not in alert["text"]
    pipeline.redeliver()
    assert len(pipeline.emails(ADMIN)) == 1
