"""Rows for API tests, made through the real reconciliation service (no chain needed: readings are stored as read)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from attest.models import Attestation, AttestationStatus, Holding, Issuer, Stablecoin
from chain.models import Bucket, DeductionAddress, Deployment, Network, SupplyReading
from reserves.models import CoinDocument, Publication, ReconciliationRun
from reserves.services import stablecoin_reconcile


def _address() -> str:
    return "0x" + secrets.token_hex(20)


def network(chain_id: int = 31337) -> Network:
    return Network.objects.get_or_create(chain_id=chain_id, defaults={"name": f"chain-{chain_id}"})[0]


def coin(
    symbol: str,
    *,
    reserves: str = "5000000",
    minted: int = 6_000_000,
    treasury: int = 1_000_000,
    read_at: datetime | None = None,
    block: int = 100,
    decimals: int = 6,
) -> tuple[Stablecoin, ReconciliationRun]:
    """A published coin on one network with one reading, one submitted attestation, one run and its publication."""
    issuer = Issuer.objects.create(name=f"{symbol} Issuer")
    stablecoin = Stablecoin.objects.create(issuer=issuer, symbol=symbol, name=f"{symbol} coin", currency="USD")
    deployment = Deployment.objects.create(
        stablecoin=stablecoin, network=network(), address=_address(), decimals=decimals
    )
    holder = _address()
    DeductionAddress.objects.create(deployment=deployment, bucket=Bucket.TREASURY, address=holder)
    reading = reading_for(deployment, minted=minted, treasury=treasury, holder=holder, read_at=read_at, block=block)
    user = get_user_model().objects.get_or_create(username="api-test-filer")[0]
    attestation = Attestation.objects.create(
        stablecoin=stablecoin,
        status=AttestationStatus.SUBMITTED,
        as_of=timezone.now() - timedelta(hours=1),
        created_by=user,
        submitted_at=timezone.now(),
        document_sha256="ab" * 32,
    )
    Holding.objects.create(
        attestation=attestation,
        line=1,
        asset_class="tbill",
        custodian="Custody Bank",
        currency="USD",
        market_value=Decimal(reserves),
    )
    # The real path: reconcile the coin now, which publishes what every surface shows.
    [run] = stablecoin_reconcile(stablecoin=stablecoin, trigger="manual")
    assert run.inputs["readings"][0]["reading_id"] == reading.pk
    return stablecoin, run


def reading_for(
    deployment: Deployment,
    *,
    minted: int,
    treasury: int,
    holder: str,
    read_at: datetime | None = None,
    block: int = 100,
) -> SupplyReading:
    unit = 10**deployment.decimals
    return SupplyReading.objects.create(
        deployment=deployment,
        chain_id=deployment.network.chain_id,
        block_number=block,
        block_hash="0x" + secrets.token_hex(32),
        block_time=timezone.now() - timedelta(seconds=30),
        total_supply=minted * unit,
        balances=[{"bucket": "treasury", "address": holder, "raw": str(treasury * unit)}],
        read_at=read_at or timezone.now(),
    )


def let_time_pass(stablecoin: Stablecoin, seconds: int) -> None:
    """As if ``seconds`` had passed since the coin was last read and published: only time is judged live."""
    ago = timedelta(seconds=seconds)
    for reading in SupplyReading.objects.filter(deployment__stablecoin=stablecoin):
        SupplyReading.objects.filter(pk=reading.pk).update(read_at=reading.read_at - ago)
    for document in CoinDocument.objects.filter(stablecoin=stablecoin):
        CoinDocument.objects.filter(pk=document.pk).update(
            read_at=document.read_at - ago if document.read_at else None,
            published_at=document.published_at - ago if document.published_at else None,
        )
    for publication in Publication.objects.filter(stablecoin=stablecoin):
        Publication.objects.filter(pk=publication.pk).update(
            read_at=publication.read_at - ago if publication.read_at else None,
            published_at=publication.published_at - ago,
        )
