"""Real-world token quirks read through the real services on anvil: the outstanding figure is right.

Each test builds the quirk with our own contracts (chain/devchain.py), registers the deployment,
reads it with ``supply_read_coin`` and checks ``supply_report``: the same path as readsupply.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from chain.models import ReadingSource
from chain.quirks import QuirkError
from chain.services import BlockRefused
from chain.supply import supply_read_coin, supply_report
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import (
    DEV_ACCOUNTS,
    deploy_legacy_token,
    deploy_stablecoin,
    head,
    mine,
    proxy_implementation,
    send,
    upgrade_proxy,
)

pytestmark = pytest.mark.django_db
OWNER, ALICE, BOB, TREASURY, LOCKBOX = DEV_ACCOUNTS[:5]
ADMIN = DEV_ACCOUNTS[9]
TRANSFER = "transfer(address,uint256)"


def read(stablecoin, **kwargs):
    return supply_report(stablecoin=stablecoin, readings=supply_read_coin(stablecoin=stablecoin, **kwargs))


def test_a_six_decimal_token_behind_a_proxy_reads_the_same_after_an_upgrade(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="HKD A", symbol="HKDA", decimals=6, owner=OWNER, proxied=True, admin=ADMIN)
    send(rpc, token, "mint(address,uint256)", [ALICE, 1_000_250_000], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [TREASURY, 200 * 10**6], sender=OWNER)
    hkda = coin()
    deployment(hkda, network(chain_snapshot), token, decimals=6, kind="proxy", deductions=[("treasury", TREASURY)])

    before = read(hkda)
    assert before["outstanding"] == "1000.250000"
    assert before["deducted"] == {"treasury": "200.000000"}
    [dep] = before["deployments"]
    assert dep["address_read"] == token  # read through the proxy, never at the implementation
    old_implementation = dep["implementation"]
    assert old_implementation == proxy_implementation(rpc, token)

    new_implementation = upgrade_proxy(rpc, token, admin=ADMIN)
    after = read(hkda)
    assert after["outstanding"] == before["outstanding"]
    [dep] = after["deployments"]
    assert dep["block_number"] > before["deployments"][0]["block_number"]
    assert dep["implementation"] == new_implementation != old_implementation


def test_the_legacy_token_is_followed_to_its_successor_only_from_the_deprecation_block(chain_snapshot):
    rpc = chain_snapshot.rpc
    usd = 10**6
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=1_000_000 * usd)
    send(rpc, legacy, TRANSFER, [ALICE, 300_000 * usd], sender=OWNER)  # returns nothing, like USDT
    # issue/redeem move totalSupply and the owner's (treasury) balance with no Transfer event.
    send(rpc, legacy, "issue(uint256)", [500_000 * usd], sender=OWNER)
    send(rpc, legacy, "redeem(uint256)", [100_000 * usd], sender=OWNER)
    lusd = coin("LUSD", "USD")
    dep = deployment(
        lusd, network(chain_snapshot), legacy, decimals=6, follow_successor=True, deductions=[("treasury", OWNER)]
    )
    report = read(lusd)
    assert report["total_supply"] == "1400000.000000"
    assert report["outstanding"] == "300000.000000"
    before_deprecation = head(rpc)

    successor = deploy_legacy_token(rpc, owner=OWNER, initial_supply=2_000_000 * usd)
    send(rpc, successor, TRANSFER, [BOB, 450_000 * usd], sender=OWNER)
    send(rpc, legacy, "deprecate(address)", [successor], sender=OWNER)

    now = read(lusd)
    assert now["outstanding"] == "450000.000000"
    [row] = now["deployments"]
    assert (row["address"], row["address_read"]) == (legacy, successor)
    source = ReadingSource.objects.get(reading__deployment=dep, reading__block_number=row["block_number"])
    assert source.address_read == successor

    # Pinned before the deprecation, the old contract itself is read, with its own figures.
    then = read(lusd, block_number=before_deprecation)
    assert then["outstanding"] == "300000.000000"
    assert then["deployments"][0]["address_read"] == legacy


def test_a_successor_that_is_itself_deprecated_is_refused_not_followed(chain_snapshot):
    rpc = chain_snapshot.rpc
    first = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10)
    second = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10)
    third = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10)
    send(rpc, second, "deprecate(address)", [third], sender=OWNER)
    send(rpc, first, "deprecate(address)", [second], sender=OWNER)
    lusd = coin("LUSD", "USD")
    net = network(chain_snapshot)
    deployment(lusd, net, first, decimals=6, follow_successor=True)
    with pytest.raises(QuirkError, match="itself deprecated"):
        supply_read_coin(stablecoin=lusd)
    net.refresh_from_db()
    assert net.consecutive_failures == 1 and "itself deprecated" in net.last_error


def test_the_same_coin_with_18_and_6_decimals_on_two_chains_sums_in_whole_tokens(chain_snapshot, chain_b_snapshot):
    token_a = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=18, owner=OWNER, proxied=False)
    token_b = deploy_stablecoin(chain_b_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    send(chain_snapshot.rpc, token_a, "mint(address,uint256)", [ALICE, 1_500_000_000_000_000_001], sender=OWNER)
    send(chain_b_snapshot.rpc, token_b, "mint(address,uint256)", [ALICE, 2_250_000], sender=OWNER)
    usdx = coin("USDX", "USD")
    deployment(usdx, network(chain_snapshot), token_a, decimals=18)
    deployment(usdx, network(chain_b_snapshot, name="other"), token_b, decimals=6)
    report = read(usdx)
    assert Decimal(report["outstanding"]) == Decimal("3.750000000000000001")
    assert [(d["chain_id"], d["outstanding"]) for d in report["deployments"]] == [
        (31337, "1.500000000000000001"),
        (31338, "2.250000"),
    ]
    for d in report["deployments"]:
        assert len(d["block_hash"]) == 66 and d["block_number"] >= 0


def test_a_bridged_deployment_is_counted_once_through_the_lockbox_on_its_source(
    tmp_path, chain_snapshot, chain_b_snapshot
):
    from django.core.management import call_command

    usd = 10**6
    source = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    bridged = deploy_stablecoin(chain_b_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    send(chain_snapshot.rpc, source, "mint(address,uint256)", [ALICE, 1000 * usd], sender=OWNER)
    # Alice bridges 400: locked in the lock-box on chain A, minted to her on chain B.
    send(chain_snapshot.rpc, source, TRANSFER, [LOCKBOX, 400 * usd], sender=ALICE)
    send(chain_b_snapshot.rpc, bridged, "mint(address,uint256)", [ALICE, 400 * usd], sender=OWNER)
    path = tmp_path / "registry.yaml"
    path.write_text(
        f"""
networks:
  - {{name: local, chain_id: 31337, rpc_urls: ["{chain_snapshot.url}"], finality: confirmations, confirmations: 0}}
  - {{name: other, chain_id: 31338, rpc_urls: ["{chain_b_snapshot.url}"], finality: confirmations, confirmations: 0}}
stablecoins:
  - symbol: USDX
    name: Example Dollar
    issuer: Example Dollar Inc
    currency: USD
    par_value: "1"
    deployments:
      - {{network: local, address: "{source}"}}
      - {{network: other, address: "{bridged}", kind: bridged, bridged_from: {{network: local, lockbox: "{LOCKBOX}"}}}}
"""
    )
    call_command("loadregistry", str(path))
    from attest.models import Stablecoin

    report = read(Stablecoin.objects.get(symbol="USDX"))
    assert report["total_supply"] == "1400.000000"  # 1000 on A + 400 on B exist on chain...
    assert report["outstanding"] == "1000.000000"  # ...but only 1000 are outstanding
    assert report["deducted"] == {"bridge_lockbox": "400.000000"}


def test_reading_at_an_unfinalised_block_is_refused(chain_snapshot):
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    usdx = coin("USDX", "USD")
    net = network(chain_snapshot, confirmations=5)
    deployment(usdx, net, token, decimals=6)
    mine(chain_snapshot.rpc, 1)
    with pytest.raises(BlockRefused, match="not final yet"):
        supply_read_coin(stablecoin=usdx, block_number=head(chain_snapshot.rpc))
    net.refresh_from_db()
    assert net.consecutive_failures == 0  # the request's fault, not the network's


def test_a_deployment_registered_as_a_proxy_without_an_implementation_is_refused(chain_snapshot):
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    usdx = coin("USDX", "USD")
    deployment(usdx, network(chain_snapshot), token, decimals=6, kind="proxy")
    with pytest.raises(QuirkError, match="no known proxy slot is set"):
        supply_read_coin(stablecoin=usdx)


def test_a_successor_with_other_decimals_than_registered_is_refused(chain_snapshot):
    rpc = chain_snapshot.rpc
    legacy = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10**6, decimals=6)
    successor = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10**18, decimals=18)
    send(rpc, legacy, "deprecate(address)", [successor], sender=OWNER)
    lusd = coin("LUSD", "USD")
    deployment(lusd, network(chain_snapshot), legacy, decimals=6, follow_successor=True)
    with pytest.raises(QuirkError, match="does not have the registered 6 decimals"):
        supply_read_coin(stablecoin=lusd)
