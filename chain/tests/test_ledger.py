"""The mint/burn ledger on a real anvil and PostgreSQL: what it counts, that it counts once, and its findings."""

from __future__ import annotations

import pytest

from chain.ledger.checks import ledger_delta, ledger_findings_open, ledger_reconcile_network
from chain.ledger.index import ledger_index_network
from chain.models import LedgerCheck, LedgerCursor, LedgerEntry, LedgerEvent, ReadingStatus, SupplyReading
from chain.reorg import reorg_check_network
from chain.rpc import hex_int
from chain.services import supply_read_network
from devtools.devchain import DEV_ACCOUNTS, call_uint, deploy_legacy_token, deploy_stablecoin, mine, send

pytestmark = pytest.mark.django_db

OWNER, ALICE, BOB = DEV_ACCOUNTS[:3]


def supply(rpc, token: str) -> int:
    return call_uint(rpc, token, "totalSupply()", [])


def events(deployment) -> list[tuple[str, int, bool]]:
    return [(e.event, e.delta, e.counted) for e in LedgerEntry.objects.filter(deployment=deployment)]


def test_it_counts_a_mint_and_its_transfer_from_zero_once(chain_snapshot, network, register):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="Ledger USD", symbol="LUSD", decimals=6, owner=OWNER, proxied=True)
    send(rpc, token, "mint(address,uint256)", [OWNER, 1000], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [ALICE, 100], sender=OWNER)
    send(rpc, token, "burn(uint256)", [30], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [BOB, 5], sender=ALICE)  # moves supply, changes none
    deployment = register("LUSD", token)

    ledger_index_network(network=network)

    assert events(deployment) == [
        ("mint", 1000, False),
        ("transfer_mint", 1000, True),
        ("mint", 100, False),
        ("transfer_mint", 100, True),
        ("burn", -30, False),
        ("transfer_burn", -30, True),
    ]
    head = hex_int(rpc.call("eth_blockNumber"))
    assert ledger_delta(deployment=deployment, after_block=-1, through_block=head) == supply(rpc, token) == 1070
    row = LedgerEntry.objects.filter(deployment=deployment, event="transfer_mint").first()
    assert row is not None and row.chain_id == 31337 and len(row.block_hash) == 66 and len(row.tx_hash) == 66
    assert row.account == ALICE.lower() or row.account == OWNER.lower()


def test_it_counts_tether_style_issue_redeem_and_destroyed_black_funds_without_transfer(
    chain_snapshot, network, register
):
    rpc = chain_snapshot.rpc
    initial = 1_000_000
    token = deploy_legacy_token(rpc, owner=OWNER, initial_supply=initial)
    send(rpc, token, "issue(uint256)", [500], sender=OWNER)
    send(rpc, token, "redeem(uint256)", [200], sender=OWNER)
    send(rpc, token, "transfer(address,uint256)", [BOB, 50], sender=OWNER)
    send(rpc, token, "addBlackList(address)", [BOB], sender=OWNER)
    send(rpc, token, "destroyBlackFunds(address)", [BOB], sender=OWNER)
    deployment = register("LEGY", token)

    ledger_index_network(network=network)

    assert events(deployment) == [("issue", 500, True), ("redeem", -200, True), ("destroyed_black_funds", -50, True)]
    assert LedgerEntry.objects.get(event=LedgerEvent.DESTROYED_BLACK_FUNDS).account == BOB.lower()
    head = hex_int(rpc.call("eth_blockNumber"))
    # The constructor's supply appears without any event: the ledger explains changes, not the genesis.
    assert ledger_delta(deployment=deployment, after_block=-1, through_block=head) == supply(rpc, token) - initial


def test_it_indexes_nothing_twice_and_only_new_blocks_on_the_next_run(chain_snapshot, network, register):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="Ledger USD", symbol="LUSD", decimals=6, owner=OWNER, proxied=False)
    send(rpc, token, "mint(address,uint256)", [ALICE, 7], sender=OWNER)
    deployment = register("LUSD", token)

    assert ledger_index_network(network=network) == 2
    assert ledger_index_network(network=network) == 0
    cursor = LedgerCursor.objects.get(deployment=deployment)
    head = hex_int(rpc.call("eth_blockNumber"))
    assert cursor.block_number == head
    assert cursor.block_hash == rpc.call("eth_getBlockByNumber", [hex(head), False])["hash"]

    send(rpc, token, "mint(address,uint256)", [BOB, 9], sender=OWNER)
    assert ledger_index_network(network=network) == 2
    assert LedgerEntry.objects.filter(deployment=deployment).count() == 4


def test_a_cursor_moved_back_by_hand_reindexes_without_duplicating_rows(chain_snapshot, network, register):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="Ledger USD", symbol="LUSD", decimals=6, owner=OWNER, proxied=False)
    send(rpc, token, "mint(address,uint256)", [ALICE, 7], sender=OWNER)
    deployment = register("LUSD", token)
    ledger_index_network(network=network)
    send(rpc, token, "mint(address,uint256)", [BOB, 9], sender=OWNER)
    LedgerCursor.objects.filter(deployment=deployment).update(block_number=-1, block_hash="")

    assert ledger_index_network(network=network) == 4  # offered again; the stored two are skipped

    assert [e.delta for e in LedgerEntry.objects.filter(deployment=deployment, counted=True)] == [7, 9]


def test_small_windows_index_the_same_rows_as_one_big_window(chain_snapshot, network, register):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="Ledger USD", symbol="LUSD", decimals=6, owner=OWNER, proxied=False)
    for amount in (1, 2, 3):
        send(rpc, token, "mint(address,uint256)", [ALICE, amount], sender=OWNER)
        mine(rpc, 2)
    deployment = register("LUSD", token)

    ledger_index_network(network=network, window=2)

    assert [e.delta for e in LedgerEntry.objects.filter(deployment=deployment, counted=True)] == [1, 2, 3]


def _read_and_confirm(network, rpc, coin) -> None:
    mine(rpc, network.confirmations)
    supply_read_network(network=network, stablecoin=coin)
    mine(rpc, network.confirmations)
    ledger_index_network(network=network)
    reorg_check_network(network=network)


def _total_supply_slot(rpc, token: str) -> int:
    total = supply(rpc, token)
    for slot in range(20):
        if hex_int(rpc.call("eth_getStorageAt", [token, hex(slot), "latest"])) == total:
            return slot
    raise AssertionError("no storage slot holds totalSupply")


def test_supply_changed_without_an_event_is_a_finding_and_a_matching_range_is_not(chain_snapshot, network, register):
    rpc = chain_snapshot.rpc
    token = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10**9)
    deployment = register("LEGY", token)
    coin = deployment.stablecoin
    _read_and_confirm(network, rpc, coin)
    send(rpc, token, "issue(uint256)", [500], sender=OWNER)
    send(rpc, token, "redeem(uint256)", [200], sender=OWNER)
    _read_and_confirm(network, rpc, coin)

    assert len(ledger_reconcile_network(network=network)) == 1
    check = LedgerCheck.objects.get()
    assert (check.matched, check.expected_delta, check.ledger_delta, check.entries) == (True, 300, 300, 2)
    assert ledger_findings_open(stablecoin=coin) == []

    # Supply grows by 12,345 with no event at all (storage written directly, as a buggy or hostile contract could).
    slot = _total_supply_slot(rpc, token)
    rpc.call("anvil_setStorageAt", [token, hex(slot), "0x" + f"{supply(rpc, token) + 12_345:064x}"])
    mine(rpc, 1)
    _read_and_confirm(network, rpc, coin)

    assert len(ledger_reconcile_network(network=network)) == 1
    assert len(ledger_reconcile_network(network=network)) == 0  # each pair is checked once
    [finding] = ledger_findings_open(stablecoin=coin)
    assert (finding.expected_delta, finding.ledger_delta) == (12_345, 0)
    assert finding.reading_from.status == finding.reading_to.status == ReadingStatus.CONFIRMED
    assert finding.reading_to.block_number > finding.reading_from.block_number
    # A finding resting on a reading whose block was orphaned is no finding about this chain.
    SupplyReading.objects.filter(pk=finding.reading_to_id).update(status=ReadingStatus.ORPHANED)
    assert ledger_findings_open(stablecoin=coin) == []
