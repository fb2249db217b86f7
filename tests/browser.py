"""Headless Chromium (Debian's package) driven by Playwright, for tests that need a browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def browser_page(
    chromium_path: str, *, language: str = "zh-CN", width: int = 1280, height: int = 900
) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test itself only speaks HTTP.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                locale=language, viewport={"width": width, "height": height}
            )
            yield context.new_page()
        finally:
            # Playwright's event loop runs in this thread, and Django keeps connections per
            # context: a query the test makes inside this block opened a connection of its
            # own, which would outlive the test and keep the test database from being dropped.
            from django.db import connections

            connections.close_all()
            browser.close()
