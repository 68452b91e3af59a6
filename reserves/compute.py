"""The reconciliation arithmetic: a pure function from stored inputs to figures and rule results.

Everything a run needs is in its ``inputs`` dict (JSON, amounts as decimal strings), so a stored
run can be recomputed from its own inputs and must give the identical result.

Rounding: token amounts are exact (raw integer scaled by the token's decimals). Sums and products
are exact within a 100-digit context, far beyond any uint256. The ratio is the only division: it
is cut (ROUND_DOWN) to 12 decimal places for storage and display; the backing test compares
reserves with par value outstanding directly, never the rounded ratio.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any

RULEPACK_VERSION = "2026.11.0"
RATIO_PLACES = Decimal("1e-12")
AMOUNT_PLACES = Decimal("1e-18")


def tokens(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def compute(inputs: dict[str, Any]) -> dict[str, Any]:
    """Figures and rule results for one coin from its inputs (see reserves.services.run_inputs)."""
    with localcontext() as ctx:
        ctx.prec = 100
        readings = inputs["readings"]
        attestation = inputs["attestation"]
        keep = frozenset(inputs.get("outstanding_buckets", []))
        if not readings:
            return _result("no_supply", results=[_not_evaluable("R1", "no supply reading yet")])
        outstanding = Decimal(0)
        for reading in readings:
            deducted = sum(int(b["raw"]) for b in reading["balances"] if b["bucket"] not in keep)
            outstanding += tokens(int(reading["total_supply"]) - deducted, int(reading["decimals"]))
        par_outstanding = outstanding * Decimal(inputs["par_value"])
        if attestation is None:
            return _result(
                "no_attestation",
                outstanding=outstanding,
                par_outstanding=par_outstanding,
                results=[_not_evaluable("R1", "no submitted attestation")],
            )
        currency = inputs["currency"]
        reserves = sum(
            (Decimal(h["market_value"]) for h in attestation["holdings"] if h["currency"] == currency), Decimal(0)
        )
        headroom = reserves - par_outstanding
        ratio = (reserves / par_outstanding).quantize(RATIO_PLACES, rounding=ROUND_DOWN) if par_outstanding else None
        backed = reserves >= par_outstanding
        r1 = {
            "rule": "R1",
            "name": "Full backing",
            "severity": "critical",
            "outcome": "pass" if backed else "fail",
            "message": (
                f"reserves {reserves} {currency} cover par value outstanding {par_outstanding} {currency}"
                if backed
                else f"reserves {reserves} {currency} are below par value outstanding {par_outstanding} {currency}"
            ),
            "figures": {"reserves": str(reserves), "par_outstanding": str(par_outstanding), "headroom": str(headroom)},
        }
        return _result(
            "backed" if backed else "under_collateralised",
            outstanding=outstanding,
            par_outstanding=par_outstanding,
            reserves=reserves,
            ratio=ratio,
            headroom=headroom,
            results=[r1],
        )


def _not_evaluable(rule: str, why: str) -> dict[str, Any]:
    return {"rule": rule, "outcome": "not_evaluable", "severity": "critical", "message": why, "figures": {}}


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(AMOUNT_PLACES))


def _result(
    status: str,
    *,
    outstanding: Decimal | None = None,
    par_outstanding: Decimal | None = None,
    reserves: Decimal | None = None,
    ratio: Decimal | None = None,
    headroom: Decimal | None = None,
    results: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "status": status,
        "outstanding": _amount(outstanding),
        "par_outstanding": _amount(par_outstanding),
        "reserves": _amount(reserves),
        "ratio": None if ratio is None else str(ratio),
        "headroom": _amount(headroom),
        "results": results,
    }
