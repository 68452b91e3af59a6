"""The chain tasks: enqueued on commit, one run per network at a time (Redis lock), safe to run twice."""

from __future__ import annotations

import pytest

from attest.locks import single_flight
from chain.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from chain.models import SupplyReading
from chain.tasks import read_all_networks_task, read_network_task
from chain.tests.helpers import coin, deployment, network

pytestmark = pytest.mark.django_db
OWNER, ALICE = DEV_ACCOUNTS[:2]


@pytest.fixture
def usdx(chain_snapshot):
    token = deploy_stablecoin(chain_snapshot.rpc, name="U", symbol="USDX", decimals=6, owner=OWNER, proxied=False)
    send(chain_snapshot.rpc, token, "mint(address,uint256)", [ALICE, 10**6], sender=OWNER)
    mine(chain_snapshot.rpc, 2)
    net = network(chain_snapshot, confirmations=1)
    deployment(coin("USDX", "USD"), net, token, decimals=6)
    return net


def test_the_scheduled_read_enqueues_one_task_per_network_only_on_commit(
    usdx, chain_b_snapshot, django_capture_on_commit_callbacks
):
    network(chain_b_snapshot, name="other")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert read_all_networks_task() == 2
    assert len(callbacks) == 2


def test_a_network_is_read_by_one_task_at_a_time(usdx):
    with single_flight(f"read-network:{usdx.pk}", timeout=30) as mine_:
        assert mine_
        assert read_network_task(usdx.pk) == 0  # another worker holds the network: nothing read
    assert not SupplyReading.objects.exists()
    assert read_network_task(usdx.pk) == 1


def test_running_the_read_twice_at_the_same_block_stores_one_reading(usdx):
    assert read_network_task(usdx.pk) == 1
    assert read_network_task(usdx.pk) == 1
    assert SupplyReading.objects.count() == 1


def test_a_network_deleted_since_the_tick_is_skipped():
    assert read_network_task(987654) == 0
