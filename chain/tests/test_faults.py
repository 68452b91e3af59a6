"""Faults between us and the node, made by a real misbehaving HTTP server in front of a real anvil.

Transport faults (timeouts, HTTP errors, garbage) are retried with backoff and then failed over to
the next URL; JSON-RPC errors are answers and are neither retried nor failed over. When every URL
fails, the network records the failure and the coin's figures turn "degraded". Two URLs of one
network that disagree on a pinned block's hash or on a value make the reading refused.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from chain.crosscheck import ReadingDisagreement
from chain.health import rpc_urls_scrubbed
from chain.models import Network, SupplyReading
from chain.rpc import RpcClient, RpcError, RpcTransportError
from chain.services import supply_read_network
from chain.tests.faulty import FaultyRpc
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, Anvil, deploy_stablecoin, head, mine, send

OWNER, ALICE = DEV_ACCOUNTS[:2]


@pytest.fixture
def faulty(anvil) -> Iterator[FaultyRpc]:
    server = FaultyRpc(anvil.url)
    yield server
    server.close()


@pytest.mark.parametrize("mode", ["timeout", "500", "garbage"])
def test_transport_faults_are_retried_with_backoff_then_failed_over_to_the_next_url(anvil, faulty, mode):
    faulty.mode, faulty.delay = mode, 0.5
    rpc = RpcClient([faulty.url, anvil.url], timeout=0.2, retries=2, backoff=0.05)
    started = time.monotonic()
    assert int(rpc.call("eth_chainId"), 16) == 31337
    assert faulty.requests == 3  # the first try and two retries
    assert rpc.last_url == anvil.url
    assert time.monotonic() - started >= 0.05 + 0.1  # the backoff doubled between retries


def test_a_json_rpc_error_is_an_answer_neither_retried_nor_failed_over(anvil, faulty):
    faulty.mode = "rpc_error"
    second = FaultyRpc(anvil.url)
    try:
        rpc = RpcClient([faulty.url, second.url], timeout=1, retries=2, backoff=0.01)
        with pytest.raises(RpcError, match="header not found") as caught:
            rpc.call("eth_blockNumber")
        assert not isinstance(caught.value, RpcTransportError)
        assert (faulty.requests, second.requests) == (1, 0)
    finally:
        second.close()


def test_every_url_failing_raises_the_last_transport_error(faulty):
    faulty.mode = "500"
    with pytest.raises(RpcTransportError, match="HTTP 500"):
        RpcClient([faulty.url], retries=1, backoff=0.01).call("eth_chainId")
    assert faulty.requests == 2


@pytest.fixture
def usdx_on(chain_snapshot):
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    send(chain_snapshot.rpc, token, "mint(address,uint256)", [ALICE, 5 * 10**6], sender=OWNER)
    mine(chain_snapshot.rpc, 2)

    def register(urls: list[str], **fields) -> Network:
        net = network(chain_snapshot, confirmations=1, **fields)
        net.rpc_urls = urls
        net.save()
        deployment(coin("USDX", "USD"), net, token, decimals=6)
        return net

    return register


@pytest.mark.django_db
def test_a_second_url_that_reports_other_values_makes_the_reading_refused(anvil, faulty, usdx_on):
    faulty.mode = "lie"
    net = usdx_on([anvil.url, faulty.url], cross_check=True)
    with pytest.raises(ReadingDisagreement, match="totalSupply/balances"):
        supply_read_network(network=net)
    assert not SupplyReading.objects.exists()
    net.refresh_from_db()
    assert net.consecutive_failures == 1 and "ReadingDisagreement" in net.last_error


@pytest.mark.django_db
def test_a_second_url_on_another_history_of_the_same_chain_id_makes_the_reading_refused(anvil, usdx_on):
    with Anvil(chain_id=31337, timestamp=1_600_000_000) as impostor:
        mine(impostor.rpc, head(anvil.rpc) + 5)  # it has every block number we may pin, with other hashes
        net = usdx_on([anvil.url, impostor.url], cross_check=True)
        with pytest.raises(ReadingDisagreement, match=r"block [0-9]+: 0x[0-9a-f]+ from the primary URL but"):
            supply_read_network(network=net)
    assert not SupplyReading.objects.exists()


@pytest.mark.django_db
def test_two_agreeing_urls_cross_check_and_store_the_reading(anvil, faulty, usdx_on):
    net = usdx_on([anvil.url, faulty.url], cross_check=True)
    [reading] = supply_read_network(network=net)
    assert reading.total_supply == 5 * 10**6
    assert faulty.requests >= 2  # the block header and the values were read again there


def test_an_rpc_urls_key_is_cut_from_error_texts_wherever_it_appears():
    url = "https://eth.example.net/v3/SECRETKEY?apikey=ALSOSECRET"
    refused = (
        f"RpcTransportError: ConnectionError talking to {url}: HTTPConnectionPool(host='eth.example.net', port=443): "
        "Max retries exceeded with url: /v3/SECRETKEY?apikey=ALSOSECRET (Caused by NewConnectionError(...))"
    )
    assert rpc_urls_scrubbed(refused, [url, "http://127.0.0.1:8545"]) == (
        "RpcTransportError: ConnectionError talking to https://eth.example.net/…: HTTPConnectionPool("
        "host='eth.example.net', port=443): Max retries exceeded with url: /… (Caused by NewConnectionError(...))"
    )
    with_user = "https://user:PASSWORD@node.example.org:8545"
    assert (
        rpc_urls_scrubbed(f"HTTP 401 from {with_user}: no", [with_user])
        == "HTTP 401 from https://node.example.org:8545/…: no"
    )
    plain = "http://127.0.0.1:8545"
    assert rpc_urls_scrubbed(f"HTTP 500 from {plain}: x", [plain]) == f"HTTP 500 from {plain}: x"
