"""The program report, the feedback page and the closing form in headless Chromium, audited with
axe-core, on a local stack of its own (its clock moves on a month). See `test_browser.py` for what the
browser tests need installed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.browser import serious_violations
from tests.e2e.conftest import (
    all_emails,
    ask_for_oneself,
    get_json,
    local_stack,
    move_clock,
    next_months_report_time,
    post_json,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CASE = re.compile(r"/actions/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")
FEEDBACK = re.compile(r"https?://\S+/feedback/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")
REPORT = re.compile(r"https?://\S+/reports/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+")


@pytest.fixture(scope="module")
def links() -> Iterator[dict[str, str]]:
    """A case closed on a stack of its own, then a month on: its check-in's feedback link, the
    administrators' report link, and a supporter's closing form on another case."""
    with local_stack() as url:

        def ask(i: int) -> str:
            name, email = f"Dr. Report Reader {i}", f"report.reader{i}@example.org"
            return ask_for_oneself(url, name, email, ["burnout"], ["video", "phone", "in_person"])

        def case_links(reference: str) -> list[str]:
            found = {t for e in all_emails(url) if reference in e["subject"] for t in CASE.findall(e["text"])}
            return sorted(found) if len(found) >= 2 else []

        def contacted(reference: str) -> str:
            for token in wait_for(lambda: case_links(reference), 10):
                if post_json(f"{url}/actions/{token}", {"action": "acknowledge"})[0] == 200:
                    return token
            raise AssertionError("no supporter's link")

        closing = {"action": "close", "conversations": 2, "modality_used": "video", "referred_on": ["none"]}
        assert post_json(f"{url}/actions/{contacted(ask(0))}", closing)[0] == 200
        wait_for(lambda: [r for r in get_json(f"{url}/_local/requests") if r.get("sla_step") == "check_in"])
        move_clock(url, now=next_months_report_time(url))
        open_case = contacted(ask(1))  # asked after the clock moved, so its link is still good

        def found(pattern: re.Pattern[str]) -> str:
            return next((m for e in all_emails(url) for m in pattern.findall(e["text"])), "")

        yield {
            "report": wait_for(lambda: found(REPORT), 10),
            "feedback": wait_for(lambda: found(FEEDBACK), 10),
            "case": f"{url}/actions/{open_case}",
        }


@pytest.mark.parametrize("width", [1280, 375])
def test_the_report_page_is_accessible(
    audited_page: Page, links: dict[str, str], axe_path: Path, width: int
) -> None:
    audited_page.set_viewport_size({"width": width, "height": 900})
    audited_page.goto(links["report"])
    assert audited_page.get_by_role("heading", name="Program report").is_visible()
    charts = audited_page.get_by_role("img")
    assert charts.count() >= 4
    assert "by month" in (
        (
            charts.first.get_attribute("aria-labelledby")
            and audited_page.locator("svg title").first.text_content()
        )
        or ""
    )
    assert audited_page.locator("table caption").count() >= 6
    violations = serious_violations(audited_page, axe_path)
    assert not violations, "axe-core found serious or critical violations:\n" + "\n".join(violations)


def test_the_feedback_page_and_its_errors_are_accessible(
    audited_page: Page, links: dict[str, str], axe_path: Path
) -> None:
    audited_page.goto(links["feedback"])
    assert not serious_violations(audited_page, axe_path)
    audited_page.get_by_role("button", name="Send my answers").click()
    assert audited_page.get_by_role("alert").is_visible()
    assert not serious_violations(audited_page, axe_path)
    audited_page.get_by_label("4", exact=True).check()
    audited_page.get_by_role("group", name="Did your Peer Supporter reach you soon enough?").get_by_label(
        "Yes"
    ).check()
    audited_page.get_by_role("group", name="Would you suggest peer support to a colleague?").get_by_label(
        "Yes"
    ).check()
    audited_page.get_by_role("button", name="Send my answers").click()
    assert audited_page.get_by_role("heading", name="Thank you").is_visible()


def test_the_closing_form_asks_where_the_person_went_next(
    audited_page: Page, links: dict[str, str], axe_path: Path
) -> None:
    audited_page.goto(links["case"])
    group = audited_page.get_by_role("group", name="Did you help the person connect with more support?")
    assert group.get_by_label("No, none of these").is_checked()
    assert not serious_violations(audited_page, axe_path)
