"""Tokens laid out like the deployed stablecoins, read at past blocks and past times (issue 11, point 2).

Our own contracts reproduce each layout (contracts/src, devtools/layouts.py): USDC's FiatToken V1 ->
V2.2 behind FiatTokenProxy's zos slot, Tether's TetherToken with fees and deprecate(), Paxos V1 -> V2
with a separate SupplyControl, and EIP-1967 UUPS, beacon and EIP-1822 proxies. Each is registered,
read through the real services, and checked against the values we put on chain.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from chain.ledger.checks import ledger_findings_open, ledger_reconcile_network
from chain.ledger.index import ledger_index_network
from chain.models import LedgerCheck, LedgerEntry, SupplyReading
from chain.quirks import detect_proxies
from chain.reorg import reorg_check_network
from chain.services import supply_read_network
from chain.supply import supply_read_coin, supply_report
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, call_uint, deploy, head, mine, send, set_next_block_timestamp
from devtools.layouts import (
    PROXY_ADMIN,
    deploy_beacon_stablecoin,
    deploy_fiat_like,
    deploy_paxos_like,
    deploy_proxiable_stablecoin,
    deploy_tether_like,
    deploy_uups_stablecoin,
    upgrade_fiat_like_to_v2_2,
    upgrade_paxos_like_to_v2,
)

pytestmark = pytest.mark.django_db
OWNER, ALICE, BOB, TREASURY = DEV_ACCOUNTS[:4]
USD = 10**6


def read(stablecoin, **kwargs):
    return supply_report(stablecoin=stablecoin, readings=supply_read_coin(stablecoin=stablecoin, **kwargs))


def block_time(rpc, number: int) -> datetime:
    ts = int(rpc.call("eth_getBlockByNumber", [hex(number), False])["timestamp"], 16)
    return datetime.fromtimestamp(ts, tz=UTC)


def test_a_usdc_like_token_reads_right_at_past_blocks_and_times_from_v1_through_v2_2(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = deploy_fiat_like(rpc, owner=OWNER)
    send(rpc, token, "configureMinter(address,uint256)", [OWNER, 2_000 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [ALICE, 1_000 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [BOB, 50 * USD], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [OWNER, 200 * USD], sender=OWNER)
    send(rpc, token, "burn(uint256)", [100 * USD], sender=OWNER)  # Burn + Transfer(owner, 0x0)
    send(rpc, token, "blacklist(address)", [BOB], sender=OWNER)
    mine(rpc, 1, interval=60)
    v1_block = head(rpc)
    [found] = detect_proxies(rpc, [token]).values()
    assert found is not None and found.layout == "zeppelinos"
    v1 = found.implementation
    mine(rpc, 1, interval=60)

    v2 = upgrade_fiat_like_to_v2_2(rpc, token, blacklisted=[BOB], rescuer=OWNER)
    assert call_uint(rpc, token, "isBlacklisted(address)", [BOB]) == 1  # migrated into the packed word
    send(rpc, token, "mint(address,uint256)", [ALICE, 500 * USD], sender=OWNER)  # allowance 2000 - 1250 left
    usdc = coin("USDCL", "USD")
    dep = deployment(
        usdc, network(chain_snapshot), token, decimals=6, proxy_layout="zeppelinos",
        deductions=[("treasury", OWNER), ("frozen", BOB)],
    )  # fmt: skip

    now = read(usdc)
    assert (now["total_supply"], now["outstanding"]) == ("1650.000000", "1500.000000")
    assert now["deducted"] == {"frozen": "50.000000", "treasury": "100.000000"}
    assert now["deployments"][0]["implementation"] == v2

    at_block = read(usdc, block_number=v1_block)
    at_time = read(usdc, at=block_time(rpc, v1_block))
    for past in (at_block, at_time):
        [d] = past["deployments"]
        assert (d["block_number"], d["implementation"], d["address_read"]) == (v1_block, v1, token)
        assert (past["total_supply"], past["outstanding"]) == ("1150.000000", "1000.000000")
    assert set(SupplyReading.objects.filter(deployment=dep).values_list("implementation", flat=True)) == {v1, v2}


def test_a_tether_like_token_is_read_and_ledgered_through_fees_blacklist_and_deprecation(chain_snapshot):
    rpc = chain_snapshot.rpc
    legacy = deploy_tether_like(rpc, owner=OWNER, initial_supply=1_000 * USD)
    net = network(chain_snapshot, confirmations=1)
    usdt = coin("USDTL", "USD")
    dep = deployment(usdt, net, legacy, decimals=6, follow_successor=True, deductions=[("treasury", OWNER)])

    def settle() -> None:
        mine(rpc, 2)
        supply_read_network(network=net, stablecoin=usdt)
        mine(rpc, 2)
        ledger_index_network(network=net)
        reorg_check_network(network=net)
        ledger_reconcile_network(network=net)

    settle()
    send(rpc, legacy, "setParams(uint256,uint256)", [10, 5 * USD], sender=OWNER)
    send(rpc, legacy, "transfer(address,uint256)", [ALICE, 300 * USD], sender=OWNER)  # fee back to the owner
    send(rpc, legacy, "issue(uint256)", [400 * USD], sender=OWNER)  # Issue, no Transfer
    send(rpc, legacy, "transfer(address,uint256)", [BOB, 100 * USD], sender=OWNER)
    send(rpc, legacy, "addBlackList(address)", [BOB], sender=OWNER)
    send(rpc, legacy, "destroyBlackFunds(address)", [BOB], sender=OWNER)  # DestroyedBlackFunds, nothing indexed
    settle()
    assert read(usdt)["total_supply"] == "1300.100000"  # Bob had 99.9 after the 0.1 fee
    assert call_uint(rpc, legacy, "balanceOf(address)", [ALICE]) == 300 * USD - 300_000  # 10 bp fee

    successor = deploy_tether_like(rpc, owner=OWNER, initial_supply=1_500 * USD)  # not what the old one had
    set_next_block_timestamp(rpc, int(block_time(rpc, head(rpc)).timestamp()) + 100)  # a time of its own
    send(rpc, legacy, "deprecate(address)", [successor], sender=OWNER)
    deprecated_at = head(rpc)
    send(rpc, successor, "issue(uint256)", [700 * USD], sender=OWNER)
    settle()
    send(rpc, successor, "redeem(uint256)", [250 * USD], sender=OWNER)
    settle()

    after = read(usdt)
    assert (after["total_supply"], after["deployments"][0]["address_read"]) == ("1950.000000", successor)
    for past in (read(usdt, block_number=deprecated_at - 1), read(usdt, at=block_time(rpc, deprecated_at - 1))):
        assert (past["total_supply"], past["deployments"][0]["address_read"]) == ("1300.100000", legacy)
    at_switch = read(usdt, block_number=deprecated_at)
    assert (at_switch["total_supply"], at_switch["deployments"][0]["address_read"]) == ("1500.000000", successor)
    [switch] = LedgerEntry.objects.filter(deployment=dep, event="switch_to_successor")
    step = 1_500 * USD - 1_300_100_000  # what the successor holds beyond the old contract's supply
    assert (switch.block_number, switch.account.lower(), switch.delta) == (deprecated_at, successor.lower(), step)
    assert LedgerEntry.objects.filter(deployment=dep, event="issue", amount=700 * USD, counted=True).exists()
    assert LedgerEntry.objects.filter(deployment=dep, event="redeem", amount=250 * USD, counted=True).exists()
    checks = LedgerCheck.objects.filter(deployment=dep)
    assert checks.count() >= 3 and all(c.matched for c in checks)
    assert ledger_findings_open(stablecoin=usdt) == []


def test_a_paxos_like_token_reads_through_v1_and_v2_with_its_supply_control(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = deploy_paxos_like(rpc, owner=OWNER)
    send(rpc, token, "setAssetProtectionRole(address)", [OWNER], sender=OWNER)
    send(rpc, token, "increaseSupply(uint256)", [900 * USD], sender=OWNER)  # SupplyIncreased + Transfer
    send(rpc, token, "transfer(address,uint256)", [BOB, 40 * USD], sender=OWNER)
    send(rpc, token, "freeze(address)", [BOB], sender=OWNER)
    send(rpc, token, "wipeFrozenAddress(address)", [BOB], sender=OWNER)
    v1_block = head(rpc)
    control = upgrade_paxos_like_to_v2(rpc, token, owner=OWNER)
    send(rpc, token, "increaseSupplyToAddress(uint256,address)", [100 * USD, ALICE], sender=OWNER)
    found = {a: p for a, p in detect_proxies(rpc, [token, control]).items() if p is not None}
    assert (found[token].layout, found[control].layout) == ("zeppelinos", "eip1967")
    usdp = coin("USDPL", "USD")
    net = network(chain_snapshot)
    dep = deployment(usdp, net, token, decimals=6, kind="proxy", deductions=[("treasury", OWNER)])

    assert (read(usdp)["total_supply"], read(usdp)["outstanding"]) == ("960.000000", "100.000000")
    past = read(usdp, block_number=v1_block)
    assert past["total_supply"] == "860.000000"
    assert past["deployments"][0]["implementation"] != found[token].implementation

    ledger_index_network(network=net)
    counted = LedgerEntry.objects.filter(deployment=dep, counted=True)
    assert sum(e.delta for e in counted) == 960 * USD  # SupplyIncreased/Decreased beside Transfers count once
    assert LedgerEntry.objects.filter(deployment=dep, event="supply_decreased", counted=False).count() == 1


def test_uups_beacon_and_eip1822_proxies_are_detected_and_their_upgrades_recorded(chain_snapshot):
    rpc = chain_snapshot.rpc
    uups = deploy_uups_stablecoin(rpc, owner=OWNER)
    beaconed, beacon = deploy_beacon_stablecoin(rpc, owner=OWNER)
    proxiable = deploy_proxiable_stablecoin(rpc, owner=OWNER)
    for token, amount in ((uups, 11), (beaconed, 22), (proxiable, 33)):
        send(rpc, token, "mint(address,uint256)", [ALICE, amount * USD], sender=OWNER)
    found = {a: p for a, p in detect_proxies(rpc, [uups, beaconed, proxiable]).items() if p is not None}
    assert [found[t].layout for t in (uups, beaconed, proxiable)] == ["eip1967", "eip1967_beacon", "eip1822"]
    assert found[beaconed].beacon == beacon
    before = head(rpc)

    new_uups = deploy(rpc, "UupsStablecoin", [], [], sender=OWNER)
    send(rpc, uups, "upgradeToAndCall(address,bytes)", [new_uups, b""], sender=OWNER)
    new_logic = deploy(rpc, "AttestStablecoin", [], [], sender=OWNER)
    send(rpc, beacon, "upgradeTo(address)", [new_logic], sender=OWNER)
    new_proxiable = deploy(rpc, "ProxiableStablecoin", [], [], sender=OWNER)
    send(rpc, proxiable, "updateCodeAddress(address)", [new_proxiable], sender=OWNER)

    net = network(chain_snapshot)
    pusd = coin("PUSD", "USD")
    for token in (uups, beaconed, proxiable):
        deployment(pusd, net, token, decimals=6, proxy_layout=found[token].layout)
    now, past = read(pusd), read(pusd, block_number=before)
    assert now["total_supply"] == past["total_supply"] == "66.000000"
    implementations = {d["address"]: d["implementation"] for d in now["deployments"]}
    assert implementations == {uups: new_uups, beaconed: new_logic, proxiable: new_proxiable}
    assert {d["address"]: d["implementation"] for d in past["deployments"]} == {
        t: found[t].implementation for t in (uups, beaconed, proxiable)
    }
    assert PROXY_ADMIN not in implementations.values()
