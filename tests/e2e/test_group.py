"""The BIPOC group on the local stack, as `make run` serves it: registering on `/group` gives the right
next session, the sixteenth registrant is waitlisted, a place given up goes to them, and the day-of
reminder reaches those holding a place, once.

A stack of its own, since it moves the one clock.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import all_emails, get_json, http, local_stack, move_clock, post_json, wait_for

pytestmark = pytest.mark.e2e

FACILITATOR = "group-facilitator@example.org"
JOIN_URL = "https://meet.example.org/bipoc-physician-peer-support-group"
SESSION_START = "2026-03-09T19:15:00-07:00"
WAIT_SECONDS = 10.0


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with local_stack({"NOW": "2026-03-05T18:00:00Z"}) as started:
        yield started


def emails(url: str, to: str | None = None, subject: str = "") -> list[dict[str, Any]]:
    return [e for e in all_emails(url) if (to is None or e["to"] == to) and e["subject"].startswith(subject)]


def member(i: int) -> dict[str, Any]:
    return {
        "name": f"Dr. Local {i}",
        "email": f"local{i}@example.org",
        "identifies_as_bipoc": True,
        "practices_in_bc": True,
    }


def test_register_fill_the_session_give_a_place_up_and_be_reminded_once(url: str) -> None:
    # Given Thursday 5 March 2026, 10:00 in Vancouver
    assert get_json(f"{url}/_local/clock")["now"].startswith("2026-03-05T18:0")

    # The group's page names the next session: Monday 9 March, the first after daylight time begins
    status, headers, body = http("GET", f"{url}/group", headers={"Accept": "text/html"})
    assert status == 200
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    page = body.decode()
    assert "<strong>Monday, March 9</strong>, from 7:15 to 8:30 pm Pacific time." in page

    # Registering from the page's form gives a confirmation for that session
    form = urlencode({**member(0), "identifies_as_bipoc": "true", "practices_in_bc": "true"})
    status, _, body = http(
        "POST",
        f"{url}/group-registrations",
        form.encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert status == 201, body
    assert "<h1>You are registered</h1>" in body.decode()
    assert "<strong>Monday, March 9</strong>" in body.decode()

    # Fourteen more take the other places; the sixteenth is waitlisted
    receipts = [post_json(f"{url}/group-registrations", member(i)) for i in range(1, 16)]
    assert all(status == 201 for status, _ in receipts)
    assert {r["session_start"] for _, r in receipts} == {SESSION_START}
    assert [r["status"] for _, r in receipts] == ["registered"] * 14 + ["waitlisted"]
    # The same person again gets the same registration
    assert post_json(f"{url}/group-registrations", member(15)) == (201, receipts[-1][1])

    # Everyone hears, and so does the facilitator
    assert wait_for(lambda: len(emails(url, FACILITATOR)) == 16, WAIT_SECONDS), len(emails(url, FACILITATOR))
    assert wait_for(lambda: all(emails(url, f"local{i}@example.org") for i in range(16)), WAIT_SECONDS)
    [waitlisted] = emails(url, "local15@example.org")
    assert waitlisted["subject"].startswith("You are on the waitlist")
    [confirmation] = emails(url, "local3@example.org")
    assert JOIN_URL in confirmation["text"]

    # Member 3 gives up their place from the link in their email: member 15 has it now
    link = re.search(r"http://127\.0\.0\.1:\d+/group-registrations/\S+", confirmation["text"])
    assert link is not None
    path = urlsplit(link.group(0)).path
    status, _, body = http(
        "POST",
        f"{url}{path}",
        b"action=cancel",
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"},
    )
    assert status == 200, body
    assert "<h1>Your place is given up</h1>" in body.decode()
    promoted = wait_for(lambda: emails(url, "local15@example.org", "A place opened up"), WAIT_SECONDS)
    assert promoted, emails(url, "local15@example.org")
    assert JOIN_URL in promoted[0]["text"]

    # Monday 9 March, 11:45: no reminder yet
    move_clock(url, now="2026-03-09T18:45:00Z")
    time.sleep(1.0)
    assert emails(url, subject="Today:") == []

    # 12:05: the sweep takes the reminder step, and everyone holding a place hears once
    move_clock(url, now="2026-03-09T19:05:00Z")
    assert wait_for(lambda: len(emails(url, subject="Today:")) >= 15, WAIT_SECONDS), len(
        emails(url, subject="Today:")
    )
    for _ in range(3):  # later sweeps remind nobody again
        move_clock(url, advance_hours=0.25)
    time.sleep(1.5)  # let the stream consumer settle
    reminded = Counter(e["to"] for e in emails(url, subject="Today:"))
    holding = {f"local{i}@example.org" for i in range(16)} - {"local3@example.org"}
    assert reminded == Counter(dict.fromkeys(holding, 1))
    # No email went twice to anyone
    sent = Counter((e["to"], e["subject"]) for e in emails(url))
    assert all(count == 1 for count in sent.values()), [k for k, n in sent.items() if n > 1]
