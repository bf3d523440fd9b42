"""`make run PARAMETERS="…"` on a stack of its own: the overrides reach the functions, as `sam deploy
--parameter-overrides` would give them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import all_emails, local_stack, post_json, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with local_stack({"PARAMETERS": "GroupCapacity=1 ProgramName='Peer Support Test Program'"}) as started:
        yield started


def registrant(i: int) -> dict[str, object]:
    return {
        "name": f"Dr. Param {i}",
        "email": f"param{i}@example.org",
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
    }


def test_group_capacity_and_program_name_reach_the_functions(url: str) -> None:
    answers = [post_json(f"{url}/group-registrations", registrant(i)) for i in (1, 2)]

    # One place in a session: the second registrant waits.
    assert [(status, body["status"]) for status, body in answers] == [
        (201, "registered"),
        (201, "waitlisted"),
    ]
    mail = wait_for(lambda: [e for e in all_emails(url) if e["to"] == "param1@example.org"], 10)
    assert mail
    assert "Peer Support Test Program" in mail[0]["text"]
