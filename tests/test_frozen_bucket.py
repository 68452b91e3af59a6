"""Frozen balances are their own bucket, read and reported apart, and kept outstanding under every licence."""

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


def test_the_frozen_bucket_is_read_apart_and_stays_outstanding_under_hk_and_us(chain_snapshot):
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
    # Frozen tokens stay outstanding (and backed) under every licence (issue 17 point 8): the AICPA's
    # deduction is a reporting convention, and neither the HKMA nor the GENIUS Act makes an exception.
    assert runs["HK"].outstanding == runs["US_GENIUS"].outstanding == Decimal(900)
    assert runs["US_GENIUS"].outputs["kept_outstanding"] == {"frozen": "200.000000000000000000"}
