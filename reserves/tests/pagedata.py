"""Test data for the regulator and public pages: coins with readings, an attestation, real runs and publications.

Runs are made by ``reserves.services.reconciliation_run`` on stored readings (no chain needed), and each is
published by ``reserves.publish.publication_publish``, so their inputs, results, flags and publications are
exactly what production writes. Times are relative to now: the pages judge chain data and attestations by
their age, and a coin built to be fully backed must not read as stale.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.utils import timezone

from attest.models import Attestation, Holding, Issuer, Licence, Membership, ReportType, Role, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from attest.validation import AttestationDetails
from chain.models import Bucket, Deployment, Network, SupplyReading
from reserves.models import ReconciliationRun
from reserves.publish import publication_publish
from reserves.services import reconciliation_run

PASSWORD = "pages-test-pass"


def regulator(username: str = "regulator_bob", password: str | None = None) -> User:
    """A regulator; without a password (fast: no hashing) unless the test logs in with one."""
    user = User.objects.create_user(username, password=password)
    Membership.objects.create(user=user, role=Role.REGULATOR)
    return user


def _share(tokens: int, parts: int, n: int) -> int:
    """Chain n's part of the supply: the first chain holds the most, the rest split what is left."""
    if parts == 1:
        return tokens
    first = tokens * 2 // 3
    return first if n == 0 else (tokens - first) // (parts - 1)


@dataclass
class Built:
    coin: Stablecoin
    attestation: Attestation
    runs: list[ReconciliationRun]


def coin_with_runs(
    symbol: str,
    *,
    reserves: str,
    tokens: int,
    runs: int = 3,
    chains: tuple[int, ...] = (31337,),
    as_of: datetime | None = None,
) -> Built:
    """A coin on ``chains``, one attestation (cash, T-bills at two custodians, a term deposit) and ``runs`` runs.

    Run i reads its blocks ``runs - i`` minutes ago and is published 10 s later, so the newest chain
    data is a minute old (fresh) and the charts get one point per publication, a minute apart.
    """
    now = timezone.now().replace(microsecond=0)
    as_of = as_of or now - timedelta(days=1)
    issuer = Issuer.objects.create(name=f"{symbol} Issuer Ltd")
    user = get_user_model().objects.create_user(f"issuer_{symbol.lower()}")
    Membership.objects.create(user=user, role=Role.ISSUER, issuer=issuer)
    coin = Stablecoin.objects.create(issuer=issuer, symbol=symbol, name=f"{symbol} Coin", currency="USD")
    licence = Licence.objects.create(
        stablecoin=coin, profile="HK", licence_id=f"L-{symbol}", attestation_interval_days=31
    )
    deployments = []
    for chain_id in chains:
        network, _ = Network.objects.get_or_create(chain_id=chain_id, defaults={"name": f"chain-{chain_id}"})
        address = "0x" + hashlib.sha256(f"{symbol}:{chain_id}".encode()).hexdigest()[:40]
        deployments.append(Deployment.objects.create(stablecoin=coin, network=network, address=address, decimals=6))
    total = Decimal(reserves)
    holdings = [
        HoldingInput("demand_deposit", "First Example Bank", "USD", total * Decimal("0.2")),
        HoldingInput("tbill", "Example Custody", "USD", total * Decimal("0.5")),
        HoldingInput("tbill", "Other Custody", "USD", total * Decimal("0.2")),
        HoldingInput("term_deposit", "First Example Bank", "USD", total * Decimal("0.1")),
    ]
    day = as_of.date()
    # Maturities (and the term deposit's placement date: HK judges deposits by tenor), so every line is verified.
    dates = {
        2: {"maturity_date": day + timedelta(days=19)},
        3: {"maturity_date": day + timedelta(days=120)},
        4: {"maturity_date": day + timedelta(days=4), "issue_date": day - timedelta(days=30)},
    }
    # Hong Kong's weekly disclosure (R22), then the examined attestation that stands (same as-of, later version).
    examined = AttestationDetails(opinion="unmodified", engagement_type="examination", assurance_level="reasonable")
    for report_type, details in ((ReportType.WEEKLY_DISCLOSURE, None), (ReportType.ATTESTATION, examined)):
        attestation = attestation_create(
            user=user,
            stablecoin=coin,
            as_of=as_of,
            as_of_timezone="UTC",
            holdings=holdings,
            report_type=report_type,
            details=details,
        )
        for line, fields in dates.items():
            Holding.objects.filter(attestation=attestation, line=line).update(**fields)
        attestation_submit(user=user, attestation=attestation)
    made = []
    for i in range(runs):
        block = 100 + i
        read_at = now - timedelta(minutes=runs - i)
        readings = [
            SupplyReading.objects.create(
                deployment=d,
                chain_id=d.network.chain_id,
                block_number=block,
                block_hash=f"0x{d.pk:08x}{block:056x}",
                block_time=read_at,
                total_supply=(_share(tokens, len(deployments), n) + 1000 * i + 500) * 10**6,
                balances=[{"bucket": Bucket.TREASURY, "address": "0x" + "03" * 20, "raw": str(500 * 10**6)}],
                read_at=read_at,
            )
            for n, d in enumerate(deployments)
        ]
        run, _ = reconciliation_run(
            stablecoin=coin, attestation=attestation, readings=readings, trigger="supply", profile="HK"
        )
        publication_publish(
            stablecoin=coin,
            licence=licence,
            run=run,
            attestation=attestation,
            evaluated_at=run.evaluated_at or now,
            now=read_at + timedelta(seconds=10),
        )
        made.append(run)
    return Built(coin, attestation, made)
