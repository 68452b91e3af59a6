"""The personas and the ready draft of attest/tests, for the issuer pages; one headless Debian chromium
per test module for the browser tests."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from attest.tests.conftest import *  # noqa: F403

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield launched
        launched.close()
        # ORM calls made while Playwright's event loop runs get connections of their own (asgiref's
        # context-local storage); close them here, or they keep the test database from being dropped.
        connections.close_all()
