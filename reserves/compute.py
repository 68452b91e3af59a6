"""The reconciliation arithmetic: a pure function from a run's stored inputs to its outputs.

Everything a run needs is in its ``inputs`` dict (JSON, amounts as decimal strings; the format is
in docs/rules.md and typed in reserves/runtypes.py), including the whole rule pack, so a stored run
can be recomputed from its own inputs and gives the identical result. No database, no clock: the
evaluation instant is an input.

Rounding, stated once:
- token amounts are exact (raw integer scaled by the token's decimals); sums, products, exchange
  rates and haircuts are exact within attest.exact's 400-digit context, far beyond any uint256 at
  any decimals;
- every comparison (backing, buffer, shares, concentration) is made on these unrounded values;
- the ratio is the only division: stored cut (ROUND_DOWN) to 12 places, shown cut to 4 places
  (``ratio_display``), so a coin at 0.99999 shows 0.9999, never 1.0000;
- amounts in the outputs are written with at least 18 places, and with every place they have
  beyond that (a token of more than 18 decimals): never rounded.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal

from attest.exact import EXACT, amount_text, exact_arithmetic
from chain.outstanding import outstanding_of
from chain.units import tokens
from reserves.rules.catalogue import CHECKS
from reserves.rules.checks import Facts
from reserves.rules.figures import HoldingView, holdings, parse_time
from reserves.runtypes import HoldingRow, RuleResult, RuleSpec, RunInputs, RunOutputs, RunStatus

__all__ = ["INPUTS_FORMAT", "compute", "ratio_cut", "rule_order", "tokens"]

INPUTS_FORMAT = 2
RATIO_PLACES = Decimal("1e-12")
RATIO_DISPLAY_PLACES = Decimal("1e-4")


def ratio_cut(ratio: Decimal) -> str:
    """The ratio as shown to people: cut (never rounded up) to 4 places, so 0.99999 shows 0.9999."""
    return format(ratio.quantize(RATIO_DISPLAY_PLACES, rounding=ROUND_DOWN, context=EXACT), "f")


def rule_order(rule_id: str) -> tuple[str, int]:
    """R1, R2, ..., R31, then X1: letters first, then the number."""
    match = re.fullmatch(r"([A-Z]+)(\d+)", rule_id)
    return (match.group(1), int(match.group(2))) if match else (rule_id, 0)


def _exact(value: Decimal) -> str:
    return amount_text(value)


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else _exact(value)


def _holding_row(h: HoldingView) -> HoldingRow:
    row: HoldingRow = {
        "line": h.line,
        "asset_class": h.data["asset_class"],
        "value": _amount(h.value),
        "haircut": str(h.haircut),
        "eligible_value": _exact(h.eligible_value),
        "excluded_by": h.excluded_by,
    }
    if h.unverified_by:
        row["unverified_by"] = h.unverified_by
    return row


def unverified_notes(spec: RuleSpec) -> list[str]:
    """Why a rule, or a parameter of it, is not confirmed in its sources (pack 2026.12 on)."""
    notes = [f"rule: {spec['unverified']}"] if spec.get("unverified") else []
    for param, cite in sorted(spec.get("param_cite", {}).items()):
        if cite.get("unverified"):
            notes.append(f"{param}: {cite['unverified']}")
    return notes


def _severity(spec: RuleSpec, outcome: str, unverified: list[str]) -> str:
    """The severity a result carries; a reading the sources do not confirm never makes a critical flag."""
    severity = spec["params"].get("warn_severity", spec["severity"]) if outcome == "warn" else spec["severity"]
    return "high" if unverified and outcome in ("fail", "warn") and severity == "critical" else severity


def compute(inputs: RunInputs) -> RunOutputs:
    """Figures and every rule's result for one coin under one profile (see reserves.services.run_inputs)."""
    if inputs.get("format") != INPUTS_FORMAT:
        # Runs written before rule packs (format 1, no "format" key) hold no pack to recompute them with.
        raise ValueError(
            f"inputs format {inputs.get('format', 1)} is not {INPUTS_FORMAT}; this run cannot be recomputed"
        )
    with exact_arithmetic():
        pack = inputs["rulepack"]
        coin_supply = outstanding_of(inputs["readings"], frozenset(pack["outstanding_keeps"]))
        par = None if coin_supply is None else coin_supply.outstanding * Decimal(inputs["par_value"])
        views = holdings(inputs)
        attested = inputs["attestation"] is not None
        eligible = sum((h.eligible_value for h in views), Decimal(0)) if attested else None
        unverified = sum((h.unverified_value for h in views), Decimal(0))
        facts = Facts(
            inputs=inputs,
            currency=inputs["currency"],
            supply=coin_supply,
            par_outstanding=par,
            holdings=views,
            eligible=eligible,
            evaluated_at=parse_time(inputs["evaluated_at"]),
            unverified=unverified,
        )
        results: list[RuleResult] = []
        for rule_id in sorted(pack["rules"], key=rule_order):
            spec = pack["rules"][rule_id]
            outcome, message, figures = CHECKS[rule_id](spec["params"], facts)
            notes = unverified_notes(spec)
            result: RuleResult = {
                "rule": rule_id,
                "name": spec["name"],
                "outcome": outcome,
                "severity": _severity(spec, outcome, notes),
                "message": message,
                "figures": figures,
                "source": spec["source"],
                "confidence": spec["confidence"],
                "status": spec["status"],
            }
            if notes:
                result["unverified"] = notes
            results.append(result)
        ratio = headroom = None
        if eligible is not None and par is not None:
            headroom = eligible - par
            ratio = eligible / par if par else None
        status: RunStatus
        if coin_supply is None:
            status = "no_supply"
        elif not attested:
            status = "no_attestation"
        elif eligible is not None and par is not None and eligible >= par:
            status = "backed"
        elif eligible is not None and par is not None and eligible + unverified >= par:
            status = "reserves_unverified"
        else:
            status = "under_collateralised"
        stated = [h.value for h in views if h.value is not None]
        outputs: RunOutputs = {
            "status": status,
            "profile": inputs["profile"],
            "rulepack_version": pack["version"],
            "outstanding": _amount(None if coin_supply is None else coin_supply.outstanding),
            "outstanding_by_chain": {}
            if coin_supply is None
            else {str(k): _exact(v) for k, v in sorted(coin_supply.by_chain.items())},
            "deducted": {} if coin_supply is None else {k: _exact(v) for k, v in sorted(coin_supply.deducted.items())},
            "kept_outstanding": {}
            if coin_supply is None
            else {k: _exact(v) for k, v in sorted(coin_supply.kept.items())},
            "par_outstanding": _amount(par),
            "reserves_stated": _amount(sum(stated, Decimal(0))) if attested else None,
            "reserves": _amount(eligible),
            "ratio": None if ratio is None else format(ratio.quantize(RATIO_PLACES, rounding=ROUND_DOWN), "f"),
            "ratio_display": None if ratio is None else ratio_cut(ratio),
            "headroom": _amount(headroom),
            "holdings": [_holding_row(h) for h in views],
            "results": results,
        }
        if unverified:
            outputs["reserves_unverified"] = _exact(unverified)
        return outputs
