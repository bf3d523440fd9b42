"""The local stack, started once per session as `make run` starts it, on a free port; and the browser.

`browser` (headless Chromium, one per session) and `axe_path` (axe-core's script) are fixtures here so
every test module shares them: Playwright's sync API allows one instance per thread, so a second module
must not start its own. The helpers that go with them are in `tests/e2e/browser.py`.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from local_runner.launch import StackDidNotStart, launched
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, fresh_page, unavailable

LOG: list[str] = []  # everything the local stack printed after start-up
T = TypeVar("T")


# The tests share a stack and send it far more requests an hour than a program gets: surge mode, which
# would hold the later ones for their sender's confirmation, is off here and tested apart
# (tests/integration/test_abuse.py).
NO_SURGE = "SurgeRequestsPerHour=0"


@contextlib.contextmanager
def local_stack(env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m local_runner` on a free port, as `make run` starts it (with `env` added); yields its URL."""
    env = {**(env or {}), "PARAMETERS": f"{NO_SURGE} {(env or {}).get('PARAMETERS', '')}".strip()}
    try:
        with launched(env, log=LOG) as url:
            yield url
    except StackDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def local_url() -> Iterator[str]:
    with local_stack() as url:
        yield url


def http(
    method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP exchange; returns status, headers and body whatever the status."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post_json(url: str, data: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    status, _, body = http(
        "POST", url, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})}
    )
    return status, json.loads(body)


def ask_for_oneself(
    url: str, name: str, email: str, reasons: list[str], modalities: list[str], **more: Any
) -> str:
    """`POST /requests` of a practising physician in Vancouver asking for themselves (with `more` of the
    request's fields); the reference it answered with."""
    body = {
        "kind": "self",
        "requester": {"name": name, "email": email},
        "career_stage": "practicing_physician",
        "practices_in_vancouver": True,
        "reasons": reasons,
        "modalities": modalities,
        **more,
    }
    status, receipt = post_json(f"{url}/requests", body)
    assert status == 201, receipt
    return str(receipt["reference"])


def get_json(url: str) -> Any:
    status, _, body = http("GET", url)
    assert status == 200, body
    return json.loads(body)


def wait_for(predicate: Callable[[], T], seconds: float = 5.0) -> T:
    """Poll until `predicate` gives something truthy, or give its last answer after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.1)
    return predicate()


def requests_now(url: str) -> list[dict[str, Any]]:
    """Every request the local stack holds (`GET /_local/requests`)."""
    items: list[dict[str, Any]] = get_json(f"{url}/_local/requests")
    return items


def request_item(url: str, reference: str) -> dict[str, Any]:
    [item] = [i for i in requests_now(url) if i["request_id"] == reference]
    return item


def all_emails(url: str) -> list[dict[str, str]]:
    """Every email the local stack has sent (`GET /_local/emails`)."""
    emails: list[dict[str, str]] = get_json(f"{url}/_local/emails")
    return emails


def emails_about(url: str, reference: str, to: str | None = None) -> list[dict[str, str]]:
    """The emails about `reference` (it is in every subject), to `to` if given."""
    return [
        e
        for e in all_emails(url)
        if reference in e["subject"] and (to is None or e["to"].casefold() == to.casefold())
    ]


def move_clock(url: str, **body: Any) -> str:
    """Move the local stack's one clock (`POST /_local/clock`); returns the new time."""
    status, answer = post_json(f"{url}/_local/clock", body)
    assert status == 200, answer
    now: str = answer["now"]
    return now


# -- the browser, for the tests marked `browser` --


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole session; give each test a context of its own (`fresh_page`)."""
    if not CHROMIUM.is_file():
        unavailable(f"Chromium is not installed at {CHROMIUM}")
    playwright = sync_playwright().start()
    try:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except PlaywrightError as error:
            unavailable(f"Chromium at {CHROMIUM} could not be launched: {error.message}")
        yield launched
        launched.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def axe_path() -> Path:
    """axe-core's `axe.min.js`: `AXE_CORE_JS` if set, else the global npm install."""
    override = os.environ.get("AXE_CORE_JS")
    if override:
        path = Path(override)
        if not path.is_file():
            unavailable(f"AXE_CORE_JS points at {path}, which does not exist")
        return path
    npm = shutil.which("npm")
    if npm is None:
        unavailable("npm is not installed, so axe-core cannot be found (npm install --global axe-core)")
    try:
        root = subprocess.run(  # noqa: S603 - a fixed command, no user input
            [npm, "root", "--global"], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
    except (subprocess.SubprocessError, OSError) as error:
        unavailable(f"`npm root --global` failed: {error}")
    path = Path(root) / "axe-core" / "axe.min.js"
    if not path.is_file():
        unavailable(f"axe-core is not installed at {path} (npm install --global axe-core@4.14.1)")
    return path


def next_months_report_time(stack_url: str) -> str:
    """Half past eight on the next month's first business day: past the check-in, and the morning the
    administrators' monthly report email goes."""
    from datetime import timedelta

    from peer_support.core.clock import iso, parse_iso
    from peer_support.reports.monthly_email import first_business_morning

    now = parse_iso(get_json(f"{stack_url}/_local/clock")["now"])
    next_month = (now.replace(day=1) + timedelta(days=32)).replace(day=1)
    return iso(first_business_morning(next_month.date()) + timedelta(minutes=30))


@pytest.fixture
def audited_page(browser: Browser) -> Iterator[Page]:
    """A page whose CSP is bypassed, so axe-core can be injected into the script-free site."""
    with fresh_page(browser, bypass_csp=True) as page:
        yield page
