"""A real browser: the issuer files an attestation with two holding rows and a PDF; the regulator accepts it."""

import os
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, Issuer, Licence, Stablecoin
from attest.tests.conftest import PASSWORD, PDF, _user

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run beside one unless told.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _page(browser):
    """A page in a context of its own, so each persona has its own cookies."""
    context = browser.new_context()
    context.set_default_timeout(30_000)  # generous: the machine may be busy with other test runs
    return context.new_page()


def _log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_issuer_files_and_regulator_accepts_in_a_browser(live_server, browser, tmp_path):
    from attest.models import Role

    issuer = Issuer.objects.create(name="Gamma Ltd")
    coin = Stablecoin.objects.create(issuer=issuer, symbol="GAMMA", name="Gamma HKD", currency="HKD")
    Licence.objects.create(stablecoin=coin, profile="HK", licence_id="HK-9")
    _user("issuer_alice", Role.ISSUER, issuer=issuer)
    _user("regulator_bob", Role.REGULATOR)
    ARTIFACTS.mkdir(exist_ok=True)
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)
    base = live_server.url

    page = _page(browser)
    _log_in(page, base, "issuer_alice")
    page.goto(f"{base}/attestations/new/")
    as_of = (timezone.now() - timedelta(hours=1)).astimezone(ZoneInfo("Asia/Hong_Kong"))
    page.fill("#id_as_of", as_of.strftime("%Y-%m-%dT%H:%M:%S"))
    page.fill("#id_as_of_timezone", "Asia/Hong_Kong")
    page.fill("#id_assurer_name", "Count & Co")
    page.fill("#id_stated_total_reserves", "1000000.00")
    page.click("#add-holding")  # one blank row is there already; now two
    for index, (kind, custodian, value) in enumerate(
        [("demand_deposit", "Harbour Bank", "600000.00"), ("tbill", "HK Depository", "400000.00")]
    ):
        page.select_option(f"[name=holdings-{index}-asset_class]", kind)
        page.fill(f"[name=holdings-{index}-custodian]", custodian)
        page.fill(f"[name=holdings-{index}-currency]", "hkd")
        page.fill(f"[name=holdings-{index}-market_value]", value)
    page.click("#add-holding")
    page.locator("#holdings-rows .remove-row").last.click()  # added and removed again: the formset renumbers
    page.fill("[name=figures-0-chain_id]", "1")
    page.fill("[name=figures-0-outstanding]", "990000")
    page.set_input_files("#id_document", str(report))
    page.screenshot(path=str(ARTIFACTS / "1-issuer-form.png"), full_page=True)
    page.click("button[value=submit]")
    page.wait_for_selector("#status")
    page.screenshot(path=str(ARTIFACTS / "2-issuer-submitted.png"), full_page=True)
    attestation = Attestation.objects.get()
    assert attestation.status == AttestationStatus.SUBMITTED
    assert attestation.holdings.count() == 2
    assert page.inner_text("#document-sha256") == attestation.document_sha256

    regulator = _page(browser)
    _log_in(regulator, base, "regulator_bob")
    regulator.goto(f"{base}/attestations/review/")
    regulator.click("text=GAMMA")
    regulator.fill("#comment", "Reconciles with the custodian statements.")
    regulator.click("#review-form button[value=accepted]")
    regulator.wait_for_selector("#status")
    regulator.screenshot(path=str(ARTIFACTS / "3-regulator-accepted.png"), full_page=True)
    assert regulator.inner_text("#status") == "Accepted"
    attestation.refresh_from_db()
    assert attestation.status == AttestationStatus.ACCEPTED
