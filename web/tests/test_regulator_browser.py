"""The regulator pages in a real browser (Debian's chromium through Playwright), desktop and phone width.

Screenshots go to test-artifacts/ (gitignored) for a person to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import current_app
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from attest.models import Stablecoin
from chain.models import SupplyReading
from reserves.models import Flag, FlagStatus
from reserves.services import stablecoin_reconcile
from reserves.tests.pagedata import coin_with_runs, regulator

# Playwright's sync API runs an event loop in this thread; the ORM calls below are still synchronous.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)


def _session_cookie(live_server: Any) -> dict[str, str]:
    client = Client()
    client.force_login(regulator())
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_a_regulator_reads_the_overview_and_a_coin_and_acknowledges_a_flag(browser, live_server):
    coin_with_runs("GOOD", reserves="200000", tokens=100_000, runs=3)
    coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=4, chains=(31337, 10))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    cookie = _session_cookie(live_server)
    context.add_cookies([cookie])
    page = context.new_page()

    page.goto(f"{live_server.url}/regulator/")
    assert page.locator('tr[data-symbol="GOOD"] [data-field="status"]').inner_text() == "Fully backed"
    assert page.locator('tr[data-symbol="SHRT"] [data-field="status"]').inner_text() == "Under-collateralised"
    # expect() polls without evaluating strings, which the pages' Content-Security-Policy forbids.
    expect(page.locator("#refresh-state")).to_have_text(re.compile(r"^Updated"))
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    # A new reading is reconciled and published: the next refresh rewrites the row in place, without reloading.
    good = Stablecoin.objects.get(symbol="GOOD")
    reading = SupplyReading.objects.filter(deployment__stablecoin=good).order_by("-block_number")[0]
    reading.pk, reading.block_number, reading.block_hash = None, 200, "0x" + "ab" * 32
    reading.total_supply = 150_000 * 10**6
    reading.save()
    stablecoin_reconcile(stablecoin=good, trigger="supply")
    page.evaluate("window.notReloaded = true")
    page.evaluate("window.attestOverviewRefresh()")
    ratio = page.locator('tr[data-symbol="GOOD"] [data-field="backing_ratio"]')
    expect(ratio).not_to_have_text("1.9607")
    assert (
        ratio.inner_text() == "1.3377"
    )  # 200,000 / (150,000 - 500 in the treasury) = 1.33779..., cut, never rounded up
    assert page.locator('tr[data-symbol="GOOD"] [data-field="outstanding"]').inner_text() == "149,500.00"
    assert page.evaluate("window.notReloaded") is True

    page.goto(f"{live_server.url}/coins/SHRT/")
    assert page.locator('[data-verdict="under_collateralised"]').first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "public.png"), full_page=True)

    page.goto(f"{live_server.url}/regulator/")
    page.click('tr[data-symbol="SHRT"] a')
    page.wait_for_url("**/regulator/coins/SHRT/")
    polyline = page.locator("svg.chart polyline").first
    assert polyline.get_attribute("points").count(",") >= 2
    assert page.locator("section.composition svg.chart rect").count() > 3
    page.screenshot(path=str(ARTIFACTS / "coin.png"), full_page=True)

    flag = Flag.objects.get(stablecoin__symbol="SHRT", rule="R1")
    page.click(f"#flag-{flag.pk} >> text=Acknowledge…")
    page.fill("#id_note", "Issuer called; top-up expected")
    page.screenshot(path=str(ARTIFACTS / "flag-confirm.png"), full_page=True)
    page.click("text=Acknowledge flag")
    page.wait_for_url("**/regulator/coins/SHRT/")
    assert page.locator(f"#flag-{flag.pk} [data-flag-status]").inner_text() == "Acknowledged"
    assert "Issuer called; top-up expected" in page.locator(f"#flag-{flag.pk}").text_content()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED

    page.goto(f"{live_server.url}/regulator/queues/")
    assert page.locator(f"#flag-{flag.pk} [data-flag-status]").inner_text() == "Acknowledged"
    page.screenshot(path=str(ARTIFACTS / "queues.png"), full_page=True)
    page.goto(f"{live_server.url}/regulator/runs/{flag.last_run_id}/")
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()  # the print stylesheet drops the navigation
    page.screenshot(path=str(ARTIFACTS / "run-print.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.add_cookies([cookie])
    small = phone.new_page()
    for name, url in [("overview", "/regulator/"), ("coin", "/regulator/coins/SHRT/"), ("public", "/coins/SHRT/")]:
        small.goto(live_server.url + url)
        overflow = small.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        small.screenshot(path=str(ARTIFACTS / f"{name}-390.png"), full_page=True)
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 390px"
    assert small.locator("svg.chart polyline").count() >= 1
    context.close()
    phone.close()


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run the tasks that submitting an attestation or reading supply sets off in this process."""
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    yield
    current_app.conf.task_always_eager = before


def test_the_overview_lists_the_demo_coins_with_their_badges(browser, live_server, anvil, chain_snapshot, eager_tasks):
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth.models import User
    from django.utils import timezone

    from attest.services import HoldingInput, attestation_create
    from chain.blocks import block_by_number
    from chain.models import Network
    from devtools.demo import demo_seed
    from devtools.devchain import head
    from jobs.workflows import attestation_submit, supply_read
    from tests.processes import wait_until

    demo_seed(rpc_url=anvil.url)  # HKDA is attested and reconciled at its as-of block on commit
    supply_read(network=Network.objects.get())
    issuer = User.objects.get(username="issuer")
    from reserves.tests.builders import certified

    # The head's own time, not the wall clock's: an instant before USDX's first block would pin a read where
    # no contract was yet.
    as_of = block_by_number(anvil.rpc, head(anvil.rpc)).time
    wait_until(lambda: timezone.now() >= as_of, timeout=5, what="the clock to reach the head's time (no future as-of)")
    attestation = attestation_create(
        user=issuer,
        stablecoin=Stablecoin.objects.get(symbol="USDX"),
        details=certified(as_of),
        as_of=as_of,
        as_of_timezone="UTC",
        holdings=[
            HoldingInput("demand_deposit", "First Example Bank", "USD", Decimal("1800000.00")),
            HoldingInput(
                "tbill",
                "Example Custody",
                "USD",
                Decimal("3000000.00"),
                maturity_date=(as_of + timedelta(days=60)).date(),
            ),
        ],
    )
    attestation_submit(user=issuer, attestation=attestation)  # 4.8m against 5m outstanding

    client = Client()
    client.force_login(User.objects.get(username="regulator"))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/regulator/")
    assert page.locator('tr[data-symbol="HKDA"] [data-field="status"]').inner_text() == "Fully backed"
    assert page.locator('tr[data-symbol="USDX"] [data-field="status"]').inner_text() == "Under-collateralised"
    assert "1 critical" in page.locator('tr[data-symbol="USDX"]').inner_text()
    assert page.locator('tr[data-symbol="USDX"] [data-field="backing_ratio"]').inner_text() == "0.9600"
    page.screenshot(path=str(ARTIFACTS / "demo-overview.png"), full_page=True)
    page.goto(f"{live_server.url}/regulator/coins/USDX/")
    assert page.locator("svg.chart").count() >= 5
    page.screenshot(path=str(ARTIFACTS / "demo-coin.png"), full_page=True)
    for width in (1280, 390):
        public = browser.new_page(viewport={"width": width, "height": 900})
        for symbol in ("USDX", "HKDB"):
            public.goto(f"{live_server.url}/coins/{symbol}/")
            overflow = public.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            public.screenshot(path=str(ARTIFACTS / f"demo-public-{symbol.lower()}-{width}.png"), full_page=True)
            assert overflow <= 0, f"/coins/{symbol}/ scrolls sideways by {overflow}px at {width}px"
        public.close()
    context.close()
