"""Reorgs on a real anvil: evm_snapshot/evm_revert, then different blocks at the same heights."""

from __future__ import annotations

import pytest

from chain.crosscheck import ReadingDisagreement
from chain.ledger.checks import ledger_delta
from chain.ledger.index import ledger_index_network
from chain.models import LedgerCursor, LedgerEntry, ReadingStatus, SupplyReading
from chain.reorg import reorg_check_network
from chain.rpc import RpcTransportError, hex_int
from chain.services import readings_latest, supply_read_network
from devtools.devchain import DEV_ACCOUNTS, Anvil, call_uint, deploy_stablecoin, mine, revert, send, snapshot

pytestmark = pytest.mark.django_db

OWNER, ALICE, BOB = DEV_ACCOUNTS[:3]


def head(rpc) -> int:
    return hex_int(rpc.call("eth_blockNumber"))


def block_hash(rpc, number: int):
    return rpc.call("eth_getBlockByNumber", [hex(number), False])["hash"]


@pytest.fixture
def token(chain_snapshot, register):
    address = deploy_stablecoin(
        chain_snapshot.rpc, name="Reorg USD", symbol="RUSD", decimals=6, owner=OWNER, proxied=False
    )
    return register("RUSD", address)


def test_published_readings_skip_an_orphaned_newer_reading(chain_snapshot, network, token):
    rpc = chain_snapshot.rpc
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)
    mine(rpc, 2)
    [first] = supply_read_network(network=network, stablecoin=token.stablecoin)
    mine(rpc, 1)
    [second] = supply_read_network(network=network, stablecoin=token.stablecoin)
    SupplyReading.objects.filter(pk=second.pk).update(status=ReadingStatus.ORPHANED)

    assert [r.pk for r in readings_latest(stablecoin=token.stablecoin)] == [first.pk]


def test_rows_shallower_than_confirmations_stay_provisional_until_deep_enough(chain_snapshot, network, token):
    rpc = chain_snapshot.rpc
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)  # at head, depth 0
    ledger_index_network(network=network)
    mine(rpc, 2)
    [reading] = supply_read_network(network=network, stablecoin=token.stablecoin)  # at head - 2

    reorg_check_network(network=network)
    reading.refresh_from_db()
    assert reading.status == ReadingStatus.CONFIRMED
    assert LedgerEntry.objects.filter(deployment=token, confirmed=True).count() == 2  # now 2 deep

    send(rpc, token.address, "mint(address,uint256)", [ALICE, 6], sender=OWNER)
    ledger_index_network(network=network)
    reorg_check_network(network=network)
    assert LedgerEntry.objects.filter(deployment=token, confirmed=False).count() == 2
    mine(rpc, 2)
    reorg_check_network(network=network)
    assert not LedgerEntry.objects.filter(deployment=token, confirmed=False).exists()


def test_anvil_reorg_of_the_unconfirmed_tip_is_caught(chain_snapshot, network, token):
    rpc = chain_snapshot.rpc
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)
    ledger_index_network(network=network)
    rpc.call("anvil_reorg", [1, []])  # replace the last block with an empty one

    outcome = reorg_check_network(network=network)

    assert outcome.discarded_ledger_rows == 2
    ledger_index_network(network=network)
    assert ledger_delta(deployment=token, after_block=-1, through_block=head(rpc)) == 0
    assert call_uint(rpc, token.address, "totalSupply()", []) == 0


def test_a_reorg_rewinds_the_ledger_no_further_than_the_last_block_checked_at_depth(chain_snapshot, network, token):
    rpc = chain_snapshot.rpc
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)
    mine(rpc, 3)
    ledger_index_network(network=network)
    reorg_check_network(network=network)
    settled = LedgerCursor.objects.get(deployment=token)
    assert settled.final_block == head(rpc) - network.confirmations
    assert settled.final_hash == block_hash(rpc, settled.final_block)

    fork = snapshot(rpc)
    mine(rpc, 1)
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 100], sender=OWNER)
    ledger_index_network(network=network)
    revert(rpc, fork)
    send(rpc, token.address, "mint(address,uint256)", [BOB, 7], sender=OWNER)
    mine(rpc, 3)

    outcome = reorg_check_network(network=network)

    assert outcome.rewound_to == settled.final_block
    assert LedgerCursor.objects.get(deployment=token).block_number == settled.final_block
    ledger_index_network(network=network)
    assert [e.delta for e in LedgerEntry.objects.filter(deployment=token, counted=True)] == [5, 7]


def test_a_node_that_lacks_a_block_is_behind_until_its_chain_grows_past_with_other_blocks(
    chain_snapshot, network, token
):
    rpc = chain_snapshot.rpc
    fork = snapshot(rpc)
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 100], sender=OWNER)
    mine(rpc, 4)
    [reading] = supply_read_network(network=network, stablecoin=token.stablecoin)
    ledger_index_network(network=network)
    revert(rpc, fork)  # back to fewer blocks than the reading's height
    assert head(rpc) < reading.block_number

    # A node without the block may just be behind (a lagging fail-over URL): no evidence of a reorg.
    with pytest.raises(RpcTransportError, match="is behind"):
        reorg_check_network(network=network)
    reading.refresh_from_db()
    assert reading.status != ReadingStatus.ORPHANED

    mine(rpc, 6)  # the new history passes the reading's height, with other blocks
    outcome = reorg_check_network(network=network)

    reading.refresh_from_db()
    assert reading.status == ReadingStatus.ORPHANED
    assert outcome.discarded_ledger_rows == 2
    assert LedgerCursor.objects.get(deployment=token).block_number <= head(rpc)
    assert all(r.block_hash == block_hash(rpc, r.block_number) for r in readings_latest(stablecoin=token.stablecoin))


def test_a_reorg_only_one_of_two_nodes_reports_changes_nothing(chain_snapshot, network, token):
    """Two real nodes: the primary replaces its tip, the other (an anvil forked from it at that tip)
    keeps it. One node's word neither orphans nor confirms: the check is refused and every row stays.
    With the primary alone vouching, the reorg is applied."""
    rpc = chain_snapshot.rpc
    send(rpc, token.address, "mint(address,uint256)", [ALICE, 5], sender=OWNER)
    ledger_index_network(network=network)
    tip = head(rpc)
    fork = ["--fork-url", chain_snapshot.url, "--fork-block-number", str(tip)]
    with Anvil(chain_id=chain_snapshot.chain_id, extra_args=fork) as other:
        assert block_hash(other.rpc, tip) == block_hash(rpc, tip)
        rpc.call("anvil_reorg", [1, []])  # the primary's tip is replaced; the other keeps the old one
        network.rpc_urls = [chain_snapshot.url, other.url]
        network.save(update_fields=["rpc_urls"])
        with pytest.raises(ReadingDisagreement, match=f"block {tip} is .* \\(1 block\\(s\\) differ\\)"):
            reorg_check_network(network=network)
    assert LedgerEntry.objects.filter(deployment=token).count() == 2

    network.rpc_urls = [chain_snapshot.url]
    network.save(update_fields=["rpc_urls"])
    assert reorg_check_network(network=network).discarded_ledger_rows == 2
