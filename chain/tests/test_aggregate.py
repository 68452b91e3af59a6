"""One aggregate3 eth_call reads a whole network; one failing target does not lose the others."""

from __future__ import annotations

import pytest

from chain import reader
from chain.blocks import finalised_head
from chain.models import Network, SupplyReading
from chain.reader import MULTICALL3, Target, read_at_block
from chain.rpc import RpcClient
from chain.services import TargetsFailed, supply_read_network
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, send

OWNER, ALICE, TREASURY = DEV_ACCOUNTS[0], DEV_ACCOUNTS[1], DEV_ACCOUNTS[3]


class CountingRpc(RpcClient):
    requests = 0

    def _post(self, payload):
        self.requests += 1
        return super()._post(payload)


def _tokens(rpc, count: int) -> list[Target]:
    targets = []
    for i in range(count):
        token = deploy_stablecoin(rpc, name="A", symbol="A", decimals=6, owner=OWNER, proxied=False)
        send(rpc, token, "mint(address,uint256)", [ALICE, 1000 + i], sender=OWNER)
        send(rpc, token, "mint(address,uint256)", [TREASURY, i + 1], sender=OWNER)
        targets.append(Target(key=i, address=token, deductions=(("treasury", TREASURY), ("test", ALICE))))
    return targets


def test_one_request_reads_every_value_and_a_chain_without_multicall3_gets_the_same_by_batches(
    chain_snapshot, monkeypatch
):
    monkeypatch.setattr(reader, "AGGREGATE_SIZE", 4)  # 9 values: 3 aggregate calls, still 1 request
    targets = _tokens(chain_snapshot.rpc, 3)
    block = finalised_head(chain_snapshot.rpc, 0)
    counting = CountingRpc([chain_snapshot.url])
    aggregated = read_at_block(counting, targets, block)
    assert counting.requests == 1
    assert [(r.total_supply, [b["raw"] for b in r.balances]) for r in aggregated] == [
        (1001 + 2 * i, [str(i + 1), str(1000 + i)]) for i in range(3)
    ]
    batched = read_at_block(chain_snapshot.rpc, targets, block, aggregate=False)
    assert [(r.total_supply, r.balances) for r in batched] == [(r.total_supply, r.balances) for r in aggregated]

    with Anvil(chain_id=31339, multicall=False) as bare:
        assert bare.rpc.call("eth_getCode", [MULTICALL3, "latest"]) == "0x"
        [target] = _tokens(bare.rpc, 1)
        [reading] = read_at_block(bare.rpc, [target], finalised_head(bare.rpc, 0))
        assert (reading.total_supply, reading.balances[1]["raw"]) == (1001, "1000")


@pytest.mark.django_db
def test_a_target_that_fails_is_reported_and_the_others_are_stored(chain_snapshot):
    rpc = chain_snapshot.rpc
    good = deploy_stablecoin(rpc, name="G", symbol="G", decimals=6, owner=OWNER, proxied=False)
    send(rpc, good, "mint(address,uint256)", [ALICE, 500], sender=OWNER)
    net = network(chain_snapshot)
    usdx = coin("USDX", "USD")
    kept = deployment(usdx, net, good, decimals=6)
    gone = deployment(usdx, net, DEV_ACCOUNTS[7], decimals=6)  # no contract there: totalSupply() answers nothing

    with pytest.raises(TargetsFailed, match=f"totalSupply\\(\\) of {DEV_ACCOUNTS[7]}") as failed:
        supply_read_network(network=net)
    [stored] = failed.value.readings
    assert (stored.deployment_id, int(stored.total_supply), stored.implementation) == (kept.pk, 500, good)
    assert not SupplyReading.objects.filter(deployment=gone).exists()
    assert Network.objects.get(pk=net.pk).consecutive_failures == 1  # the coin that failed is not passed off as read
