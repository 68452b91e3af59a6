"""Reserve composition: an attestation's holdings summed in the coin's currency by class, custodian and maturity.

Pure: it takes the holdings already read. Amounts stay ``Decimal``; a holding in another currency counts
at its own stated FX rate, and one without a rate is listed as not counted rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from attest.models import AssetClass, Holding

MATURITY_BUCKETS = ["0-7 d", "8-30 d", "31-93 d", "94-365 d", "> 1 y", "none"]


def maturity_bucket(maturity: date | None, as_of: date) -> str:
    """The residual-maturity bucket of a holding, counted from the attestation's as-of date."""
    if maturity is None:
        return "none"
    days = (maturity - as_of).days
    if days <= 7:
        return "0-7 d"
    if days <= 30:
        return "8-30 d"
    if days <= 93:
        return "31-93 d"
    if days <= 365:
        return "94-365 d"
    return "> 1 y"


@dataclass
class Composition:
    currency: str
    total: Decimal = Decimal(0)
    by_asset_class: list[tuple[str, Decimal]] = field(default_factory=list)
    by_custodian: list[tuple[str, Decimal]] = field(default_factory=list)
    by_maturity: list[tuple[str, Decimal]] = field(default_factory=list)
    unconverted: list[Holding] = field(default_factory=list)  # other currency and no FX rate: not counted

    def tables(self) -> list[tuple[str, str, list[tuple[str, Decimal]]]]:
        return [
            ("asset_class", "By asset class", self.by_asset_class),
            ("custodian", "By custodian", self.by_custodian),
            ("maturity", "By residual maturity", self.by_maturity),
        ]


def composition_of(holdings: list[Holding], *, currency: str, as_of: date) -> Composition:
    """Holdings summed in the coin's currency (at their stated FX rate) by class, custodian and maturity."""
    labels = dict(AssetClass.choices)
    by_class: dict[str, Decimal] = defaultdict(Decimal)
    by_custodian: dict[str, Decimal] = defaultdict(Decimal)
    by_maturity: dict[str, Decimal] = dict.fromkeys(MATURITY_BUCKETS, Decimal(0))
    result = Composition(currency=currency)
    for h in holdings:
        if h.currency == currency:
            value = h.market_value
        elif h.fx_rate is not None:
            value = h.market_value * h.fx_rate
        else:
            result.unconverted.append(h)
            continue
        result.total += value
        by_class[labels.get(h.asset_class, h.asset_class)] += value
        by_custodian[h.custodian] += value
        by_maturity[maturity_bucket(h.maturity_date, as_of)] += value
    result.by_asset_class = sorted(by_class.items(), key=lambda kv: -kv[1])
    result.by_custodian = sorted(by_custodian.items(), key=lambda kv: -kv[1])
    result.by_maturity = list(by_maturity.items())
    return result
