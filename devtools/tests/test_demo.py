"""The demo coins on anvil tell the stories in reserves/demo.py, and every run recomputes from its inputs."""

from __future__ import annotations

import pytest

from attest.models import Attestation, Stablecoin
from chain.models import Network
from chain.services import supply_read_all
from devtools.demo import demo_seed
from reserves.compute import compute
from reserves.models import Flag, FlagStatus, ReconciliationRun
from reserves.services import attestation_reconcile, stablecoin_reconcile

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_coins_and_their_flags(anvil, chain_snapshot):
    demo_seed(rpc_url=anvil.url)
    assert demo_seed(rpc_url=anvil.url) == []  # idempotent: nothing deployed or filed twice
    for attestation in Attestation.objects.all():
        attestation_reconcile(attestation=attestation)
    supply_read_all(network=Network.objects.get())
    for coin in Stablecoin.objects.all():
        stablecoin_reconcile(stablecoin=coin, trigger="supply")

    latest = {
        coin.symbol: ReconciliationRun.objects.filter(stablecoin=coin, trigger="supply").latest("pk")
        for coin in Stablecoin.objects.all()
    }
    open_flags = {
        symbol: sorted(
            f.rule for f in Flag.objects.filter(stablecoin__symbol=symbol).exclude(status=FlagStatus.RESOLVED)
        )
        for symbol in latest
    }
    assert {s: r.status for s, r in latest.items()} == {
        "HKDA": "backed",
        "USDX": "no_attestation",
        "EURA": "backed",
        "USDS": "backed",
        "HKDB": "backed",
    }
    assert open_flags == {"HKDA": [], "USDX": [], "EURA": ["R2"], "USDS": ["R23", "R24"], "HKDB": ["R3"]}
    assert latest["HKDB"].outputs["ratio_display"] == "1.0050"
    # The stale attestation is older than the chain: its own run falls back to the latest readings, and says so.
    stale_run = ReconciliationRun.objects.filter(stablecoin__symbol="USDS", trigger="attestation").get()
    assert stale_run.inputs["readings_basis"] == "latest_no_block_at_as_of"
    assert (
        ReconciliationRun.objects.filter(stablecoin__symbol="HKDA", trigger="attestation")
        .get()
        .inputs["readings_basis"]
        == "as_of"
    )

    for run in ReconciliationRun.objects.all():
        assert compute(run.inputs) == run.outputs, f"run {run.pk} ({run.stablecoin_id}) does not recompute"


def test_runs_latest_by_profile_gives_one_run_per_licence(anvil, chain_snapshot):
    from reserves.selectors import runs_latest_by_profile

    demo_seed(rpc_url=anvil.url)
    supply_read_all(network=Network.objects.get())
    coin = Stablecoin.objects.get(symbol="HKDB")
    [run] = stablecoin_reconcile(stablecoin=coin, trigger="supply")
    assert runs_latest_by_profile(stablecoin=coin) == {"HK": run}
    assert {r["rule"]: r["outcome"] for r in run.results}["R3"] == "warn"
