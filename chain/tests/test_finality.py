"""Which block is final: the node's ``finalized`` tag where it has one, head - confirmations where not.

anvil answers ``finalized`` with head - 2 x slots-per-epoch: 64 blocks behind at its default of 32 slots,
2 behind as devtools.devchain starts it (one slot per epoch).
"""

from __future__ import annotations

import pytest

from chain.blocks import finalised_head
from chain.reorg import reorg_check_network
from chain.services import supply_read_network
from chain.tests.faulty import FaultyRpc
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]


def test_anvil_finalizes_two_epochs_behind_head():
    with Anvil(chain_id=31390, extra_args=["--slots-in-an-epoch", "32"]) as node:
        mine(node.rpc, 70)
        assert finalised_head(node.rpc, 5, tag=True).number == 70 - 64
        assert finalised_head(node.rpc, 5).number == 70 - 5


def test_reads_pin_the_finalized_block_and_fall_back_to_confirmations_without_the_tag(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="F", symbol="FIN", decimals=6, owner=OWNER, proxied=False)
    send(rpc, token, "mint(address,uint256)", [ALICE, 10**6], sender=OWNER)
    mine(rpc, 6)
    net = network(chain_snapshot, finality="finalized", confirmations=5)
    deployment(coin("FIN", "USD"), net, token, decimals=6)
    [reading] = supply_read_network(network=net)
    assert reading.block_number == head(rpc) - 2  # the node's finalized block, not head - 5

    reorg_check_network(network=net)
    reading.refresh_from_db()
    assert reading.status == "confirmed"  # at the finalized block: settled

    no_tag = FaultyRpc(chain_snapshot.url, "no_finalized")
    try:
        net.rpc_urls = [no_tag.url]
        net.save(update_fields=["rpc_urls"])
        mine(rpc, 1)
        [fallback] = supply_read_network(network=net)
        assert fallback.block_number == head(rpc) - 5  # no finalized block to be had: head - confirmations
        reorg_check_network(network=net)
        fallback.refresh_from_db()
        assert fallback.status == "confirmed"
    finally:
        no_tag.close()
