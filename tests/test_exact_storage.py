"""Amounts at the extremes survive both databases: PostgreSQL ``numeric`` and the embedded default, SQLite
(where these fields are text: a Django DecimalField there goes through a 15-digit float)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper

from attest.models import Attestation, Holding, Issuer, IssuerFigure, Stablecoin
from chain.models import Deployment, Network, SupplyReading
from chain.units import tokens
from reserves.models import ReconciliationRun

pytestmark = pytest.mark.django_db


# The largest supply a token can have, at both ends of the decimals a deployment may register (0 to 77).
UINT256_MAX = 2**256 - 1
EXTREMES = [tokens(UINT256_MAX, 0), tokens(UINT256_MAX, 77), tokens(1, 77), Decimal(10) ** 18]


@pytest.fixture
def sqlite() -> Iterator[str]:
    """An in-memory SQLite database beside the PostgreSQL one, with the tables of the money-carrying models:
    the embedded default stores these fields as text, and must hand back every digit."""
    wrapper = SQLiteWrapper({**connection.settings_dict, "ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"})
    alias = "sqlite_exact"
    connections[alias] = wrapper
    try:
        with wrapper.schema_editor() as editor:
            for model in (
                get_user_model(), Issuer, Stablecoin, Attestation, Holding, IssuerFigure, Network, Deployment,
                SupplyReading, ReconciliationRun,
            ):  # fmt: skip
                editor.create_model(model)
        yield alias
    finally:
        wrapper.close()
        del connections[alias]


def _run(using: str, stablecoin: Stablecoin, amount: Decimal, n: int) -> ReconciliationRun:
    return ReconciliationRun.objects.using(using).create(
        stablecoin=stablecoin,
        rulepack_version="x",
        trigger="test",
        inputs={},
        input_hash=f"{n:064x}",
        status="backed",
        outstanding=amount,
        par_outstanding=amount,
        reserves=amount,
        ratio=amount,
        headroom=-amount,
    )


@pytest.mark.parametrize("using", ["default", "sqlite"])
def test_run_amounts_keep_every_digit_of_a_uint256_at_any_decimals(using, request):
    alias = request.getfixturevalue("sqlite") if using == "sqlite" else "default"
    issuer = Issuer.objects.using(alias).create(name="Huge Ltd")
    stablecoin = Stablecoin.objects.using(alias).create(issuer=issuer, symbol="HUGE", name="Huge", currency="USD")
    for n, amount in enumerate(EXTREMES):
        run = ReconciliationRun.objects.using(alias).get(pk=_run(alias, stablecoin, amount, n).pk)
        assert (run.outstanding, run.par_outstanding, run.reserves, run.ratio) == (amount,) * 4
        assert run.headroom == -amount
        assert format(run.outstanding, "f") == format(amount, "f")
    network = Network.objects.using(alias).create(name="huge", chain_id=98)
    dep = Deployment.objects.using(alias).create(
        stablecoin=stablecoin, network=network, address="0x" + "22" * 20, decimals=0
    )
    SupplyReading.objects.using(alias).create(
        deployment=dep,
        chain_id=98,
        block_number=1,
        block_hash="0x" + "33" * 32,
        block_time=datetime(2026, 1, 1, tzinfo=UTC),
        total_supply=UINT256_MAX,
        read_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert SupplyReading.objects.using(alias).get().total_supply == UINT256_MAX


def test_a_bounded_amount_refuses_what_does_not_fit_instead_of_rounding():
    issuer = Issuer.objects.create(name="Bounded Ltd")
    coin = Stablecoin.objects.create(issuer=issuer, symbol="BND", name="Bounded", currency="USD")
    attestation = Attestation.objects.create(
        stablecoin=coin,
        version=1,
        as_of=datetime(2026, 1, 1, tzinfo=UTC),
        as_of_timezone="UTC",
        created_by=get_user_model().objects.create_user(username="bounded"),
    )
    top = Decimal("1000000000000000000.000001")  # reserves of 10**18 currency units and a millionth fit
    Holding.objects.create(attestation=attestation, line=1, asset_class="cash", custodian="B", currency="USD",
                           market_value=top)  # fmt: skip
    assert Holding.objects.get().market_value == top
    with pytest.raises(ValidationError, match="does not fit 25 digits"), transaction.atomic():
        Holding.objects.create(attestation=attestation, line=2, asset_class="cash", custodian="B", currency="USD",
                               market_value=Decimal(10) ** 19)  # fmt: skip
    IssuerFigure.objects.create(attestation=attestation, chain_id=1, outstanding=EXTREMES[1])
    assert IssuerFigure.objects.get().outstanding == EXTREMES[1]
