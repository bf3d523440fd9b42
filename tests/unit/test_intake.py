from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from peer_support.core import clock
from peer_support.core.errors import Conflict, IdempotencyKeyReused, NotEligible
from peer_support.requests.intake import check_eligibility, new_record, submit_request
from peer_support.requests.models import RequestForm

FORM = RequestForm.model_validate(
    {
        "kind": "self",
        "requester": {"name": "Dr. Ann Lee", "email": "ann@example.org"},
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": ["burnout"],
        "modalities": ["video"],
    }
)


class FakeRepository:
    """Keeps items in a dict and behaves like the conditional put."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.writes = 0

    def create(self, record: dict[str, Any]) -> None:
        self.writes += 1
        if record["request_id"] in self.items:
            raise Conflict(current=self.items[record["request_id"]])
        self.items[record["request_id"]] = record

    def get(self, request_id: str) -> dict[str, Any]:
        return self.items[request_id]

    def open_request_of(self, person: str) -> dict[str, Any] | None:
        return next((i for i in self.items.values() if i.get("requester_key") == person), None)


class FakeTransitions:
    def __init__(self) -> None:
        self.moves: list[dict[str, Any]] = []

    def move(self, request_id: str, **kwargs: Any) -> None:
        self.moves.append({"request_id": request_id, **kwargs})


def submit(form: RequestForm, repo: FakeRepository, **kwargs: Any) -> Any:
    return submit_request(form, repository=repo, transitions=FakeTransitions(), secret=lambda: b"s", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    previous = clock.use(clock.FrozenClock(datetime(2026, 11, 26, 20, 15, tzinfo=UTC)))
    yield
    clock.use(previous)


@pytest.mark.parametrize(
    ("stage", "vancouver", "reason"),
    [
        ("resident", True, "resident"),
        ("medical_student", True, "medical_student"),
        ("other", True, "not_practising"),
        ("practicing_physician", False, "not_in_vancouver"),
        ("practicing_physician", "false", "not_in_vancouver"),
    ],
)
def test_ineligible(stage: str, vancouver: object, reason: str) -> None:
    with pytest.raises(NotEligible) as caught:
        check_eligibility(stage, vancouver)
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("stage", "vancouver"), [("practicing_physician", True), (None, None), ("practicing_physician", None)]
)
def test_eligible_or_not_yet_known(stage: object, vancouver: object) -> None:
    check_eligibility(stage, vancouver)


def test_new_record_uses_the_one_clock() -> None:
    record = new_record(FORM, "PS-AAAA-BBBB", "digest")
    assert record["created_at"] == "2026-11-26T20:15:00Z"
    assert record["history"] == [{"at": "2026-11-26T20:15:00Z", "event": "submitted", "by": "requester"}]
    assert record["status"] == "pending_match"
    assert record["version"] == 1
    assert "colleague" not in record


def test_retry_with_key_is_the_same_receipt_and_one_item() -> None:
    repo = FakeRepository()
    first = submit(FORM, repo, idempotency_key="k" * 10)
    again = submit(FORM, repo, idempotency_key="k" * 10)
    assert first == again
    assert len(repo.items) == 1


def test_key_reused_with_other_answers() -> None:
    repo = FakeRepository()
    submit(FORM, repo, idempotency_key="k" * 10)
    other = FORM.model_copy(update={"urgent": True})
    with pytest.raises(IdempotencyKeyReused):
        submit(other, repo, idempotency_key="k" * 10)


def test_random_reference_collision_is_retried() -> None:
    repo = FakeRepository()
    receipt = submit(FORM, repo)
    assert receipt.reference in repo.items
