"""Frozen balances are their own bucket: kept outstanding under Hong Kong's profile, deducted under the US one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from attest.models import Licence
from chain.supply import supply_read_coin, supply_report
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, send
from reserves.services import stablecoin_reconcile

pytestmark = pytest.mark.django_db
OWNER, ALICE, MALLORY, TREASURY = DEV_ACCOUNTS[:4]


def test_the_same_readings_give_hk_and_us_outstanding_that_differ_by_the_frozen_balance(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="HKD", symbol="HKDA", decimals=6, owner=OWNER, proxied=True)
    send(rpc, token, "mint(address,uint256)", [ALICE, 700 * 10**6], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [MALLORY, 200 * 10**6], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [TREASURY, 100 * 10**6], sender=OWNER)
    send(rpc, token, "blacklist(address)", [MALLORY], sender=OWNER)  # frozen, still in totalSupply
    hkda = coin()
    for profile in ("HK", "US_GENIUS"):
        Licence.objects.create(stablecoin=hkda, profile=profile, licence_id=f"{profile}-1")
    deployment(
        hkda,
        network(chain_snapshot),
        token,
        decimals=6,
        kind="proxy",
        deductions=[("treasury", TREASURY), ("frozen", MALLORY)],
    )
    [reading] = supply_read_coin(stablecoin=hkda)
    buckets = {b["bucket"]: b["raw"] for b in reading.balances}
    assert buckets == {"treasury": str(100 * 10**6), "frozen": str(200 * 10**6)}
    assert supply_report(stablecoin=hkda, readings=[reading])["deducted"] == {
        "frozen": "200.000000",
        "treasury": "100.000000",
    }

    runs = {run.profile: run for run in stablecoin_reconcile(stablecoin=hkda, trigger="test")}
    assert runs["HK"].inputs["readings"] == runs["US_GENIUS"].inputs["readings"]  # the very same readings
    assert runs["HK"].outstanding == Decimal(900)  # Hong Kong keeps frozen tokens outstanding (and backed)
    assert runs["US_GENIUS"].outstanding == Decimal(700)  # US practice deducts them
