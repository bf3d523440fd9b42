"""Helpers for the browser tests: where Chromium is, how it starts, and the axe-core checks.

A plain module, so any test module can import from it. The fixtures that hand out the browser itself
(`browser`, one per session) and axe-core (`axe_path`) are in `tests/e2e/conftest.py`; a test takes
them as arguments and opens a context of its own with `fresh_page`.

Chromium (`/usr/bin/chromium`) and axe-core (`$(npm root -g)/axe-core/axe.min.js`, or `AXE_CORE_JS`) are
system packages: without them the browser tests are skipped locally, and fail when `CI` is set.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SERIOUS_IMPACTS = frozenset({"serious", "critical"})


def unavailable(reason: str) -> NoReturn:
    """Skip on a developer machine; in CI a missing browser or axe-core is a broken pipeline, not a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the browser tests must run (see .ci/run)", pytrace=False)
    pytest.skip(reason)


@contextlib.contextmanager
def fresh_page(
    browser: Browser, *, java_script_enabled: bool | None = None, bypass_csp: bool | None = None
) -> Iterator[Page]:
    """A page in a browser context of its own (no cookies or storage shared), closed afterwards.

    `java_script_enabled=False` turns scripts off; `bypass_csp=True` lets axe-core be injected into the
    script-free site. Left as None, Playwright's defaults apply (scripts on, CSP enforced).
    """
    context = browser.new_context(java_script_enabled=java_script_enabled, bypass_csp=bypass_csp)
    try:
        yield context.new_page()
    finally:
        context.close()


def run_axe(page: Page, axe_path: Path) -> list[dict[str, Any]]:
    """Every axe-core violation of WCAG 2.0/2.1/2.2 A and AA on the page (its CSP must be bypassed)."""
    page.add_script_tag(path=axe_path)
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    violations: list[dict[str, Any]] = results["violations"]
    return violations


def serious_violations(page: Page, axe_path: Path) -> list[str]:
    """The serious or critical violations on the page, one line each: rule, impact, help and where."""
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']]}"
        for v in run_axe(page, axe_path)
        if v.get("impact") in SERIOUS_IMPACTS
    ]


ERROR_SUMMARY_FAULTS = """() => {
  const summary = document.querySelector('div.error-summary[role="alert"]');
  if (!summary) return ['there is no error summary'];
  const faults = [];
  const active = document.activeElement;
  if (active !== summary) {
    faults.push(`focus is on <${active.tagName.toLowerCase()} id="${active.id}">, not the summary`);
  }
  for (const link of summary.querySelectorAll('a')) {
    const message = link.textContent.trim();
    const id = decodeURIComponent(link.hash.slice(1));
    const field = document.getElementById(id);
    if (!field) { faults.push(`"${message}" links to #${id}, which is not on the page`); continue; }
    if (field.getAttribute('aria-invalid') !== 'true') faults.push(`#${id} is not marked aria-invalid`);
    const described = (field.getAttribute('aria-describedby') || '').split(/\\s+/)
      .map(ref => document.getElementById(ref)).filter(Boolean).map(found => found.textContent);
    if (!described.some(text => text.includes(message))) {
      faults.push(`#${id} is not described by "${message}"`);
    }
  }
  return faults;
}"""


def error_summary_faults(page: Page) -> list[str]:
    """What is wrong with the error summary of a form sent back: focus not on it, a link to no field, a
    field at fault not marked invalid or not described by its own message. Empty when all is well."""
    faults: list[str] = page.evaluate(ERROR_SUMMARY_FAULTS)
    return faults


def error_summary_messages(page: Page) -> dict[str, str]:
    """The error summary's messages, by the id of the field each links to."""
    links = page.locator("div.error-summary[role='alert'] a")
    return {
        (link.get_attribute("href") or "").removeprefix("#"): link.inner_text().strip()
        for link in links.all()
    }
