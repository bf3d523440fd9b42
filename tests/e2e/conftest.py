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
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import Error as PlaywrightError

from local_runner.stack import free_port
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, unavailable

ROOT = Path(__file__).resolve().parents[2]
LOG: list[str] = []  # everything the local stack printed after start-up


@contextlib.contextmanager
def local_stack() -> Iterator[str]:
    """`python -m local_runner` on a free port, as `make run` starts it; yields its URL."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PYTHONPATH": f"{ROOT / 'layers/common'}{os.pathsep}{ROOT}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local_runner"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if "is running at" in line:
                break
            if time.monotonic() > deadline:
                pytest.fail("the local stack did not start within 60 s")
        else:
            pytest.fail(f"the local stack exited with {process.wait()}")
        # Keep draining its output so it never blocks on a full pipe; tests may read it.
        threading.Thread(target=lambda: LOG.extend(process.stdout or []), daemon=True).start()
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


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


def get_json(url: str) -> Any:
    status, _, body = http("GET", url)
    assert status == 200, body
    return json.loads(body)


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
