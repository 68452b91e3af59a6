"""Reads of the past (an attestation's as-of block, ``readsupply --block``) and the network's health.

Health is how a network's latest figures stand: it makes a coin's figures "degraded". A past read that
succeeds must not clear a failing head read, and one that fails (a node that keeps no state that far
back, as most non-archive nodes) must not degrade current figures; it says what is missing instead.
"""

from __future__ import annotations

import pytest

from chain.health import failing_reads, network_read_failed
from chain.models import Network
from chain.rpc import RpcError
from chain.services import supply_read_network
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]


def _token(rpc) -> str:
    token = deploy_stablecoin(rpc, name="P", symbol="PAST", decimals=6, owner=OWNER, proxied=False)
    send(rpc, token, "mint(address,uint256)", [ALICE, 10**6], sender=OWNER)
    return token


def test_a_past_read_that_succeeds_leaves_a_failing_head_read_failing(chain_snapshot):
    rpc = chain_snapshot.rpc
    token = _token(rpc)
    past = head(rpc)
    mine(rpc, 3)
    net = network(chain_snapshot)
    usd = coin("PAST", "USD")
    deployment(usd, net, token, decimals=6)
    network_read_failed(network_id=net.pk, error="TargetsFailed: totalSupply() of ... failed")

    [reading] = supply_read_network(network=net, stablecoin=usd, block_number=past)
    assert (reading.block_number, reading.total_supply) == (past, 10**6)
    assert Network.objects.get(pk=net.pk).consecutive_failures == 1
    assert usd.pk in failing_reads(stablecoin_ids=[usd.pk])  # the coin's figures stay "degraded"

    supply_read_network(network=net, stablecoin=usd)
    assert Network.objects.get(pk=net.pk).consecutive_failures == 0


def test_a_node_without_past_state_says_so_and_current_figures_stay_healthy():
    # anvil keeping the state of its last 4 blocks only, as a full (not archive) node keeps about 128.
    with Anvil(chain_id=31352, extra_args=["--prune-history", "4"]) as node:
        token = _token(node.rpc)
        past = head(node.rpc)
        mine(node.rpc, 20)
        net = network(node)
        usd = coin("PAST", "USD")
        deployment(usd, net, token, decimals=6)
        [now] = supply_read_network(network=net, stablecoin=usd)
        assert now.total_supply == 10**6

        with pytest.raises(RpcError, match=r"needs a node that keeps its state \(an archive node\)"):
            supply_read_network(network=net, stablecoin=usd, block_number=past)
        net = Network.objects.get(pk=net.pk)
        assert (net.consecutive_failures, net.last_error) == (0, "")
        assert failing_reads(stablecoin_ids=[usd.pk]) == {}
