"""verifyrun against anvil: it agrees with an honest run and reports every tampered figure."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from celery import current_app
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client

from attest.audit import canonical_json
from attest.models import Stablecoin
from attest.selectors import attestation_standing
from chain.models import Network, SupplyReading
from chain.rpc import RpcError
from chain.services import supply_read_network
from devtools.demo import demo_seed
from devtools.devchain import mine
from jobs import workflows
from reserves.compute import compute
from reserves.models import ReconciliationRun
from reserves.services import reconciliation_run, stablecoin_reconcile
from tests import api_data

pytestmark = pytest.mark.django_db


def _verify(*args: str) -> tuple[bool, str]:
    out = io.StringIO()
    try:
        call_command("verifyrun", *args, stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def honest_run(anvil, chain_snapshot) -> ReconciliationRun:
    demo_seed(rpc_url=anvil.url)
    coin = Stablecoin.objects.get(symbol="HKDA")
    readings = supply_read_network(network=Network.objects.get(chain_id=31337), stablecoin=coin)
    mine(anvil.rpc, 3)  # the chain moves on; the run stays pinned to its block
    run, _ = reconciliation_run(
        stablecoin=coin,
        attestation=attestation_standing(stablecoin=coin),
        readings=readings,
        trigger="manual",
        profile="HK",
    )
    return run


def test_it_agrees_with_an_honest_run(anvil, honest_run):
    ok, out = _verify(str(honest_run.pk), "--rpc", anvil.url)
    assert ok, out
    assert "OK (re-read 1 reading(s)" in out


def test_it_verifies_a_downloaded_bundle(anvil, honest_run, tmp_path):
    bundle = Client().get(f"/api/v1/runs/{honest_run.pk}/bundle/").json()
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    ok, out = _verify("--bundle", str(path), "--rpc", anvil.url)
    assert ok, out
    bundle["inputs"]["readings"][0]["balances"][0]["raw"] = "0"
    path.write_text(json.dumps(bundle))
    ok, out = _verify("--bundle", str(path), "--rpc", anvil.url)
    assert not ok
    assert "input_hash" in out and "treasury" in out


def test_it_reports_a_tampered_stored_reading(anvil, honest_run):
    reading_id = honest_run.inputs["readings"][0]["reading_id"]
    SupplyReading.objects.filter(pk=reading_id).update(total_supply=1)
    ok, out = _verify(str(honest_run.pk), "--rpc", anvil.url)
    assert not ok
    assert f"stored reading {reading_id} total_supply" in out


def test_it_reports_inputs_rewritten_consistently_because_the_chain_disagrees(anvil, honest_run):
    """Even a forger who fixes the hash and the outputs cannot make the chain agree."""
    inputs = json.loads(json.dumps(honest_run.inputs))
    inputs["readings"][0]["total_supply"] = str(int(inputs["readings"][0]["total_supply"]) - 10**12)
    out = compute(inputs)
    ReconciliationRun.objects.filter(pk=honest_run.pk).update(
        inputs=inputs,
        input_hash=hashlib.sha256(canonical_json(inputs).encode()).hexdigest(),
        outstanding=out["outstanding"],
        par_outstanding=out["par_outstanding"],
        ratio=out["ratio"],
        headroom=out["headroom"],
        outputs=out,
    )
    ok, text = _verify(str(honest_run.pk), "--rpc", anvil.url)
    assert not ok
    assert "totalSupply" in text and "recomputed from the chain: outstanding" in text


def test_a_coin_whose_reads_fail_is_degraded_then_stale(anvil, honest_run, django_capture_on_commit_callbacks):
    """A dead RPC leaves the last reading standing: degraded at once, stale after CHAIN_STALE_AFTER, never fresh."""
    coin = honest_run.stablecoin
    stablecoin_reconcile(stablecoin=coin, trigger="supply")
    client = Client()
    assert client.get("/api/v1/stablecoins/HKDA/").json()["freshness"]["status"] == "fresh"
    network = Network.objects.get(chain_id=31337)
    network.rpc_urls = ["http://127.0.0.1:9/"]  # nothing listens there: every read fails
    network.save(update_fields=["rpc_urls"])
    with pytest.raises(RpcError):
        supply_read_network(network=network)
    # What read_network_task does when its read fails: the coins are judged again, in this process here.
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            workflows.supply_read_failed(network=network)
    finally:
        current_app.conf.task_always_eager = eager
    body = client.get("/api/v1/stablecoins/HKDA/").json()
    assert body["freshness"]["status"] == "degraded" and "failed" in body["freshness"]["reason"]
    assert body["status"] == "unverified" and body["status_reasons"][0]["code"] == "chain_degraded"
    api_data.let_time_pass(coin, settings.CHAIN_STALE_AFTER + 1)
    body = client.get("/api/v1/stablecoins/HKDA/").json()
    assert body["freshness"]["status"] == "stale"
