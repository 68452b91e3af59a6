"""End to end on real parts: the issuer's form POST, a real Celery worker, anvil, PostgreSQL, the API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from chain.blocks import block_by_number
from chain.outstanding import outstanding_of, reading_json
from devtools.demo import DEMO_PASSWORDS, demo_seed
from devtools.devchain import mine
from reserves.models import ReconciliationRun

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _wait_for(client: Client, url: str, predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = client.get(url).json()
        if predicate(body):
            return body
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting on {url}; last answer: {body}")


def test_it_flags_an_under_collateralised_coin_from_form_to_api(anvil, chain_snapshot, celery_worker_process):
    demo_seed(rpc_url=anvil.url)
    # The seeded HKDA attestation went through the worker too: it comes out fully backed.
    public = Client()
    hkda = _wait_for(public, "/api/v1/stablecoins/HKDA/", lambda b: b["status"] == "backed")
    assert hkda["open_flags"] == []
    assert hkda["outstanding"]["amount"] == "10000000.000000000000000000"

    issuer = Client()
    assert issuer.login(username="issuer", password=DEMO_PASSWORDS["issuer"])
    as_of = datetime.now(UTC).replace(microsecond=0)
    form = {
        "stablecoin": _coin_id("USDX"),
        "report_type": "attestation",
        "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%S"),
        "as_of_timezone": "UTC",
        # USDX holds a GENIUS licence: its reports carry the CEO's and CFO's certification.
        "ceo_name": "Ada Chief",
        "ceo_certified_at": as_of.strftime("%Y-%m-%dT%H:%M:%S"),
        "cfo_name": "Bo Money",
        "cfo_certified_at": as_of.strftime("%Y-%m-%dT%H:%M:%S"),
        # An examination with reasonable assurance and a clean opinion (GENIUS R25).
        "engagement_type": "examination",
        "assurance_level": "reasonable",
        "opinion": "unmodified",
        "action": "submit",
        "holdings-TOTAL_FORMS": "3",
        "holdings-INITIAL_FORMS": "0",
        "holdings-MIN_NUM_FORMS": "1",
        "holdings-MAX_NUM_FORMS": "500",
        "holdings-0-asset_class": "demand_deposit",
        "holdings-0-custodian": "First Example Bank",
        "holdings-0-currency": "USD",
        "holdings-0-market_value": "1800000.00",
        "holdings-1-asset_class": "tbill",
        "holdings-1-custodian": "Example Custody",
        "holdings-1-currency": "usd",
        "holdings-1-market_value": "3000000.00",
        # A bill without its maturity date could not be verified against the 93-day cap: it would not count.
        "holdings-1-maturity_date": (as_of + timedelta(days=60)).strftime("%Y-%m-%d"),
        "holdings-2-asset_class": "",
        "holdings-2-custodian": "",
        "holdings-2-currency": "",
        "holdings-2-market_value": "",
    }
    response = issuer.post("/attestations/new/", form)
    assert response.status_code == 302, (
        response.context["form"].errors,
        response.context["holdings"].errors,
        response.context["holdings"].non_form_errors(),
    )

    usdx = _wait_for(public, "/api/v1/stablecoins/USDX/", lambda b: b["open_flags"])
    assert usdx["status"] == "under_collateralised"
    assert usdx["reserves"]["amount"] == "4800000.000000000000000000"
    assert usdx["outstanding"]["amount"] == "5000000.000000000000000000"  # 6m minted, 1m in the treasury
    assert usdx["backing_ratio"] == "0.960000000000"
    assert usdx["backing_ratio_display"] == "0.9600"
    assert usdx["headroom"] == "-200000.000000000000000000"
    # R1 critical. R12 (proposed): 62.5 % of the reserves sit with one custodian (all assets count), which
    # the run reports but which opens no flag, as USDX's licence does not opt into proposed rules.
    [flag] = usdx["open_flags"]
    assert (flag["rule"], flag["severity"], flag["status"]) == ("R1", "critical", "open")
    run = ReconciliationRun.objects.filter(stablecoin__symbol="USDX").latest("pk")
    concentration = {r["rule"]: r for r in run.results}["R12"]
    assert [concentration[k] for k in ("outcome", "severity", "status")] == ["fail", "high", "proposed"]
    [block] = usdx["outstanding"]["blocks"]
    assert block["chain_id"] == 31337
    # The block it was measured at is a real block of this chain, with that hash, at or before the as-of time.
    assert block_by_number(anvil.rpc, block["block_number"]).hash == block["block_hash"]
    assert datetime.fromisoformat(block["block_time"].replace("Z", "+00:00")) <= as_of

    listed = {c["symbol"]: c for c in public.get("/api/v1/stablecoins/").json()}
    assert listed["USDX"]["open_flags"][0]["rule"] == "R1"

    regulator = Client()
    assert regulator.login(username="regulator", password=DEMO_PASSWORDS["regulator"])
    page = regulator.get("/regulator/").content.decode()
    assert "USDX" in page and "Under" in page and "R1 critical" in page
    assert f"block {block['block_number']}" in page
    _wait_for_runs(trigger="attestation")


def _wait_for_runs(*, trigger: str, timeout: float = 30.0) -> None:
    """Let the worker finish every coin's run, so the test's database flush never races its writes."""
    from attest.models import Stablecoin
    from reserves.models import ReconciliationRun

    deadline = time.monotonic() + timeout
    while ReconciliationRun.objects.filter(trigger=trigger).values("stablecoin").distinct().count() < (
        Stablecoin.objects.count()
    ):
        assert time.monotonic() < deadline, f"not every coin got a {trigger} run"
        time.sleep(0.25)
    _settle()


def _wait_for_publications(timeout: float = 30.0) -> None:
    """Every coin has a published answer (a supply run may reuse an identical earlier run, but it publishes)."""
    from attest.models import Stablecoin
    from reserves.models import PublicationHead

    deadline = time.monotonic() + timeout
    while PublicationHead.objects.values("stablecoin").distinct().count() < Stablecoin.objects.count():
        assert time.monotonic() < deadline, "not every coin got a publication"
        time.sleep(0.25)
    _settle()


def _settle(timeout: float = 30.0) -> None:
    """Wait until the worker has nothing queued and has stopped writing for a second.

    A reconciliation writes after its run is visible (publications, then the coin's prepared
    answer), so seeing the run or the publication is not enough: the test's database flush would
    race those last writes (a TRUNCATE deadlocks against them).
    """
    import os

    import redis
    from django.conf import settings

    from reserves.models import CoinDocument, Publication, ReconciliationRun

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    queue = os.environ["CELERY_QUEUE"]

    def state() -> tuple[int, int, list[str]]:
        digests = list(CoinDocument.objects.order_by("pk").values_list("digest", flat=True))
        return ReconciliationRun.objects.count(), Publication.objects.count(), digests

    deadline = time.monotonic() + timeout
    before = state()
    while True:
        time.sleep(1.0)
        now = state()
        if now == before and broker.llen(queue) == 0:
            return
        assert time.monotonic() < deadline, "the worker did not settle"
        before = now


def _coin_id(symbol: str) -> int:
    from attest.models import Stablecoin

    return Stablecoin.objects.get(symbol=symbol).pk


def test_the_scheduled_read_stores_supply_pinned_below_head(anvil, chain_snapshot, celery_worker_process):
    from chain.models import SupplyReading
    from jobs.tasks import read_all_networks_task

    demo_seed(rpc_url=anvil.url)
    mine(anvil.rpc, 3)
    read_all_networks_task.delay()
    deadline = time.monotonic() + 30
    while not SupplyReading.objects.filter(deployment__stablecoin__symbol="USDX").exists():
        assert time.monotonic() < deadline, "no reading arrived"
        time.sleep(0.25)
    _wait_for_publications()
    reading = SupplyReading.objects.filter(deployment__stablecoin__symbol="USDX").first()
    assert reading is not None
    head = int(anvil.rpc.call("eth_blockNumber"), 16)
    assert reading.block_number <= head - 2
    assert reading.total_supply == 6_000_000 * 10**6
    figures = outstanding_of([reading_json(reading)])
    assert figures is not None and figures.outstanding == 5_000_000
