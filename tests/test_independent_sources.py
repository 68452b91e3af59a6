"""Independent sources: a network with two RPC URLs cross-checks by default, and a lying fallback never
gets a value stored; a single-source network says so in its figures' freshness (API and page).

The liar is a real HTTP server (chain/tests/faulty.py) in front of a real anvil that adds one to every
``eth_call`` result; the dead primary is a loopback port nothing listens on.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from celery import current_app
from django.test import Client

from attest.models import Licence
from chain.crosscheck import CrossCheckUnavailable, ReadingDisagreement
from chain.models import Network, SupplyReading
from chain.services import supply_read_network
from chain.tests.faulty import FaultyRpc
from chain.tests.helpers import coin, deployment
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
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
