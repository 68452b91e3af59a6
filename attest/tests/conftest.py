"""Personas and a ready draft for the attestation tests.

issuer_alice works for Alpha Reserve Ltd (coin ALPHA, HK licence; its signing key is ALPHA_KEY),
issuer_erin for Beta Money Inc (coin BETA, US GENIUS licence), auditor_dan for Count & Co (key
AUDITOR_KEY), regulator_bob regulates, outsider_charlie has an account and no role.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from eth_account import Account

from attest.evidence import attestation_sign
from attest.models import AccountingFirm, Attestation, Issuer, Licence, Membership, Role, Stablecoin
from attest.services import attestation_create
from attest.signing import attestation_payload, signature_make, typed_data
from attest.validation import AttestationDetails, HoldingInput, IssuerFigureInput

PASSWORD = "correct horse battery staple"
ALPHA_KEY = "0x" + "11" * 32
AUDITOR_KEY = "0x" + "22" * 32
MALLORY_KEY = "0x" + "33" * 32
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username: str, role: str | None, **membership):
    user = get_user_model().objects.create_user(username, f"{username}@example.com", PASSWORD)
    if role:
        Membership.objects.create(user=user, role=role, **membership)
    return user


@pytest.fixture
def alpha(db) -> Stablecoin:
    issuer = Issuer.objects.create(name="Alpha Reserve Ltd", signing_address=Account.from_key(ALPHA_KEY).address)
    coin = Stablecoin.objects.create(issuer=issuer, symbol="ALPHA", name="Alpha Dollar", currency="HKD")
    Licence.objects.create(stablecoin=coin, profile="HK", licence_id="HK-1")
    return coin


@pytest.fixture
def beta(db) -> Stablecoin:
    issuer = Issuer.objects.create(name="Beta Money Inc")
    coin = Stablecoin.objects.create(issuer=issuer, symbol="BETA", name="Beta Dollar", currency="USD")
    Licence.objects.create(stablecoin=coin, profile="US_GENIUS", licence_id="G-1")
    return coin


@pytest.fixture
def issuer_alice(alpha):
    return _user("issuer_alice", Role.ISSUER, issuer=alpha.issuer)


@pytest.fixture
def issuer_erin(beta):
    return _user("issuer_erin", Role.ISSUER, issuer=beta.issuer)


@pytest.fixture
def auditor_dan(db):
    firm = AccountingFirm.objects.create(name="Count & Co", registration="PCAOB-1")
    return _user("auditor_dan", Role.AUDITOR, firm=firm, signing_address=Account.from_key(AUDITOR_KEY).address)


@pytest.fixture
def regulator_bob(db):
    return _user("regulator_bob", Role.REGULATOR)


@pytest.fixture
def outsider_charlie(db):
    return _user("outsider_charlie", None)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def holdings() -> list[HoldingInput]:
    return [
        HoldingInput("demand_deposit", "Harbour Bank", "HKD", Decimal("600000.00"), custodian_country="HK"),
        HoldingInput(
            "tbill",
            "HK Depository",
            "HKD",
            Decimal("400000.00"),
            instrument_id="HK0000000001",
            acquisition_date=(timezone.now() - timedelta(days=30)).date(),
            maturity_date=(timezone.now() + timedelta(days=60)).date(),
        ),
    ]


@pytest.fixture
def alpha_draft(issuer_alice, alpha, auditor_dan) -> Attestation:
    return attestation_create(
        user=issuer_alice,
        stablecoin=alpha,
        as_of=timezone.now() - timedelta(hours=1),
        as_of_timezone="Asia/Hong_Kong",
        holdings=holdings(),
        details=AttestationDetails(stated_total_reserves=Decimal("1000000.00"), auditor_id=auditor_dan.pk),
        issuer_figures=[IssuerFigureInput(1, Decimal("990000"))],
    )


def alpha_signed_draft(
    user, coin: Stablecoin, auditor, *, as_of: datetime, chain_id: int, outstanding: Decimal = Decimal("990000")
) -> Attestation:
    """ALPHA's draft as of ``as_of``: ``holdings()`` (1,000,000 HKD), ``outstanding`` tokens stated on ``chain_id``,
    signed with the issuer's key, ready to submit (the tests that run it against a chain)."""
    draft = attestation_create(
        user=user,
        stablecoin=coin,
        as_of=as_of,
        as_of_timezone="UTC",
        holdings=holdings(),
        details=AttestationDetails(
            stated_total_reserves=sum((h.market_value for h in holdings()), Decimal(0)), auditor_id=auditor.pk
        ),
        issuer_figures=[IssuerFigureInput(chain_id, outstanding)],
    )
    signature = signature_make(typed_data(attestation_payload(draft)), ALPHA_KEY)
    attestation_sign(user=user, attestation=draft, signature=signature)
    draft.refresh_from_db()
    return draft
