"""Independent sources: a network with two RPC URLs cross-checks by default, and a lying fallback never
gets a value stored; a single-source network says so in its figures' freshness (API and page).

The liar is a real HTTP server (chain/tests/faulty.py) in front of a real anvil that adds one to every
``eth_call`` result; the dead primary is a loopback port nothing listens on.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from celery import current_app
from django.test import Client

from attest.models import Licence
from chain.blocks import block_by_number
from chain.crosscheck import CrossCheckUnavailable, ReadingDisagreement
from chain.ledger.index import ledger_index_network
from chain.models import LedgerEntry, LedgerEvent, Network, SupplyReading
from chain.services import supply_read_network
from chain.tests.faulty import FaultyRpc
from chain.tests.helpers import coin, deployment
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from devtools.layouts import deploy_tether_like
from jobs import workflows
from reserves.services import stablecoin_reconcile

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]
DEAD = "http://127.0.0.1:9/"  # the discard port: nothing listens, every request is refused


@pytest.fixture
def proxies(anvil) -> Iterator[tuple[FaultyRpc, FaultyRpc]]:
    liar, honest = FaultyRpc(anvil.url, "lie"), FaultyRpc(anvil.url, "forward")
    yield liar, honest
    liar.close()
    honest.close()


@pytest.fixture
def usdx(chain_snapshot, settings):
    settings.CHAIN_RPC_RETRIES = 0  # a dead URL is failed over at once
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=True)
    send(chain_snapshot.rpc, token, "mint(address,uint256)", [ALICE, 5 * 10**6], sender=OWNER)
    mine(chain_snapshot.rpc, 2)
    stablecoin = coin("USDX", "USD")
    Licence.objects.create(stablecoin=stablecoin, profile="US_GENIUS", licence_id="G-1")
    # Registered as a new network would be: cross_check is left at its default.
    net = Network.objects.create(
        name="local", chain_id=chain_snapshot.chain_id, finality="confirmations", confirmations=1
    )
    deployment(stablecoin, net, token, decimals=6, kind="proxy")
    return net


def _urls(net: Network, urls: list[str]) -> Network:
    net.rpc_urls = urls
    net.save(update_fields=["rpc_urls"])
    return net


def _judge_again_after_failure(net: Network, capture) -> None:
    """What read_network_task does when its read fails: the coins are judged again (here, in this process)."""
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with capture(execute=True):
            workflows.supply_read_failed(network=net)
    finally:
        current_app.conf.task_always_eager = eager


def test_a_lying_fallback_behind_a_dead_primary_never_gets_a_value_stored(
    anvil, usdx, proxies, django_capture_on_commit_callbacks
):
    liar, honest = proxies
    assert usdx.cross_check  # the default

    # Two agreeing sources: stored, and the figures say they were cross-checked.
    _urls(usdx, [anvil.url, honest.url])
    [reading] = supply_read_network(network=usdx)
    assert reading.total_supply == 5 * 10**6 and reading.checked_url == honest.url
    stablecoin_reconcile(stablecoin=reading.deployment.stablecoin, trigger="supply")
    body = Client().get("/api/v1/stablecoins/USDX/").json()
    assert body["freshness"]["cross_checked"] is True and body["freshness"]["single_source"] == ""
    mine(anvil.rpc, 2)  # the chain moves on: the next read pins a new block

    # The primary dies; the fallback answers every eth_call plus one. No other source: refused, nothing stored.
    _urls(usdx, [DEAD, liar.url])
    with pytest.raises(CrossCheckUnavailable, match="cannot cross-check"):
        supply_read_network(network=Network.objects.get(pk=usdx.pk))
    assert liar.requests > 0  # the liar did answer the read
    assert SupplyReading.objects.count() == 1

    # A third, honest URL: the liar's values are caught as a disagreement, still nothing stored.
    _urls(usdx, [DEAD, liar.url, honest.url])
    with pytest.raises(ReadingDisagreement, match="totalSupply/balances 5000001"):
        supply_read_network(network=Network.objects.get(pk=usdx.pk))
    assert SupplyReading.objects.count() == 1
    usdx.refresh_from_db()
    assert usdx.consecutive_failures == 2 and "ReadingDisagreement" in usdx.last_error

    # The public figures keep the honest supply and are not passed off as fresh.
    _judge_again_after_failure(usdx, django_capture_on_commit_callbacks)
    body = Client().get("/api/v1/stablecoins/USDX/").json()
    assert body["outstanding"]["amount"] == "5.000000000000000000"
    assert body["freshness"]["status"] == "degraded" and body["status"] == "unverified"


def test_a_single_source_network_says_so_in_its_figures_freshness(anvil, usdx):
    _urls(usdx, [anvil.url])
    [reading] = supply_read_network(network=usdx)
    assert reading.checked_url == ""
    stablecoin_reconcile(stablecoin=reading.deployment.stablecoin, trigger="supply")
    client = Client()
    freshness = client.get("/api/v1/stablecoins/USDX/").json()["freshness"]
    assert freshness["status"] == "fresh"  # age is one thing, the number of sources another
    assert freshness["cross_checked"] is False
    assert freshness["single_source"] == "single source: local read from one RPC URL, not cross-checked"
    listed = client.get("/api/v1/stablecoins/").json()[0]["freshness"]
    assert listed["cross_checked"] is False
    supply = client.get("/api/v1/stablecoins/USDX/supply/").json()
    assert supply["freshness"]["cross_checked"] is False and "single source" in supply["freshness"]["single_source"]
    assert [row["cross_checked"] for row in supply["results"]] == [False]
    page = client.get("/coins/USDX/").content.decode()
    assert "single source: local read from one RPC URL, not cross-checked" in page


def test_the_ledger_is_cross_checked_too_and_a_lying_fallback_stores_no_row(anvil, usdx, proxies):
    """The mint/burn ledger asks the second source for the same window: logs whose amounts the liar
    raised by one are refused, the primary's alone vouch for nothing, and agreeing sources index."""
    liar, honest = proxies
    entries = LedgerEntry.objects.filter(deployment__network=usdx)

    _urls(usdx, [DEAD, liar.url])
    with pytest.raises(CrossCheckUnavailable, match="cannot cross-check the ledger"):
        ledger_index_network(network=Network.objects.get(pk=usdx.pk))
    _urls(usdx, [DEAD, liar.url, honest.url])
    with pytest.raises(ReadingDisagreement, match="answered different logs"):
        ledger_index_network(network=Network.objects.get(pk=usdx.pk))
    assert not entries.exists() and liar.requests > 0

    _urls(usdx, [anvil.url, honest.url])
    assert ledger_index_network(network=Network.objects.get(pk=usdx.pk)) == 2  # Mint + Transfer(0x0, ...)
    assert sum(e.delta for e in entries.filter(counted=True)) == 5 * 10**6


def test_a_tether_like_switch_to_its_successor_is_cross_checked_too(anvil, usdx, proxies):
    """The switch row's step comes from both contracts' supplies at the deprecation block: a second source
    that lies about those calls alone (its logs true) refuses the window; two honest nodes store the switch."""
    _liar, honest = proxies
    rpc = anvil.rpc
    legacy = deploy_tether_like(rpc, owner=OWNER, initial_supply=1_000 * 10**6)
    successor = deploy_tether_like(rpc, owner=OWNER, initial_supply=1_200 * 10**6)
    send(rpc, legacy, "deprecate(address)", [successor], sender=OWNER)
    mine(rpc, 2)
    deployment(coin("USDTL", "USD"), usdx, legacy, decimals=6, follow_successor=True)
    switches = LedgerEntry.objects.filter(event=LedgerEvent.SWITCH_TO_SUCCESSOR)
    lies_in_calls = FaultyRpc(anvil.url, "lie_calls")
    try:
        _urls(usdx, [anvil.url, lies_in_calls.url])
        with pytest.raises(ReadingDisagreement, match="the switch to a successor at block"):
            ledger_index_network(network=Network.objects.get(pk=usdx.pk))
    finally:
        lies_in_calls.close()
    assert not LedgerEntry.objects.exists()

    _urls(usdx, [anvil.url, honest.url])
    ledger_index_network(network=Network.objects.get(pk=usdx.pk))
    [switch] = switches
    assert (switch.account.lower(), switch.delta) == (successor.lower(), 200 * 10**6)


def test_a_block_found_by_time_on_a_node_with_a_late_clock_is_refused(anvil, usdx, proxies):
    """A node whose block times run 15 s late makes the search pick an earlier block for a time. The
    block's hash is the true one, so only the other URL's clock can tell: its next block is not later
    than the time asked for. Refused; two honest nodes agree on the right block."""
    _liar, honest = proxies
    rpc = anvil.rpc
    start = block_by_number(rpc, int(rpc.call("eth_blockNumber"), 16)).timestamp
    for step in range(1, 6):
        rpc.call("evm_mine", [start + 10 * step])
    mine(rpc, 2)  # settled under the network's one confirmation
    at = datetime.fromtimestamp(start + 35, UTC)  # between the blocks of +30 s and +40 s
    late = FaultyRpc(anvil.url, "skew_clock", skew=15)
    try:
        _urls(usdx, [late.url, honest.url])
        with pytest.raises(ReadingDisagreement, match="is not the last at or before"):
            supply_read_network(network=Network.objects.get(pk=usdx.pk), at=at)
    finally:
        late.close()
    assert not SupplyReading.objects.exists()

    _urls(usdx, [anvil.url, honest.url])
    [reading] = supply_read_network(network=Network.objects.get(pk=usdx.pk), at=at)
    assert block_by_number(rpc, reading.block_number).timestamp == start + 30
