"""Supply read at a pinned block, found by time, on a real anvil."""

from __future__ import annotations

import pytest

from chain.blockcache import block_at_or_before
from chain.blocks import block_by_number, blocks_by_number, finalised_head
from chain.reader import Target, read_at_block
from chain.rpc import RpcError
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send, set_next_block_timestamp

OWNER, HOLDER, TREASURY = DEV_ACCOUNTS[0], DEV_ACCOUNTS[1], DEV_ACCOUNTS[3]


def test_it_finds_the_last_block_at_or_before_an_instant(anvil, chain_snapshot):
    start = block_by_number(anvil.rpc, int(anvil.rpc.call("eth_blockNumber"), 16)).timestamp + 1000
    numbers = []
    for i in range(6):
        set_next_block_timestamp(anvil.rpc, start + 100 * i)
        mine(anvil.rpc)
        numbers.append(int(anvil.rpc.call("eth_blockNumber"), 16))
    head = finalised_head(anvil.rpc, 0)

    def found(ts: int) -> int | None:
        block = block_at_or_before(anvil.rpc, ts, upper=head)
        return None if block is None else block.number

    assert found(start + 250) == numbers[2]
    assert found(start + 300) == numbers[3]
    assert found(start + 10_000) == numbers[-1]
    assert found(0) is None


def test_a_pinned_read_gives_that_blocks_figures_not_the_heads(anvil, chain_snapshot):
    token = deploy_stablecoin(anvil.rpc, name="Pin", symbol="PIN", decimals=6, owner=OWNER, proxied=True)
    send(anvil.rpc, token, "mint(address,uint256)", [HOLDER, 700], sender=OWNER)
    send(anvil.rpc, token, "mint(address,uint256)", [TREASURY, 300], sender=OWNER)
    then = finalised_head(anvil.rpc, 0)
    send(anvil.rpc, token, "mint(address,uint256)", [HOLDER, 5_000], sender=OWNER)
    mine(anvil.rpc, 2)
    target = Target(key=1, address=token, deductions=(("treasury", TREASURY),))
    [past] = read_at_block(anvil.rpc, [target], then)
    [now] = read_at_block(anvil.rpc, [target], finalised_head(anvil.rpc, 0))
    assert (past.total_supply, past.balances[0]["raw"]) == (1_000, "300")
    assert now.total_supply == 6_000
    assert past.block == then


def test_a_read_pinned_to_a_hash_the_chain_does_not_have_is_refused(anvil, chain_snapshot):
    token = deploy_stablecoin(anvil.rpc, name="Pin", symbol="PIN", decimals=6, owner=OWNER, proxied=False)
    real = finalised_head(anvil.rpc, 0)
    forged = type(real)(number=real.number, hash="0x" + "ab" * 32, timestamp=real.timestamp)
    with pytest.raises(RpcError):
        read_at_block(anvil.rpc, [Target(key=1, address=token)], forged)


def test_the_batched_search_agrees_with_every_header_on_an_uneven_chain(anvil, chain_snapshot):
    rpc = anvil.rpc
    for blocks, gap in ((300, 1), (5, 5000), (400, 13), (1, 90_000), (300, 2)):
        mine(rpc, blocks, interval=gap)
    head = finalised_head(rpc, 0)
    headers = blocks_by_number(rpc, list(range(head.number + 1)))
    for fanout in (3, 32):
        for probe in headers[:: max(1, len(headers) // 12)]:
            for ts in (probe.timestamp - 1, probe.timestamp, probe.timestamp + 1):
                expected = max((h for h in headers if h.timestamp <= ts), key=lambda h: h.number, default=None)
                assert block_at_or_before(rpc, ts, upper=head, fanout=fanout) == expected
