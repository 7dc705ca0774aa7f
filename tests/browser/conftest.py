"""Browser tests: Playwright (pip) driving the machine's Chromium (Debian's /usr/bin/chromium) against the
real local stack, as `make run` starts it. Skipped, with the reason, when no Chromium is installed.

Every request the pages make is recorded; a test fails if one goes to another origin, if the browser
reports a Content-Security-Policy violation, or if a dialog (alert) opens.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import Stack, start_stack, stop_stack

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


CHROMIUM = find_chromium()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM is None:
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(pytest.mark.skip(reason="no Chromium found (apt-get install -y chromium)"))


@dataclass
class Watch:
    """What the browser did that a test must check: every URL requested, dialogs, CSP reports, script errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    responses: list[tuple[str, int]] = field(default_factory=list)

    def foreign(self) -> list[str]:
        # blob:<our origin>/... is memory this page made (a fetched image), not a request over the network
        return [url for url in self.requests if not url.removeprefix("blob:").startswith(self.origin + "/")]

    def csp_violations(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack of this module's own: the 24-hour test moves its clock forward."""
    running = start_stack(tmp_path_factory.mktemp("browser-stack"))
    yield running
    stop_stack(running)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=20_000)  # a shared 2-core machine under load: waiting is not a failure
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM, headless=True,
            args=CHROMIUM_FLAGS, viewport={"width": 1440, "height": 900}, service_workers="block",
            locale="en-US")  # the pages follow the browser's language: these tests read English
        yield context
        context.close()


@pytest.fixture
def watch(stack: Stack) -> Watch:
    parts = urlsplit(stack.api)
    return Watch(origin=f"{parts.scheme}://{parts.netloc}")


@pytest.fixture
def page(browser_context: Any, watch: Watch) -> Iterator[Any]:
    """A fresh tab (so a fresh sessionStorage) that records what it requests; checked after the test."""
    tab = browser_context.new_page()
    tab.on("request", lambda request: watch.requests.append(request.url))

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("response", lambda response: watch.responses.append((response.url, response.status)))
    tab.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    tab.on("console", lambda message: watch.console_errors.append(message.text) if message.type == "error" else None)
    tab.set_default_timeout(20_000)
    yield tab
    tab.close()
    assert watch.requests, "the page requested nothing at all"
    assert watch.foreign() == [], f"requests to another origin: {watch.foreign()}"
    assert watch.csp_violations() == [], watch.csp_violations()
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.page_errors == [], f"uncaught errors in the page: {watch.page_errors}"


def screenshot_dir() -> Path | None:
    """`make screenshots` sets SCREENSHOTS_DIR=docs; otherwise the tests take none."""
    value = os.environ.get("SCREENSHOTS_DIR")
    return Path(value) if value else None


def shoot(page: Any, name: str, full_page: bool = False) -> None:
    folder = screenshot_dir()
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / name), full_page=full_page, animations="disabled")
