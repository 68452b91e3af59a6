"""A network that cannot be read turns the coin's next publication degraded (and unverified), API included."""

from __future__ import annotations

import pytest
from django.test import Client

from chain.health import failing_reads
from chain.rpc import RpcTransportError
from chain.services import supply_read_network
from chain.tests.test_faults import faulty, usdx_on  # noqa: F401 - fixtures
from reserves.readmodel import CoinState, coin_states
from reserves.services import stablecoin_reconcile


def _published() -> CoinState:
    """Judge the coin again, as the failed read's workflow does (jobs.workflows.supply_read_failed), and read it."""
    [state] = coin_states(published_only=True)
    stablecoin_reconcile(stablecoin=state.coin, trigger="supply")
    [state] = coin_states(published_only=True)
    return state


@pytest.mark.django_db
def test_a_network_that_cannot_be_read_is_marked_and_the_coin_turns_degraded(settings, anvil, faulty, usdx_on):  # noqa: F811
    settings.CHAIN_RPC_RETRIES = 0
    # A hosted provider's URL: the key in the path and the query. The reason below is public.
    net = usdx_on([f"{faulty.url}/v3/SECRETKEY?apikey=ALSOSECRET"])
    supply_read_network(network=net)  # a good read first
    summary = _published()
    assert summary.freshness.status == "fresh"

    faulty.mode = "500"
    for failures in (1, 2):
        with pytest.raises(RpcTransportError):
            supply_read_network(network=net)
        net.refresh_from_db()
        assert net.consecutive_failures == failures
        assert "HTTP 500" in net.last_error and net.last_error_at is not None
    summary = _published()
    assert summary.freshness.status == "degraded"  # the old reading is still there, but not current
    assert summary.verdict == "unverified" and "chain_degraded" in [r["code"] for r in summary.reasons]
    public = Client().get("/api/v1/stablecoins/USDX/").json()
    assert public["freshness"]["status"] == "degraded"
    reason = failing_reads(stablecoin_ids=[summary.coin.pk])[summary.coin.pk]
    assert reason.startswith("the latest 2 read(s) of local failed: RpcTransportError: HTTP 500")
    assert f"{faulty.url}/…" in reason  # the host stays: it tells an operator which node
    for text in (net.last_error, reason, Client().get("/api/v1/stablecoins/USDX/").content.decode()):
        assert "SECRETKEY" not in text and "ALSOSECRET" not in text

    faulty.mode = "forward"
    supply_read_network(network=net)
    net.refresh_from_db()
    assert net.consecutive_failures == 0 and net.last_success_at is not None
    summary = _published()
    assert summary.freshness.status == "fresh"
