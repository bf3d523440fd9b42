"""The BIPOC group's rules without AWS: who may register, the reference a person gets, what is written,
how registering and giving up a place retry, which emails a change calls for, and the signed link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from peer_support.core.errors import Conflict, NotEligible
from peer_support.core.program import TIME_ZONE
from peer_support.core.reference import normalise_email
from peer_support.group.models import (
    AlreadyRegistered,
    CountsMoved,
    GroupRegistrationForm,
    GroupStatus,
    SessionCounts,
    SessionStarted,
)
from peer_support.group.notices import notices_for, reminder_taken
from peer_support.group.registrations import (
    Registration,
    cancel,
    check_group_eligibility,
    register,
    registration_record,
    registration_reference,
    waitlist_position,
)
from peer_support.group.repository import GroupRepository
from peer_support.group.sessions import session_of
from peer_support.group.settings import GroupSettings
from peer_support.links.tokens import (
    GroupLinkClaims,
    InvalidLink,
    issue_group_link,
    issue_link,
    verify_group_link,
    verify_link,
)
from peer_support.notifications.notice import Notice

SECRET = b"s" * 64
THURSDAY = datetime(2026, 3, 5, 10, 0, tzinfo=TIME_ZONE)
SETTINGS = GroupSettings.model_validate(
    {"REQUESTS_TABLE": "r", "SUPPORTERS_TABLE": "s", "LINK_SECRET_ARN": "arn", "GROUP_TABLE": "g"}
)
FORM = GroupRegistrationForm(
    name="Dr. Ada Obi", email="Ada.Obi@Example.org", identifies_as_bipoc=True, practices_in_bc=True
)


# -- who may register -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bipoc", "bc", "reason"),
    [
        (False, True, "not_bipoc"),
        ("false", True, "not_bipoc"),
        ("no", None, "not_bipoc"),
        (True, False, "not_in_bc"),
        (None, "off", "not_in_bc"),
        (False, False, "not_bipoc"),
    ],
)
def test_someone_the_group_is_not_for_is_told_kindly(bipoc: object, bc: object, reason: str) -> None:
    with pytest.raises(NotEligible) as caught:
        check_group_eligibility(bipoc, bc)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("bipoc", "bc"), [(True, True), ("true", "yes"), (None, None), ("", "")])
def test_yes_or_no_answer_yet_is_not_a_refusal(bipoc: object, bc: object) -> None:
    check_group_eligibility(bipoc, bc)  # missing answers are for validation to point at, not a "no"


def test_the_form_needs_both_answers_and_nothing_else() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        GroupRegistrationForm.model_validate({"name": "Dr. A", "email": "a@example.org", "extra": 1})
    fields = {error["loc"][0] for error in caught.value.errors()}
    assert fields == {"identifies_as_bipoc", "practices_in_bc", "extra"}


# -- the reference ----------------------------------------------------------------------------------


def test_the_same_person_gets_the_same_reference_for_a_session() -> None:
    first = registration_reference(SECRET, "2026-03-09", "Ada.Obi@Example.org")
    assert re.fullmatch(r"GR-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", first)
    assert registration_reference(SECRET, "2026-03-09", "  ada.obi@example.ORG ") == first
    assert registration_reference(SECRET, "2026-03-16", "ada.obi@example.org") != first
    assert registration_reference(SECRET, "2026-03-09", "ada.obi2@example.org") != first
    assert registration_reference(b"t" * 64, "2026-03-09", "ada.obi@example.org") != first
    assert normalise_email(" A@B.org ") == "a@b.org"


def test_a_registration_stores_the_answers_and_keys_that_reveal_nothing() -> None:
    session = session_of("2026-03-09")
    record = registration_record(FORM, "GR-0000-0001", session, GroupStatus.REGISTERED, THURSDAY, 30)
    assert record["session_id"] == "2026-03-09"
    assert record["item_id"] == "GR-0000-0001"
    assert (record["name"], record["email"]) == ("Dr. Ada Obi", "Ada.Obi@example.org")
    assert record["session_start"] == "2026-03-09T19:15:00-07:00"
    assert "waitlist_at" not in record
    waiting = registration_record(FORM, "GR-0000-0002", session, GroupStatus.WAITLISTED, THURSDAY, 30)
    assert waiting["waitlist_at"] == "2026-03-05T18:00:00.000000Z#GR-0000-0002"


def test_the_waitlist_sorts_by_who_came_first() -> None:
    at = datetime(2026, 3, 5, 18, 0, tzinfo=UTC)
    order = [
        waitlist_position(at, "GR-ZZZZ-ZZZZ"),
        waitlist_position(at + timedelta(microseconds=1), "GR-0000-0000"),
        waitlist_position(at + timedelta(seconds=1), "GR-0000-0000"),
    ]
    assert sorted(order) == order


# -- registering and giving up, against a fake of the repository ------------------------------------


class FakeGroupRepository:
    """Behaves like the conditional transactions of `GroupRepository`, in memory."""

    def __init__(self, capacity_failures: int = 0) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.registered = 0
        self.waitlisted = 0
        self.busy = capacity_failures  # how many attempts meet another transaction first
        self.calls: list[str] = []
        self.others: list[bool] = []  # registrations that land just before each of ours: waitlisted?

    def counts(self, session_id: str) -> SessionCounts | None:
        return SessionCounts(self.registered, self.waitlisted) if self.registered else None

    def add(
        self, record: dict[str, Any], *, capacity: int, session_defaults: Any, seen: SessionCounts | None
    ) -> SessionCounts:
        waitlisted = seen is not None and seen.registered >= capacity
        self.calls.append("waitlist" if waitlisted else "place")
        if self.busy:
            self.busy -= 1
            raise Conflict("session busy")
        key = (record["session_id"], record["item_id"])
        held = self.items.get(key)
        if held is not None and held["status"] != "cancelled":
            raise AlreadyRegistered(current=held)
        if self.others:
            if self.others.pop(0):
                self.waitlisted += 1
            else:
                self.registered += 1
        if seen != self.counts(record["session_id"]):
            raise CountsMoved(self.counts(record["session_id"]))
        if waitlisted:
            self.waitlisted += 1
        else:
            self.registered += 1
        counts = SessionCounts(self.registered, self.waitlisted)
        self.items[key] = {**record, "version": 1, "session_counts": counts.stored()}
        return counts

    def get(self, session_id: str, reference: str) -> dict[str, Any]:
        return self.items[(session_id, reference)]

    def resend(self, registration: dict[str, Any], *, at: str, last_sent_before: str) -> bool:
        self.calls.append("resend")
        return True


def attempt(repository: FakeGroupRepository, form: GroupRegistrationForm = FORM) -> Registration:
    return register(
        form,
        repository=cast(GroupRepository, repository),
        settings=SETTINGS,
        secret=lambda: SECRET,
        now=THURSDAY,
    )


def test_registering_goes_to_the_waitlist_once_every_place_is_taken() -> None:
    repository = FakeGroupRepository()
    repository.registered = 15
    done = attempt(repository, FORM)
    assert (done.status, done.new, done.session.iso_start) == (
        GroupStatus.WAITLISTED,
        True,
        "2026-03-09T19:15:00-07:00",
    )
    assert repository.calls == ["waitlist"]


def test_counts_that_moved_meanwhile_are_tried_again_as_they_now_stand() -> None:
    # Given fourteen places taken, and two others registering just before this one
    repository = FakeGroupRepository()
    repository.registered = 14
    repository.others = [False, True]
    done = attempt(repository, FORM)
    # Then it tries for the last place, finds it taken, tries the waitlist, finds one more waiting
    assert repository.calls == ["place", "waitlist", "waitlist"]
    assert done.status is GroupStatus.WAITLISTED
    [kept] = repository.items.values()
    assert kept["session_counts"] == {"registered": 15, "waitlisted": 2}


def test_registering_again_returns_what_is_held() -> None:
    repository = FakeGroupRepository()
    first = attempt(repository, FORM)
    again = attempt(repository, FORM)
    assert (again.reference, again.status, again.new) == (first.reference, GroupStatus.REGISTERED, False)
    assert repository.registered == 1
    assert repository.calls[-1] == "resend"  # its email is sent again
    assert again.emailed


def test_a_busy_session_is_tried_again_then_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    from peer_support.group import registrations as group_registrations

    monkeypatch.setattr(group_registrations, "_pause", lambda attempt: None)
    repository = FakeGroupRepository(capacity_failures=3)
    done = attempt(repository, FORM)
    assert done.status is GroupStatus.REGISTERED
    assert repository.calls == ["place"] * 4
    always_busy = FakeGroupRepository(capacity_failures=1000)
    with pytest.raises(Conflict):
        attempt(always_busy, FORM)


def test_nobody_the_group_is_not_for_reaches_the_table() -> None:
    repository = FakeGroupRepository()
    refused = FORM.model_copy(update={"practices_in_bc": False})
    with pytest.raises(NotEligible):
        attempt(repository, refused)
    assert repository.calls == []


def test_giving_up_is_refused_once_the_session_has_begun() -> None:
    claims = GroupLinkClaims("2026-03-09", "GR-0000-0001", 0)
    began = datetime(2026, 3, 9, 19, 15, tzinfo=TIME_ZONE)
    with pytest.raises(SessionStarted):
        cancel(claims, repository=cast(GroupRepository, FakeGroupRepository()), now=began)


# -- which emails a change calls for ----------------------------------------------------------------


def registration(version: int, status: str, event: str) -> dict[str, Any]:
    return {"kind": "registration", "version": version, "status": status, "last_event": event}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            None,
            registration(1, "registered", "registered"),
            [
                Notice("group_registered", "registrant"),
                Notice("group_facilitator", "facilitator", {"event": "registered"}),
            ],
        ),
        (
            None,
            registration(1, "waitlisted", "waitlisted"),
            [
                Notice("group_waitlisted", "registrant"),
                Notice("group_facilitator", "facilitator", {"event": "waitlisted"}),
            ],
        ),
        (
            registration(1, "waitlisted", "waitlisted"),
            registration(2, "registered", "promoted"),
            [
                Notice("group_promoted", "registrant"),
                Notice("group_facilitator", "facilitator", {"event": "promoted"}),
            ],
        ),
        (
            registration(1, "registered", "registered"),
            registration(2, "cancelled", "cancelled"),
            [Notice("group_facilitator", "facilitator", {"event": "cancelled"})],
        ),
        (
            registration(1, "waitlisted", "waitlisted"),
            registration(2, "cancelled", "cancelled"),
            [Notice("group_facilitator", "facilitator", {"event": "left_waitlist"})],
        ),
        (
            registration(2, "cancelled", "cancelled"),
            registration(3, "registered", "registered"),
            [
                Notice("group_registered", "registrant"),
                Notice("group_facilitator", "facilitator", {"event": "registered"}),
            ],
        ),
        # Registering again: the email of what is held comes again, and the facilitator hears nothing
        (
            registration(1, "registered", "registered"),
            registration(2, "registered", "resent"),
            [Notice("group_registered", "registrant")],
        ),
        (
            registration(1, "waitlisted", "waitlisted"),
            registration(2, "waitlisted", "resent"),
            [Notice("group_waitlisted", "registrant")],
        ),
        # An edit that is no new version (say, in the console) emails nobody
        (registration(1, "registered", "registered"), registration(1, "registered", "registered"), []),
        # A session's counters are nobody's news
        (None, {"kind": "session", "version": 1, "reminder": "due"}, []),
    ],
    ids=[
        "registered",
        "waitlisted",
        "promoted",
        "gave-up",
        "left-waitlist",
        "again",
        "resent",
        "resent-waitlisted",
        "no-version",
        "counter",
    ],
)
def test_notices_for_each_change(old: Any, new: Any, expected: list[Notice]) -> None:
    assert notices_for(old, new) == expected


def test_only_the_reminder_step_calls_for_reminders() -> None:
    due = {"kind": "session", "version": 4, "reminder": "due"}
    assert reminder_taken(due, {**due, "version": 5, "reminder": "sent"})
    assert not reminder_taken(due, {**due, "version": 5, "reminder": "missed"})
    assert not reminder_taken({**due, "reminder": "sent"}, {**due, "version": 5, "reminder": "sent"})
    assert not reminder_taken(None, {**due, "reminder": "sent"})


# -- the registration's link ------------------------------------------------------------------------


def test_a_registration_link_round_trips_and_carries_nothing_personal() -> None:
    end = session_of("2026-03-09").end
    token = issue_group_link("2026-03-09", "GR-0000-0001", end, SECRET)
    claims = verify_group_link(token, SECRET, THURSDAY)
    assert claims == GroupLinkClaims("2026-03-09", "GR-0000-0001", int(end.timestamp()))
    assert "@" not in token
    with pytest.raises(InvalidLink):
        verify_group_link(token, SECRET, end)  # expired as the session ends
    with pytest.raises(InvalidLink):
        verify_group_link(token, b"other" * 13, THURSDAY)


def test_the_two_kinds_of_link_never_open_each_other() -> None:
    request_token = issue_link("PS-0000-0001", "requester", "requester", THURSDAY, timedelta(days=1), SECRET)
    with pytest.raises(InvalidLink):
        verify_group_link(request_token, SECRET, THURSDAY)
    group_token = issue_group_link("2026-03-09", "GR-0000-0001", session_of("2026-03-09").end, SECRET)
    with pytest.raises(InvalidLink):
        verify_link(group_token, SECRET, THURSDAY)


@pytest.mark.parametrize("token", ["", "a.b", "...", "x" * 401, "bm90LWEtdG9rZW4.AAAA"])
def test_malformed_registration_links_are_invalid(token: str) -> None:
    with pytest.raises(InvalidLink):
        verify_group_link(token, SECRET, THURSDAY)
