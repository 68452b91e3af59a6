"""uint256 and money survive the database exactly (SQLite would turn them into 15-digit floats)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attest.models import Issuer, Stablecoin
from chain.models import Deployment, Network, SupplyReading

pytestmark = pytest.mark.django_db


@pytest.fixture
def deployment() -> Deployment:
    issuer = Issuer.objects.create(name="Exact Ltd")
    coin = Stablecoin.objects.create(issuer=issuer, symbol="EXA", name="Exact", currency="USD", par_value=Decimal("1"))
    network = Network.objects.create(name="exact", chain_id=99, rpc_urls=["http://127.0.0.1:1"])
    return Deployment.objects.create(stablecoin=coin, network=network, address="0x" + "11" * 20, decimals=18)


def _reading(deployment: Deployment, total: int, block: int = 1) -> SupplyReading:
    return SupplyReading.objects.create(
        deployment=deployment,
        chain_id=99,
        block_number=block,
        block_hash="0x" + f"{block:064x}",
        block_time=datetime(2026, 1, 1, tzinfo=UTC),
        total_supply=total,
        read_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_it_round_trips_a_uint256_to_the_last_digit(deployment):
    value = 2**255 + 12345
    _reading(deployment, value)
    assert SupplyReading.objects.get().total_supply == value


def test_it_refuses_a_negative_or_oversized_supply(deployment):
    with pytest.raises(ValidationError):
        _reading(deployment, -1)
    with pytest.raises(ValidationError):
        _reading(deployment, 2**256, block=2)


def test_it_keeps_money_exact_beyond_fifteen_digits():
    issuer = Issuer.objects.create(name="Precise Ltd")
    coin = Stablecoin.objects.create(
        issuer=issuer, symbol="PRC", name="Precise", currency="USD", par_value=Decimal("0.999999")
    )
    coin.refresh_from_db()
    assert coin.par_value == Decimal("0.999999")
    assert isinstance(coin.par_value, Decimal)
