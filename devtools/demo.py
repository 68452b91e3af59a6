"""Demo data on a local chain: seven coins, their issuers, issuer users, a regulator, a custodian and an
auditor who countersigns.

| coin | licence | story |
|---|---|---|
| HKDA | HK | fully backed: HK$10.1m against 10m tokens |
| USDX | US_GENIUS | no attestation yet; the demo user files one short of supply (R1) |
| EURA | EU_MICA | holds corporate bonds, which MiCA does not count (R2 warns; still backed) |
| USDS | US_NYDFS | its last attestation is 120 days old (R23, R24 stale) |
| HKDB | HK, 1% buffer | backed, but inside its licence's 1% buffer (R3 warns) |
| HKDC | HK | a missed daily statement, a late redemption, a custodian disagreeing (demo_supervision.py) |
| USDL | US_GENIUS | short for a month: the US liquidation trigger (R4; the licence opts into proposed rules) |

The stale attestation's as-of instant is older than the demo chain. With no block at or before
it, ``attestation_reconcile`` falls back to the latest readings and records
``readings_basis = "latest_no_block_at_as_of"`` in the run (docs/rules.md); the scheduled
reconciliation judges it like any other coin. Backdating anvil instead would need time travel
before every later block, which the demo chain (reused across ``make demo`` runs) cannot offer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from eth_account import Account
from eth_utils.crypto import keccak

from attest.evidence import attestation_document_attach, attestation_sign
from attest.models import (
    AccountingFirm,
    Attestation,
    Holding,
    Issuer,
    Licence,
    Membership,
    ReportType,
    Role,
    Stablecoin,
)
from attest.services import HoldingInput, attestation_create
from attest.signing import attestation_payload, signature_make, typed_data
from chain.models import Bucket, DeductionAddress, Deployment, DeploymentKind, Network
from chain.rpc import RpcClient, hex_int
from devtools.demo_supervision import CUSTODIAN, custodian_user, hkdc_story, usdl_story
from devtools.devchain import DEV_ACCOUNTS, deploy_stablecoin, mine, send
from devtools.feeds import demo_feeds_seed
from jobs.workflows import attestation_submit

DEMO_PASSWORDS = {
    "issuer": "issuer-demo-pass",
    "hkissuer": "hkissuer-demo-pass",
    "regulator": "regulator-demo-pass",
    "euissuer": "euissuer-demo-pass",
    "nyissuer": "nyissuer-demo-pass",
    "kpissuer": "kpissuer-demo-pass",
    "vhissuer": "vhissuer-demo-pass",
    "ltissuer": "ltissuer-demo-pass",
    "custodian": "custodian-demo-pass",
    "auditor": "auditor-demo-pass",
}
# The demo auditor's signing key: derived from a public string, so it is a demo key and nothing else.
AUDITOR_KEY = "0x" + keccak(text="attest demo auditor signing key").hex().removeprefix("0x")
AUDIT_FIRM = ("Harbour & Co Certified Public Accountants", "HKICPA 0000-DEMO")
OWNER, HOLDER_A, HOLDER_B, TREASURY_HK, TREASURY_US = (
    DEV_ACCOUNTS[0],
    DEV_ACCOUNTS[1],
    DEV_ACCOUNTS[2],
    DEV_ACCOUNTS[3],
    DEV_ACCOUNTS[4],
)


@dataclass(frozen=True)
class Line:
    """A holding line of a demo attestation; ``extra`` sets further Holding fields (dates are days from today)."""

    asset_class: str
    custodian: str
    currency: str
    market_value: str
    extra: dict[str, Any] = field(default_factory=dict)


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
    user: str = ""  # the issuer staff login
    licence: dict[str, Any] = field(default_factory=dict)
    lines: tuple[Line, ...] = ()  # the seeded attestation; none means the demo user files it
    as_of_days_ago: int = 0
    attestation: dict[str, Any] = field(default_factory=dict)
    story: str = ""  # a continuous-supervision story (devtools/demo_supervision.py)


CUSTODY = {"account_type": "segregated_custody", "custodian_type": "custodian", "segregated": True}
TRUST = {"account_type": "trust", "custodian_type": "bank", "segregated": True}
CLEAN_REPORT = {
    "opinion": "unmodified",
    "engagement_type": "examination",
    "assurance_level": "reasonable",
    "pays_holder_interest": False,
}
# The HKMA sets each licence's attestation interval (R24); the demo licences say monthly.
HK_LICENCE = {"attestation_interval_days": 31}

PLANS = [
    CoinPlan(
        "HKDA",
        "HKD Attested",
        "Harbour Digital Ltd",
        "HKD",
        "HK",
        "FRS-TEST-1",
        10_000_000,
        2_000_000,
        TREASURY_HK,
        user="hkissuer",
        licence=HK_LICENCE,
        lines=(
            Line("demand_deposit", "Harbour Custody Bank", "HKD", "2500000.00", TRUST),
            Line("tbill", "HK Securities Depository", "HKD", "7600000.00", {**CUSTODY, "maturity_date": 90}),
        ),
        attestation=CLEAN_REPORT,
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
        user="issuer",
    ),
    CoinPlan(
        "EURA",
        "Euro Attested",
        "Euro Reserve SA",
        "EUR",
        "EU_MICA",
        "EMT-TEST-3",
        2_000_000,
        0,
        DEV_ACCOUNTS[5],
        user="euissuer",
        lines=(
            Line("demand_deposit", "Banque Exemple", "EUR", "700000.00", TRUST),
            Line("tbill", "Euroclear", "EUR", "1320000.00", {**CUSTODY, "maturity_date": 60}),
            Line("other", "Euroclear", "EUR", "300000.00", {**CUSTODY, "instrument_issuer": "Example Motors AG"}),
        ),
        attestation=CLEAN_REPORT,
    ),
    CoinPlan(
        "USDS",
        "USD Stale",
        "Stale Dollar Trust",
        "USD",
        "US_NYDFS",
        "NYDFS-TEST-2",
        3_000_000,
        500_000,
        DEV_ACCOUNTS[6],
        user="nyissuer",
        lines=(
            Line("demand_deposit", "Hudson Trust Bank", "USD", "1000000.00", TRUST),
            Line(
                "tbill",
                "Hudson Custody",
                "USD",
                "2050000.00",
                {**CUSTODY, "maturity_date": 60, "acquisition_date": -30},
            ),
        ),
        as_of_days_ago=120,
        attestation=CLEAN_REPORT,
    ),
    CoinPlan(
        "HKDB",
        "HKD Buffer",
        "Kowloon Pay Ltd",
        "HKD",
        "HK",
        "FRS-TEST-4",
        4_000_000,
        0,
        DEV_ACCOUNTS[7],
        user="kpissuer",
        licence={"buffer_min": Decimal("0.01"), **HK_LICENCE},
        lines=(
            Line("demand_deposit", "Kowloon Bank", "HKD", "1020000.00", TRUST),
            Line("tbill", "HK Securities Depository", "HKD", "3000000.00", {**CUSTODY, "maturity_date": 80}),
        ),
        attestation=CLEAN_REPORT,
    ),
    CoinPlan(
        "HKDC",
        "HKD Continuous",
        "Victoria Harbour Money Ltd",
        "HKD",
        "HK",
        "FRS-TEST-5",
        3_000_000,
        0,
        DEV_ACCOUNTS[8],
        user="vhissuer",
        licence=HK_LICENCE,
        lines=(
            Line("demand_deposit", CUSTODIAN, "HKD", "1000000.00", TRUST),
            Line("tbill", "HK Securities Depository", "HKD", "2050000.00", {**CUSTODY, "maturity_date": 60}),
        ),
        attestation=CLEAN_REPORT,
        story="hkdc",
    ),
    CoinPlan(
        "USDL",
        "USD Lantern",
        "Lantern Dollar Co",
        "USD",
        "US_GENIUS",
        "GENIUS-TEST-9",
        2_000_000,
        0,
        DEV_ACCOUNTS[9],
        user="ltissuer",
        licence={"apply_proposed": True},
        lines=(
            # Spread over three institutions, none above the proposed 40 % (R12, all reserve assets): the
            # coin's one finding is its shortfall.
            Line("demand_deposit", "Lantern Trust Bank", "USD", "700000.00", TRUST),
            Line("tbill", "Lantern Custody", "USD", "600000.00", {**CUSTODY, "maturity_date": 60}),
            Line("tbill", "Beacon Securities Custody", "USD", "600000.00", {**CUSTODY, "maturity_date": 45}),
        ),
        as_of_days_ago=30,
        attestation=CLEAN_REPORT,
        story="usdl",
    ),
]


def _user(username: str, role: str, issuer: Issuer | None, **membership: Any) -> None:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_password(DEMO_PASSWORDS[username])
        user.save()
    Membership.objects.update_or_create(user=user, defaults={"role": role, "issuer": issuer, **membership})


def _deploy(rpc: RpcClient, plan: CoinPlan) -> str:
    token = deploy_stablecoin(rpc, name=plan.name, symbol=plan.symbol, decimals=6, owner=OWNER, proxied=True)
    unit = 10**6
    send(rpc, token, "mint(address,uint256)", [HOLDER_A, plan.circulating * unit * 3 // 5], sender=OWNER)
    send(rpc, token, "mint(address,uint256)", [HOLDER_B, plan.circulating * unit * 2 // 5], sender=OWNER)
    if plan.treasury:
        send(rpc, token, "mint(address,uint256)", [plan.treasury_address, plan.treasury * unit], sender=OWNER)
    return token


def _holding_fields(extra: dict[str, Any], today: date) -> dict[str, Any]:
    """Day offsets for the date fields become dates relative to today."""
    return {k: today + timedelta(days=v) if k.endswith("_date") else v for k, v in extra.items()}


def _attest(plan: CoinPlan, coin: Stablecoin) -> str:
    user = get_user_model().objects.get(username=plan.user)
    # Not "a second ago": blocks share whole-second timestamps, so an as-of a second back can fall
    # between this coin's mints and pin a supply without the later ones.
    as_of = timezone.now() - timedelta(days=plan.as_of_days_ago)
    holdings = [HoldingInput(x.asset_class, x.custodian, x.currency, Decimal(x.market_value)) for x in plan.lines]
    if plan.profile == "HK":
        # Hong Kong asks for a weekly disclosure (R22) besides the attestation; filed first, so the
        # attestation (same as-of, later version) is the one that stands.
        weekly = attestation_create(
            user=user,
            stablecoin=coin,
            as_of=as_of,
            as_of_timezone="UTC",
            holdings=holdings,
            report_type=ReportType.WEEKLY_DISCLOSURE,
        )
        _fill(plan, weekly, as_of.date(), header={})
        attestation_submit(user=user, attestation=weekly)
    attestation = attestation_create(user=user, stablecoin=coin, as_of=as_of, as_of_timezone="UTC", holdings=holdings)
    auditor = get_user_model().objects.get(username="auditor")
    firm, registration = AUDIT_FIRM
    evidence = {
        "auditor": auditor,
        "assurer_name": firm,
        "assurer_registration": registration,
        "standard": "HKSAE 3000",
    }
    header = {**evidence, **plan.attestation}
    if plan.profile == "US_GENIUS":  # the GENIUS Act asks for the CEO's and CFO's certification
        certified = as_of + timedelta(hours=1)
        header.update(ceo_name="Casey Chief", ceo_certified_at=certified, cfo_name="Frankie Finance",
                      cfo_certified_at=certified)  # fmt: skip
    _fill(plan, attestation, as_of.date(), header=header)
    report = f"%PDF-1.4\n% {firm}: demo report on {plan.symbol}'s reserves (not a real opinion)\n%%EOF\n"
    attestation_document_attach(user=user, attestation=attestation, content=report.encode())
    attestation_submit(user=user, attestation=attestation)
    # The auditor countersigns what was filed (EIP-712), so the pages show a verified signature.
    attestation.refresh_from_db()
    signature = signature_make(typed_data(attestation_payload(attestation)), AUDITOR_KEY)
    attestation_sign(user=auditor, attestation=attestation, signature=signature)
    total = sum(Decimal(x.market_value) for x in plan.lines)
    return f"filed a {plan.symbol} attestation ({coin.currency} {total:,} against {plan.circulating:,} tokens)"


def _fill(plan: CoinPlan, attestation: Attestation, today: date, *, header: dict[str, Any]) -> None:
    """The issuer form does not carry every field yet; the demo fills them in while the report is a draft."""
    for line, x in enumerate(plan.lines, start=1):
        if x.extra:
            Holding.objects.filter(attestation=attestation, line=line).update(**_holding_fields(x.extra, today))
    if header:
        Attestation.objects.filter(pk=attestation.pk, status="draft").update(**header)


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
            # A development chain: reads pin anvil's finalized block, head - 2 (devtools.devchain), and the
            # fallback depth says the same, rather than CHAIN_CONFIRMATIONS' 64 blocks for Ethereum.
            "finality": "finalized",
            "confirmations": confirmations if confirmations is not None else 2,
        },
    )
    for plan in PLANS:
        issuer, _ = Issuer.objects.get_or_create(name=plan.issuer)
        coin, _ = Stablecoin.objects.get_or_create(
            symbol=plan.symbol, defaults={"name": plan.name, "issuer": issuer, "currency": plan.currency}
        )
        Licence.objects.get_or_create(
            stablecoin=coin, profile=plan.profile, defaults={"licence_id": plan.licence_id, **plan.licence}
        )
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
    done.extend(demo_feeds_seed(owner=OWNER))
    # Blocks past the deployments, so the finalised head (head - confirmations) already sees them.
    mine(rpc, network.confirmations + 1)

    _user("regulator", Role.REGULATOR, None)
    custodian_user("custodian", DEMO_PASSWORDS["custodian"])
    firm, _ = AccountingFirm.objects.get_or_create(name=AUDIT_FIRM[0], defaults={"registration": AUDIT_FIRM[1]})
    _user("auditor", Role.AUDITOR, None, firm=firm, signing_address=Account.from_key(AUDITOR_KEY).address)
    for plan in PLANS:
        coin = Stablecoin.objects.get(symbol=plan.symbol)
        _user(plan.user, Role.ISSUER, coin.issuer)
        if plan.lines and not coin.attestations.exists():
            done.append(_attest(plan, coin))
            if plan.story == "hkdc":
                done += hkdc_story(coin, plan.user, "custodian")
            elif plan.story == "usdl":
                done += usdl_story(coin, network, coin.attestations.get())
    return done
