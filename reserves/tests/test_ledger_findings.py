"""A mismatch found by the chain's mint/burn ledger reaches reconciliation and fails R18."""

from __future__ import annotations

import pytest

from chain.ledger.checks import ledger_reconcile_network
from chain.services import readings_latest
from chain.tests.conftest import network, register  # noqa: F401 - fixtures
from chain.tests.test_ledger import OWNER, _read_and_confirm, _total_supply_slot, supply
from devtools.devchain import deploy_legacy_token, mine
from reserves.compute import compute
from reserves.inputs import run_inputs

pytestmark = pytest.mark.django_db


def test_supply_that_grew_without_an_event_fails_r18(chain_snapshot, network, register):  # noqa: F811
    rpc = chain_snapshot.rpc
    token = deploy_legacy_token(rpc, owner=OWNER, initial_supply=10**9)
    coin = register("LEGY", token).stablecoin
    _read_and_confirm(network, rpc, coin)
    rpc.call(
        "anvil_setStorageAt", [token, hex(_total_supply_slot(rpc, token)), f"0x{supply(rpc, token) + 12_345:064x}"]
    )
    mine(rpc, 1)
    _read_and_confirm(network, rpc, coin)
    assert len(ledger_reconcile_network(network=network)) == 1

    inputs = run_inputs(stablecoin=coin, attestation=None, readings=readings_latest(stablecoin=coin), profile="HK")
    assert inputs["ledger_checked"] is True
    [found] = inputs["supply_findings"]
    assert (found["source"], found["expected"], found["observed"]) == ("ledger", "12345", "0")
    [r18] = [r for r in compute(inputs)["results"] if r["rule"] == "R18"]
    assert r18["outcome"] == "fail"
