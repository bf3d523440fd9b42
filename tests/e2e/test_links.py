import pytest
from playwright.sync_api import Browser

from tests.e2e.test_browser import browser  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_x(browser: Browser) -> None:
    assert browser.is_connected()
