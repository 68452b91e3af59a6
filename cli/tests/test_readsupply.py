"""manage.py readsupply: figures at a past instant are that block's, not the head's; block lookups are cached."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from chain.blockcache import block_at_or_before_cached
from chain.blocks import block_by_number, finalised_head
from chain.models import BlockHeader
from chain.rpc import RpcClient
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, head, mine, send, set_next_block_timestamp

pytestmark = pytest.mark.django_db
OWNER, ALICE, TREASURY = DEV_ACCOUNTS[:3]
MINT = "mint(address,uint256)"


def readsupply(*args: str) -> str:
    out = StringIO()
    call_command("readsupply", *args, stdout=out)
    return out.getvalue()


class CountingRpc(RpcClient):
    """The real client, counting the JSON-RPC calls it sends."""

    sent = 0

    def batch_answers(self, calls):
        self.sent += len(calls)
        return super().batch_answers(calls)


@pytest.fixture
def minted_then_later(chain_snapshot):
    """100 tokens minted at t0, 50 more an hour later; 20 blocks between; returns (t0, block of t0)."""
    rpc = chain_snapshot.rpc
    token = deploy_stablecoin(rpc, name="HKD", symbol="HKDA", decimals=6, owner=OWNER, proxied=False)
    t0 = int(rpc.call("eth_getBlockByNumber", ["latest", False])["timestamp"], 16) + 100
    set_next_block_timestamp(rpc, t0)
    send(rpc, token, MINT, [ALICE, 100 * 10**6], sender=OWNER)
    minted_at = head(rpc)
    mine(rpc, 20, interval=60)
    set_next_block_timestamp(rpc, t0 + 3600 + 100)
    send(rpc, token, MINT, [ALICE, 50 * 10**6], sender=OWNER)
    mine(rpc, 3, interval=12)
    hkda = coin()
    deployment(hkda, network(chain_snapshot, confirmations=2), token, decimals=6, deductions=[("treasury", TREASURY)])
    return t0, minted_at


def test_readsupply_at_a_past_instant_gives_that_blocks_figures_not_the_heads(chain_snapshot, minted_then_later):
    t0, minted_at = minted_then_later
    at = datetime.fromtimestamp(t0 + 30, tz=UTC).isoformat()
    report = json.loads(readsupply("HKDA", "--at", at, "--json"))
    assert report["outstanding"] == "100.000000"
    [dep] = report["deployments"]
    assert dep["chain_id"] == 31337
    assert dep["block_number"] == minted_at
    assert dep["block_hash"] == block_by_number(chain_snapshot.rpc, minted_at).hash
    assert dep["deductions"] == [
        {"bucket": "treasury", "address": TREASURY, "amount": "0.000000", "note": "test treasury"}
    ]

    now = json.loads(readsupply("HKDA", "--json"))
    assert now["outstanding"] == "150.000000"
    assert now["deployments"][0]["block_number"] == head(chain_snapshot.rpc) - 2


def test_readsupply_prints_provenance_and_reads_a_named_block(chain_snapshot, minted_then_later):
    _t0, minted_at = minted_then_later
    text = readsupply("hkda", "--block", str(minted_at - 1))
    assert text.startswith("HKDA outstanding 0.000000 (total supply 0.000000)")
    assert f"at block {minted_at - 1} 0x" in text
    with pytest.raises(CommandError, match="not an ISO-8601 time"):
        readsupply("HKDA", "--at", "yesterday")
    with pytest.raises(CommandError, match="no stablecoin"):
        readsupply("NOPE")


def test_a_repeated_block_lookup_is_answered_from_the_shared_cache_in_one_round_trip(chain_snapshot, minted_then_later):
    t0, minted_at = minted_then_later
    cold = CountingRpc([chain_snapshot.url])
    upper = finalised_head(cold, 2)
    cold.sent = 0
    found = block_at_or_before_cached(rpc=cold, chain_id=31337, timestamp=t0 + 30, upper=upper)
    assert found is not None and found.number == minted_at
    assert cold.sent >= 5  # a search over the chain
    assert BlockHeader.objects.filter(chain_id=31337, number__in=[minted_at, minted_at + 1]).count() == 2

    warm = CountingRpc([chain_snapshot.url])
    again = block_at_or_before_cached(rpc=warm, chain_id=31337, timestamp=t0 + 45, upper=upper)
    assert again == found
    assert warm.sent == 2  # one round trip: the cached bracket, found and found + 1, fetched again


def test_a_cache_that_disagrees_with_the_chain_is_dropped_and_the_answer_is_still_right(
    chain_snapshot, minted_then_later
):
    t0, minted_at = minted_then_later
    rpc = chain_snapshot.rpc
    upper = finalised_head(rpc, 2)
    block_at_or_before_cached(rpc=rpc, chain_id=31337, timestamp=t0 + 30, upper=upper)
    # As after a reorg, or a development chain restarted with the same chain id.
    BlockHeader.objects.filter(chain_id=31337).update(hash="0x" + "ab" * 32)
    found = block_at_or_before_cached(rpc=rpc, chain_id=31337, timestamp=t0 + 30, upper=upper)
    assert found == block_by_number(rpc, minted_at)
    assert not BlockHeader.objects.filter(hash="0x" + "ab" * 32).exists()
