"""Fixtures for the ledger and reorg tests: a coin registered on the session's anvil."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from attest.models import Issuer, Stablecoin
from chain.models import Deployment, Network
from devtools.devchain import Anvil


@pytest.fixture
def network(chain_snapshot: Anvil) -> Network:
    return Network.objects.create(
        name="anvil",
        chain_id=chain_snapshot.chain_id,
        rpc_urls=[chain_snapshot.url],
        finality="confirmations",
        confirmations=2,
    )


@pytest.fixture
def register(network: Network) -> Callable[..., Deployment]:
    """Register a deployed token as a coin of its own on ``network``."""

    def make(symbol: str, address: str, decimals: int = 6) -> Deployment:
        issuer, _ = Issuer.objects.get_or_create(name=f"{symbol} Issuer Ltd")
        coin = Stablecoin.objects.create(issuer=issuer, symbol=symbol, name=f"{symbol} coin", currency="USD")
        return Deployment.objects.create(stablecoin=coin, network=network, address=address, decimals=decimals)

    return make
