"""Demo data on a local chain: two coins, their issuers, an issuer user and a regulator user.

HKDA is fully backed (HK licence); USDX has no attestation yet, and its issuer's reserves
(which the demo user files through the form) fall short of its supply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from attest.models import Issuer, Licence, Membership, Role, Stablecoin
from attest.services import HoldingInput, attestation_create, attestation_submit
from chain.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from chain.models import Bucket, DeductionAddress, Deployment, DeploymentKind, Network
from chain.rpc import RpcClient, hex_int

DEMO_PASSWORDS = {"issuer": "issuer-demo-pass", "hkissuer": "hkissuer-demo-pass", "regulator": "regulator-demo-pass"}
OWNER, HOLDER_A, HOLDER_B, TREASURY_HK, TREASURY_US = (
    DEV_ACCOUNTS[0],
    DEV_ACCOUNTS[1],
    DEV_ACCOUNTS[2],
    DEV_ACCOUNTS[3],
    DEV_ACCOUNTS[4],
)


@dataclass(frozen=True)
class CoinPlan:
    symbol: str
    name: str
    issuer: str
    currency: str
    profile: str
    licence_id: str
    circulating: int  # whole tokens held by the public
    treasury: int  # whole tokens minted into the issuer's treasury (authorised, not issued)
    treasury_address: str


PLANS = [
    CoinPlan(
        "HKDA", "HKD Attested", "Harbour Digital Ltd", "HKD", "HK", "FRS-TEST-1", 10_000_000, 2_000_000, TREASURY_HK
    ),
    CoinPlan(
        "USDX",
        "USD Example",
        "Example Dollar Inc",
        "USD",
        "US_GENIUS",
        "GENIUS-TEST-7",
        5_000_000,
        1_000_000,
        TREASURY_US,
    ),
]


def _user(username: str, role: str, issuer: Issuer | None) -> None:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(DEMO_PASSWORDS[username])
        user.save()
    Membership.objects.update_or_create(user=user, defaults={"role": role, "issuer": issuer})


def _deploy(rpc: RpcClient, plan: CoinPlan) -> str:
    token = deploy_stablecoin(rpc, name=plan.name, symbol=plan.symbol, decimals=6, owner=OWNER, proxied=True)
    unit = 10**6
    send(rpc, token, "mint(address,uint256)", [HOLDER_A, plan.circulating * unit * 3 // 5], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [HOLDER_B, plan.circulating * unit * 2 // 5], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [plan.treasury_address, plan.treasury * unit], sender=OWNER)
    return token


def demo_seed(*, rpc_url: str, confirmations: int | None = None) -> list[str]:
    """Deploy and register the demo coins unless they are there already; returns what it did."""
    done: list[str] = []
    rpc = RpcClient([rpc_url])
    chain_id = hex_int(rpc.call("eth_chainId"))
    network, _ = Network.objects.update_or_create(
        chain_id=chain_id,
        defaults={
            "name": "local",
            "rpc_urls": [rpc_url],
            "confirmations": confirmations or settings.CHAIN_CONFIRMATIONS,
        },
    )
    for plan in PLANS:
        issuer, _ = Issuer.objects.get_or_create(name=plan.issuer)
        coin, _ = Stablecoin.objects.get_or_create(
            symbol=plan.symbol, defaults={"name": plan.name, "issuer": issuer, "currency": plan.currency}
        )
        Licence.objects.get_or_create(stablecoin=coin, profile=plan.profile, defaults={"licence_id": plan.licence_id})
        deployment = Deployment.objects.filter(stablecoin=coin, network=network).first()
        if deployment is not None and rpc.call("eth_getCode", [deployment.address, "latest"]) not in ("0x", None):
            continue
        address = _deploy(rpc, plan)
        with transaction.atomic():
            Deployment.objects.filter(stablecoin=coin, network=network).delete()
            deployment = Deployment.objects.create(
                stablecoin=coin, network=network, address=address, decimals=6, kind=DeploymentKind.PROXY
            )
            DeductionAddress.objects.create(
                deployment=deployment,
                bucket=Bucket.TREASURY,
                address=plan.treasury_address,
                note="authorised but not issued",
            )
        done.append(f"deployed {plan.symbol} at {address} on chain {chain_id}")
    # Blocks past the deployments, so the finalised head (head - confirmations) already sees them.
    mine(rpc, network.confirmations + 1)

    harbour = Issuer.objects.get(name="Harbour Digital Ltd")
    example = Issuer.objects.get(name="Example Dollar Inc")
    _user("issuer", Role.ISSUER, example)
    _user("hkissuer", Role.ISSUER, harbour)
    _user("regulator", Role.REGULATOR, None)

    hkda = Stablecoin.objects.get(symbol="HKDA")
    if not hkda.attestations.exists():
        user = get_user_model().objects.get(username="hkissuer")
        attestation = attestation_create(
            user=user,
            stablecoin=hkda,
            as_of=timezone.now() - timedelta(seconds=1),
            as_of_timezone="Asia/Hong_Kong",
            holdings=[
                HoldingInput("demand_deposit", "Harbour Custody Bank", "HKD", Decimal("2500000.00")),
                HoldingInput("tbill", "HK Securities Depository", "HKD", Decimal("7600000.00")),
            ],
        )
        attestation_submit(user=user, attestation=attestation)
        done.append("filed a fully backed HKDA attestation (HK$10.1m against 10m tokens)")
    return done
