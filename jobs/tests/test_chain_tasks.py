"""The chain tasks: enqueued on commit, one run per network at a time (Redis lock), safe to run twice."""

from __future__ import annotations

import pytest
from celery import current_app

from attest.locks import single_flight
from attest.models import Stablecoin
from chain.models import Network, SupplyReading
from chain.tests.helpers import coin, deployment, network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from jobs.models import OutboxMessage
from jobs.tasks import read_all_networks_task, read_network_task
from reserves.models import ReconciliationRun

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
    # Two outbox messages in the caller's transaction, one relay once it commits.
    assert sorted(m.args[0] for m in OutboxMessage.objects.filter(task=read_network_task.name)) == sorted(
        Network.objects.values_list("pk", flat=True)
    )
    assert not OutboxMessage.objects.filter(sent_at__isnull=False).exists()
    assert len(callbacks) == 1


def test_a_network_is_read_by_one_task_at_a_time(usdx):
    with single_flight(f"read-network:{usdx.pk}", lease=30) as mine_:
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


def test_a_read_has_each_coin_it_read_reconciled_once_it_commits(usdx, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert read_network_task(usdx.pk) == 1
    assert len(callbacks) == 1  # one coin read, one reconciliation
    assert not ReconciliationRun.objects.exists()
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        callbacks[0]()
    finally:
        current_app.conf.task_always_eager = before
    run = ReconciliationRun.objects.get()
    assert (run.stablecoin, run.trigger) == (Stablecoin.objects.get(symbol="USDX"), "supply")
