"""The issuer's filing and the regulator's acknowledgement in Traditional Chinese on a phone (Debian's chromium).

The English flows are in test_issuer_browser.py and test_regulator_browser.py; these read the same steps as a
Hong Kong reader at 390 px, writing a screenshot of each page to screenshots/ (gitignored).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, Membership
from chain.services import readings_latest
from reserves.models import Flag, FlagStatus
from reserves.services import reconciliation_run, stablecoin_reconcile
from reserves.tests.pagedata import coin_with_runs, regulator

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SCREENSHOTS.mkdir(exist_ok=True)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _phone(browser: Any, live_server: Any, user: Any) -> Any:
    """A 390 px page whose browser asks for Hong Kong Chinese, logged in as ``user``."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="zh-HK",  # the browser's own controls (dates, file pickers) in Chinese too
        extra_http_headers={"Accept-Language": "zh-Hant-HK,zh;q=0.9"},
    )
    context.set_default_timeout(30_000)  # the machine may be busy with other test runs
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    return context


def _shot(page: Any, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def test_an_issuer_files_and_sees_what_the_filing_did_in_chinese_at_390(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    built = coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=1)
    issuer = Membership.objects.get(issuer__stablecoins__symbol="SHRT").user
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)
    context = _phone(browser, live_server, issuer)
    page = context.new_page()

    page.goto(f"{live_server.url}/attestations/new/")
    assert page.locator("h1").inner_text() == "新儲備核證報告"
    as_of = (timezone.now() - timedelta(minutes=30)).astimezone(ZoneInfo("Asia/Hong_Kong"))
    page.fill("#id_as_of", as_of.strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#id_as_of_timezone", "Asia/Hong_Kong")
    page.fill("#id_assurer_name", "港灣會計師事務所")
    page.fill("#id_stated_total_reserves", "90000.00")
    page.select_option("[name=holdings-0-asset_class]", "demand_deposit")
    page.fill("[name=holdings-0-custodian]", "First Example Bank")
    page.fill("[name=holdings-0-currency]", "usd")
    page.fill("[name=holdings-0-market_value]", "90000.00")
    page.fill("[name=figures-0-chain_id]", "31337")
    page.fill("[name=figures-0-outstanding]", "100000")
    page.set_input_files("#id_document", str(report))
    _shot(page, "zh-issuer-form-filled-390")
    page.click("button[value=submit]")
    page.wait_for_selector("#status")
    assert page.locator("#status").inner_text() == "已提交"
    _shot(page, "zh-issuer-submitted-390")
    filed = Attestation.objects.filter(stablecoin=built.coin).latest("pk")
    assert filed.status == AttestationStatus.SUBMITTED and filed.document_sha256

    # The filing's own run at its as-of instant, as attestation_reconcile makes it once it has pinned supply there
    # (the readings built above stand in: pinning needs an RPC node); then the coin's reconciliation with the
    # filing standing, which is what the public sees.
    licence = built.coin.licences.get()
    reconciliation_run(
        stablecoin=built.coin,
        attestation=filed,
        readings=readings_latest(stablecoin=built.coin),
        trigger="attestation",
        profile=licence.profile,
        licence=licence,
        readings_basis="as_of",
    )
    stablecoin_reconcile(stablecoin=built.coin, trigger="attestation")
    page.reload()
    assert page.locator("#outcome-heading").inner_text() == "這份申報的結果"
    assert page.locator("#outcome-verdict").inner_text() == "抵押不足"
    findings = page.locator("#outcome-findings").inner_text()
    # The finding itself in Chinese, not the engine's stored English.
    assert "R1" in findings and "合資格儲備 90,000.00 USD 低於按面值計流通量" in findings
    assert "鏈 31337" in page.locator("#outcome-blocks").inner_text()
    assert page.locator("h1").inner_text() == f"SHRT 核證報告第 {filed.version} 版"
    _shot(page, "zh-issuer-outcome-390")
    context.close()


def test_a_regulator_acknowledges_a_flag_in_chinese_at_390(browser, live_server):
    coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=2, chains=(31337, 10))
    flag = Flag.objects.get(stablecoin__symbol="SHRT", rule="R1")
    context = _phone(browser, live_server, regulator())
    page = context.new_page()

    page.goto(f"{live_server.url}/regulator/coins/SHRT/")
    _shot(page, "zh-regulator-coin-390")
    page.click(f"#flag-{flag.pk} >> text=確認…")
    assert page.locator("h1").inner_text().startswith("確認 SHRT R1")
    page.fill("#id_note", "已致電發行人 預計下週補足儲備")
    _shot(page, "zh-flag-confirm-390")
    page.click("text=確認警示")
    page.wait_for_url("**/regulator/coins/SHRT/")
    assert page.locator(f"#flag-{flag.pk} [data-flag-status]").inner_text() == "已確認"
    assert "已致電發行人" in page.locator(f"#flag-{flag.pk}").text_content()
    _shot(page, "zh-regulator-coin-acknowledged-390")
    page.goto(f"{live_server.url}/regulator/queues/")
    assert page.locator(f"#flag-{flag.pk} [data-flag-status]").inner_text() == "已確認"
    _shot(page, "zh-open-flags-390")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.ACKNOWLEDGED
    context.close()
