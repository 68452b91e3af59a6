"""A mismatch found by the mint/burn ledger has its coin judged again at once (rule R18), through jobs.workflows."""

from __future__ import annotations

import pytest
from celery import current_app

from chain.tests.test_ledger import OWNER, _read_and_confirm, _total_supply_slot, supply
from devtools.devchain import deploy_legacy_token, mine
from jobs import workflows
from reserves.models import ReconciliationRun

pytestmark = pytest.mark.django_db


def test_a_ledger_mismatch_reconciles_its_coin_once_the_check_commits(
    chain_snapshot, network, register, django_capture_on_commit_callbacks
):
    rpc = chain_snapshot.rpc
    token = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10**9)
    coin = register("LEGY", token).stablecoin
    _read_and_confirm(network, rpc, coin)
    mine(rpc, 1)
    _read_and_confirm(network, rpc, coin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert workflows.ledger_reconcile(network=network) == 1
    assert callbacks == []  # the ledger agrees with supply: nothing to judge again
    rpc.call(
        "anvil_setStorageAt", [token, hex(_total_supply_slot(rpc, token)), f"0x{supply(rpc, token) + 12_345:064x}"]
    )
    mine(rpc, 1)
    _read_and_confirm(network, rpc, coin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert workflows.ledger_reconcile(network=network) == 1
    assert len(callbacks) == 1
    before = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        callbacks[0]()
    finally:
        current_app.conf.task_always_eager = before
    [run] = ReconciliationRun.objects.filter(stablecoin=coin, trigger="supply")
    # The run is built on the finding (rule R18 judges it; reserves/tests/test_ledger_findings.py).
    assert [f["source"] for f in run.inputs["supply_findings"]] == ["ledger"]
