"""Small helpers for chain tests: register coins directly, read them through the real services."""

from __future__ import annotations

from attest.models import Issuer, Stablecoin
from chain.models import DeductionAddress, Deployment, Network


def network(anvil, *, name: str = "local", confirmations: int = 0, **fields) -> Network:
    """A network reading at head - ``confirmations`` (not the node's finalized block, unless ``finality`` says)."""
    defaults = {"name": name, "rpc_urls": [anvil.url], "finality": "confirmations", "confirmations": confirmations}
    net, _ = Network.objects.update_or_create(chain_id=anvil.chain_id, defaults={**defaults, **fields})
    return net


def coin(symbol: str = "HKDA", currency: str = "HKD") -> Stablecoin:
    issuer, _ = Issuer.objects.get_or_create(name="Example Issuer Ltd")
    found, _ = Stablecoin.objects.get_or_create(
        symbol=symbol, defaults={"issuer": issuer, "name": f"{symbol} coin", "currency": currency}
    )
    return found


def deployment(
    stablecoin: Stablecoin, net: Network, address: str, *, decimals: int, deductions=(), **fields
) -> Deployment:
    dep = Deployment.objects.create(stablecoin=stablecoin, network=net, address=address, decimals=decimals, **fields)
    for bucket, holder in deductions:
        DeductionAddress.objects.create(deployment=dep, bucket=bucket, address=holder, note=f"test {bucket}")
    return dep
