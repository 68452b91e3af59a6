"""Every page, as a new reader sees it, in English and Traditional Chinese at 1280 and 390 px (Debian's chromium).

Each visit writes a screenshot to screenshots/ (gitignored) for a person to look at. The checks: the page is
in the reader's language (Accept-Language zh-Hant-HK gets Chinese, the switcher changes it), times are in the
reader's zone with UTC on hover, the public coin page's first screen answers "backed, as of when, by whom",
chart text renders at 11 px or more, and nothing scrolls sideways on a phone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from attest.models import AttestationSignature, Membership, Opinion, SignerRole
from reserves.tests.pagedata import coin_with_runs, regulator

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
SCREENSHOTS.mkdir(exist_ok=True)
LANGUAGES = {"en": "en-GB,en;q=0.9", "zh-hant": "zh-Hant-HK,zh;q=0.9"}
WIDTHS = {1280: 900, 390: 844}


def _market(tmp_path: Path) -> int:
    """Two coins; SHRT's attestation names its accountant and opinion, carries its report and a signature."""
    coin_with_runs("GOOD", reserves="200000", tokens=100_000, runs=3)
    short = coin_with_runs("SHRT", reserves="90000", tokens=100_000, runs=4, chains=(31337, 10))
    a = short.attestation
    a.assurer_name, a.assurer_registration, a.opinion = "Harbour & Co CPA", "HKICPA M1234", Opinion.UNMODIFIED
    a.standard = "HKSAE 3000"
    a.document.save("report.pdf", ContentFile(b"%PDF-1.4 demo report"), save=False)
    a.document_sha256 = "ab" * 32
    a.save()
    AttestationSignature.objects.create(
        attestation=a,
        role=SignerRole.AUDITOR,
        signer_address="0x" + "12" * 20,
        signature="0x" + "00" * 65,
        payload_sha256="cd" * 32,
        signed_by=a.created_by,
    )
    return a.pk


def _shot(page: Any, name: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


def _smallest_chart_text(page: Any) -> float:
    """The smallest rendered font size, in CSS px, of the text in every visible chart."""
    return float(
        page.evaluate(
            """() => {
              let least = 1e9;
              document.querySelectorAll('svg.chart').forEach(svg => {
                if (!svg.getClientRects().length) return;
                const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
                svg.querySelectorAll('text').forEach(t => {
                  least = Math.min(least, parseFloat(getComputedStyle(t).fontSize) * scale);
                });
              });
              return least;
            }"""
        )
    )


def test_every_page_in_both_languages_at_desktop_and_phone_width(browser, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    attestation_pk = _market(tmp_path)
    client = Client()
    client.force_login(regulator())
    session = {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    issuer = Client()
    issuer.force_login(Membership.objects.get(issuer__stablecoins__symbol="SHRT").user)
    issuer_session = {**session, "value": issuer.cookies[settings.SESSION_COOKIE_NAME].value}

    for lang, accept in LANGUAGES.items():
        zh = lang == "zh-hant"
        for width, height in WIDTHS.items():
            tag = f"{lang}-{width}"
            context = browser.new_context(
                viewport={"width": width, "height": height}, extra_http_headers={"Accept-Language": accept}
            )
            page = context.new_page()

            page.goto(f"{live_server.url}/coins/SHRT/")
            assert page.locator("html").get_attribute("lang") == ("zh-Hant-HK" if zh else "en")
            verdict = page.locator("#verdict")
            assert verdict.inner_text() == ("抵押不足" if zh else "Under-collateralised")
            assert verdict.is_visible() and verdict.bounding_box()["y"] < height  # the answer is on the first screen
            as_of = page.locator("#as-of time")
            assert as_of.get_attribute("title").endswith(" UTC")  # UTC on hover
            assert ("香港時間" if zh else "UTC") in as_of.inner_text()  # the reader's zone
            assert "Harbour & Co CPA" in page.locator("#whose-word").inner_text()
            assert page.locator("#report-sha256").inner_text() == "ab" * 32
            assert "0x1212" in page.locator("#signatures").inner_text()
            assert ("香港金融管理局" if zh else "Hong Kong Monetary Authority") in page.locator("#licence").inner_text()
            assert page.locator("#api-docs-link").is_visible()
            assert _smallest_chart_text(page) >= 11
            page.screenshot(path=str(SCREENSHOTS / f"public-coin-first-screen-{tag}.png"))
            _shot(page, f"public-coin-{tag}")
            if width == 1280:
                page.emulate_media(media="print")
                assert not page.locator("footer.site").is_visible()
                page.screenshot(path=str(SCREENSHOTS / f"public-coin-print-{lang}.png"), full_page=True)
                page.emulate_media(media="screen")
                # A point of the chart shows its value on keyboard focus.
                page.locator(".chart-wide svg .pt").first.focus()
                assert page.locator(".chart-tip").is_visible()

            page.goto(f"{live_server.url}/coins/")
            assert page.locator('tr[data-symbol="GOOD"] .badge.backed').inner_text() == (
                "十足支持" if zh else "Fully backed"
            )
            _shot(page, f"index-{tag}")
            page.goto(f"{live_server.url}/coins/NOPE/")
            assert ("此頁不存在" if zh else "This page does not exist") in page.content()
            _shot(page, f"404-{tag}")
            page.goto(f"{live_server.url}/account/reset/")
            _shot(page, f"password-reset-{tag}")
            page.goto(f"{live_server.url}/regulator/")
            _shot(page, f"login-{tag}")  # not logged in: the login page

            context.add_cookies([{**session, "url": live_server.url}])
            page.goto(f"{live_server.url}/regulator/")
            assert page.locator("#market-summary").is_visible()
            first = page.locator("tbody tr[data-symbol]").first.get_attribute("data-symbol")
            assert first == "SHRT"  # worst first
            _shot(page, f"regulator-overview-{tag}")
            page.goto(f"{live_server.url}/regulator/coins/SHRT/")
            assert _smallest_chart_text(page) >= 11
            _shot(page, f"regulator-coin-{tag}")
            page.goto(f"{live_server.url}/attestations/{attestation_pk}/")
            assert page.locator("#outcome-verdict").is_visible()
            _shot(page, f"attestation-{tag}")
            page.goto(f"{live_server.url}/attestations/review/")
            _shot(page, f"review-queue-{tag}")
            page.goto(f"{live_server.url}/regulator/queues/")
            _shot(page, f"open-flags-{tag}")

            context.clear_cookies()
            context.add_cookies([{**issuer_session, "url": live_server.url}])
            page.goto(f"{live_server.url}/attestations/new/")
            assert page.locator("label .required-mark").count() >= 4  # required fields are marked
            assert page.locator("h1").inner_text() == ("新儲備核證報告" if zh else "New reserve attestation")
            _shot(page, f"issuer-form-{tag}")
            context.close()

    # The switcher changes the language whatever the browser says.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/coins/GOOD/")
    page.click('#language-switcher button[value="zh-hant"]')
    page.wait_for_url("**/coins/GOOD/")
    assert page.locator("#verdict").inner_text() == "十足支持"
    assert "香港時間" in page.locator("#as-of").inner_text()
    page.click('#zone-switcher button[value="UTC"]')
    page.wait_for_url("**/coins/GOOD/")
    assert "UTC" in page.locator("#as-of").inner_text()
    context.close()
