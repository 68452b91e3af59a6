"""The beat tasks on a real Celery worker process, PostgreSQL, Redis and anvil."""

from __future__ import annotations

import time

import pytest

from attest.models import Issuer, Stablecoin
from chain.models import Deployment, LedgerCheck, LedgerEntry, Network, ReadingStatus, SupplyReading
from chain.services import supply_read_network
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from jobs.tasks import ledger_index_all_task, reorg_check_all_task

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OWNER, ALICE = DEV_ACCOUNTS[:2]


def _wait(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_the_worker_indexes_the_ledger_confirms_readings_and_checks_them(anvil, chain_snapshot, celery_worker_process):
    rpc = anvil.rpc
    token = deploy_stablecoin(rpc, name="Task USD", symbol="TUSD", decimals=6, owner=OWNER, proxied=False)
    network = Network.objects.create(
        name="anvil", chain_id=anvil.chain_id, rpc_urls=[anvil.url], finality="confirmations", confirmations=2
    )
    issuer = Issuer.objects.create(name="Task Issuer")
    coin = Stablecoin.objects.create(issuer=issuer, symbol="TUSD", name="Task USD", currency="USD")
    Deployment.objects.create(stablecoin=coin, network=network, address=token, decimals=6)
    mine(rpc, 2)
    supply_read_network(network=network, stablecoin=coin)
    send(rpc, token, "mint(address,uint256)", [ALICE, 42], sender=OWNER)
    mine(rpc, 2)
    supply_read_network(network=network, stablecoin=coin)
    mine(rpc, 2)

    ledger_index_all_task.delay()
    _wait(lambda: LedgerEntry.objects.filter(deployment__stablecoin=coin).count() == 2, "the ledger rows")
    reorg_check_all_task.delay()
    _wait(lambda: LedgerCheck.objects.filter(deployment__stablecoin=coin).exists(), "the ledger check")

    assert set(SupplyReading.objects.filter(deployment__stablecoin=coin).values_list("status", flat=True)) == {
        ReadingStatus.CONFIRMED
    }
    check = LedgerCheck.objects.get(deployment__stablecoin=coin)
    assert (check.matched, check.expected_delta, check.ledger_delta) == (True, 42, 42)
