"""One function per rule: (rule spec, shared figures) -> outcome, message and the figures behind it.

Outcomes: ``pass``, ``fail``, ``warn`` (a flag opens, at the rule's warn severity), ``not_evaluable``
(the inputs lack the data; never counted as a pass) and ``not_applicable`` (the rule does not bite
under this licence, e.g. no buffer set). Comparisons use unrounded ``Decimal`` values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from reserves.rules.facts import Facts, Outcome, _needs_backing, _pct, _per_holding, _s
from reserves.rules.reports import r22_weekly, r23_monthly, r24_attestation_fresh, r25_opinion, r26_certification

__all__ = ["CHECKS", "Facts", "Outcome"]


def r1_full_backing(params: dict[str, Any], f: Facts) -> Outcome:
    """Verified eligible reserves against par value outstanding.

    Holdings that could not be verified do not count (packs of 2026.12 on: ``unverified_holdings:
    exclude``). When only they would close the gap, R1 is not evaluable rather than failed: the
    shortfall is not proven, and the backing is not shown either.
    """
    missing = _needs_backing(f)
    if missing or f.eligible is None or f.par_outstanding is None:
        return "not_evaluable", missing or "", {}
    figures = {
        "eligible_reserves": _s(f.eligible),
        "par_outstanding": _s(f.par_outstanding),
        "headroom": _s(f.eligible - f.par_outstanding),
    }
    if f.unverified:
        figures["unverified_reserves"] = _s(f.unverified)
    if f.eligible >= f.par_outstanding:
        return (
            "pass",
            f"eligible reserves {f.eligible} {f.currency} cover par value outstanding {f.par_outstanding}",
            figures,
        )
    if f.eligible + f.unverified >= f.par_outstanding:
        return (
            "not_evaluable",
            f"verified eligible reserves {f.eligible} {f.currency} are below par value outstanding "
            f"{f.par_outstanding}; holdings worth {f.unverified} could not be verified",
            figures,
        )
    return (
        "fail",
        f"eligible reserves {f.eligible} {f.currency} are below par value outstanding {f.par_outstanding} {f.currency}",
        figures,
    )


def r2_eligible_only(params: dict[str, Any], f: Facts) -> Outcome:
    outcome, message, figures = _per_holding("R2", f, "the eligible asset classes")
    if outcome != "fail":
        return outcome, message, figures
    ineligible = sum((h.value or Decimal(0) for h in f.holdings if "R2" in h.excluded_by), Decimal(0))
    figures["ineligible_value"] = str(ineligible)
    if f.eligible is not None and f.par_outstanding is not None and f.eligible < f.par_outstanding:
        return "fail", f"{message}; eligible assets alone do not cover par value outstanding", figures
    return "warn", f"{message}; excluded from reserves ({ineligible} {f.currency})", figures


def r3_buffer(params: dict[str, Any], f: Facts) -> Outcome:
    raw = f.licence.get("buffer_min")
    if raw is None:
        raw = params["buffer_min"]
    if raw is None:
        # The regime names no number (HK: "appropriate"); only the licence can set one.
        return "not_evaluable", "the licence sets no buffer and the regime gives no number", {"buffer_min": None}
    buffer = Decimal(raw)
    if buffer == 0:
        return "not_applicable", "no buffer is set for this licence", {"buffer_min": "0"}
    missing = _needs_backing(f)
    if missing or f.eligible is None or f.par_outstanding is None:
        return "not_evaluable", missing or "", {"buffer_min": str(buffer)}
    required = f.par_outstanding * (Decimal(1) + buffer)
    figures = {"buffer_min": str(buffer), "required": str(required), "eligible_reserves": str(f.eligible)}
    if f.eligible >= required:
        return "pass", f"reserves exceed par value outstanding by at least {_pct(buffer)}", figures
    if f.eligible >= f.par_outstanding:
        return "warn", f"reserves are inside the {_pct(buffer)} buffer: {f.eligible} < {required} {f.currency}", figures
    return "fail", f"reserves are below par value outstanding, let alone the {_pct(buffer)} buffer", figures


def r5_frozen(params: dict[str, Any], f: Facts) -> Outcome:
    if f.supply is None:
        return "not_evaluable", "no supply reading yet", {}
    kept = f.supply.kept.get("frozen", Decimal(0))
    deducted = f.supply.deducted.get("frozen", Decimal(0))
    if "frozen" in f.inputs["rulepack"]["outstanding_keeps"]:
        return "pass", f"{kept} frozen tokens counted as outstanding and backed", {"frozen_counted": str(kept)}
    return "pass", f"{deducted} frozen tokens deducted from outstanding", {"frozen_deducted": str(deducted)}


def r6_maturity(params: dict[str, Any], f: Facts) -> Outcome:
    return _per_holding("R6", f, "the maturity caps")


def r8_currency(params: dict[str, Any], f: Facts) -> Outcome:
    return _per_holding("R8", f, f"the currency match with {f.currency}")


def r11_deposit_minimum(params: dict[str, Any], f: Facts) -> Outcome:
    """Deposits at least a share of the base: of eligible reserves under packs before 2026.12; of the
    funds received (par value outstanding, ``basis``), at the institutions listed, from 2026.12 on."""
    if "basis" not in params:
        return _r11_of_reserves(params, f)
    if f.attestation is None or f.eligible is None or f.par_outstanding is None:
        return "not_evaluable", _needs_backing(f) or "no supply reading yet", {}
    institutions = params["institution_types"]
    deposits = sum(
        (
            h.eligible_value
            for h in f.holdings
            if h.data["asset_class"] in params["deposit_classes"] and h.data.get("custodian_type") in institutions
        ),
        Decimal(0),
    )
    base = f.par_outstanding
    share = Decimal(params["min_share"])
    figures: dict[str, Any] = {"deposits": str(deposits), "par_outstanding": str(base), "min_share": str(share)}
    where = f"deposits at {', '.join(institutions)} institutions"
    if deposits < base * share:
        return "fail", f"{where} {deposits} are below {_pct(share)} of the funds received {base}", figures
    draft = params.get("draft_significant_min_share")
    if draft is not None and f.licence.get("significant"):
        figures["draft_significant_min_share"] = str(draft)
        if deposits < base * Decimal(draft):
            return (
                "warn",
                f"{where} {deposits} meet {_pct(share)} but not the {_pct(Decimal(draft))} of the draft RTS "
                f"for significant tokens (not in force)",
                figures,
            )
    return "pass", f"{where} {deposits} are at least {_pct(share)} of the funds received {base}", figures


def _r11_of_reserves(params: dict[str, Any], f: Facts) -> Outcome:
    if f.attestation is None or f.eligible is None:
        return "not_evaluable", "no submitted attestation", {}
    share = Decimal(params["significant_min_share" if f.licence.get("significant") else "min_share"])
    deposits = sum(
        (h.eligible_value for h in f.holdings if h.data["asset_class"] in params["deposit_classes"]), Decimal(0)
    )
    figures = {"deposits": str(deposits), "eligible_reserves": str(f.eligible), "min_share": str(share)}
    if f.eligible > 0 and deposits >= f.eligible * share:
        return "pass", f"deposits {deposits} are at least {_pct(share)} of eligible reserves", figures
    return "fail", f"deposits {deposits} are below {_pct(share)} of eligible reserves {f.eligible}", figures


def r12_concentration(params: dict[str, Any], f: Facts) -> Outcome:
    if f.attestation is None or f.eligible is None:
        return "not_evaluable", "no submitted attestation", {}
    limit = Decimal(params["max_share"])
    exposure: dict[str, Decimal] = defaultdict(Decimal)
    classes = params["exposure_classes"]
    for h in f.holdings:
        if classes == "all" or h.data["asset_class"] in classes:
            exposure[" ".join(h.data["custodian"].split()).casefold()] += h.eligible_value
    over = {k: v for k, v in exposure.items() if v > f.eligible * limit}
    figures = {"max_share": str(limit), "exposures": {k: str(v) for k, v in sorted(exposure.items())}}
    if over:
        return "fail", f"{', '.join(sorted(over))} hold more than {_pct(limit)} of eligible reserves", figures
    return "pass", f"no institution holds more than {_pct(limit)} of eligible reserves", figures


def r14_rehypothecation(params: dict[str, Any], f: Facts) -> Outcome:
    return _per_holding("R14", f, "the ban on encumbrance")


def r15_segregation(params: dict[str, Any], f: Facts) -> Outcome:
    for h in f.holdings:
        d = h.data
        if d.get("segregated") is False:
            h.verdicts["R15"] = ("fail", "not segregated")
        elif not d.get("account_type"):
            h.verdicts["R15"] = ("not_evaluable", "no account type")
        elif d["account_type"] not in params["account_types"]:
            h.verdicts["R15"] = ("fail", f"account type {d['account_type']} is not allowed")
        elif not d.get("custodian_type"):
            h.verdicts["R15"] = ("not_evaluable", "no custodian type")
        elif d["custodian_type"] not in params["custodian_types"]:
            h.verdicts["R15"] = ("fail", f"custodian type {d['custodian_type']} is not allowed")
        else:
            h.verdicts["R15"] = ("pass", "segregated with a permitted custodian")
    return _per_holding("R15", f, "segregation and custody")


def r18_supply(params: dict[str, Any], f: Facts) -> Outcome:
    """Issuer-stated outstanding per chain == on-chain outstanding per chain, plus any outside findings.

    ``inputs["supply_findings"]`` carries mismatches found elsewhere (the chain ledger); the issuer's
    own per-chain figures are compared here, only when the readings are pinned at the attestation's
    as-of instant (comparing them with later supply would be meaningless).
    """
    findings: list[Mapping[str, Any]] = list(f.inputs.get("supply_findings") or [])
    compared: list[dict[str, Any]] = []
    tolerance = Decimal(params["tolerance_tokens"])
    attestation = f.attestation
    figures_stated = attestation.get("issuer_figures", []) if attestation else []
    stated = {int(x["chain_id"]): Decimal(x["outstanding"]) for x in figures_stated}
    if stated and f.supply is not None and f.inputs.get("readings_basis") == "as_of":
        for chain_id in sorted(set(stated) | set(f.supply.by_chain)):
            onchain, issuer = f.supply.by_chain.get(chain_id), stated.get(chain_id)
            row = {"chain_id": chain_id, "issuer": _s(issuer), "onchain": _s(onchain)}
            compared.append(row)
            if onchain is None or issuer is None or abs(onchain - issuer) > tolerance:
                findings.append({"source": "issuer_figure", **row})
    figures = {"compared": compared, "findings": findings, "tolerance_tokens": str(tolerance)}
    if findings:
        return "fail", f"{len(findings)} supply mismatch(es)", figures
    if compared:
        return "pass", f"issuer figures match on-chain outstanding on {len(compared)} chain(s)", figures
    if f.inputs.get("supply_findings") is not None and f.inputs.get("ledger_checked"):
        return "pass", "the chain ledger agrees with supply", figures
    return "not_evaluable", "no issuer figures at the as-of block and no ledger check", figures


def r31_no_yield(params: dict[str, Any], f: Facts) -> Outcome:
    if f.attestation is None or f.attestation.get("pays_holder_interest") is None:
        return "not_evaluable", "whether holders are paid interest is not stated", {}
    if f.attestation["pays_holder_interest"]:
        return "fail", "holders are paid interest or yield", {}
    return "pass", "no interest is paid to holders", {}


def r35_stated_total(params: dict[str, Any], f: Facts) -> Outcome:
    """The issuer's stated total equals the sum of its lines (in the coin's currency), exactly."""
    total = None if f.attestation is None else f.attestation.get("stated_total_reserves")
    if total is None:
        return "not_evaluable", "no stated total", {}
    if any(h.value is None for h in f.holdings):
        return "not_evaluable", "a line in another currency has no exchange rate", {}
    stated = Decimal(total)
    lines = sum((h.value for h in f.holdings if h.value is not None), Decimal(0))
    figures = {"stated": str(stated), "sum_of_lines": str(lines), "difference": str(stated - lines)}
    if stated == lines:
        return "pass", f"stated total {stated} equals the sum of the lines", figures
    return "fail", f"stated total {stated} differs from the sum of the lines {lines} {f.currency}", figures


def r36_valuation_method(params: dict[str, Any], f: Facts) -> Outcome:
    for h in f.holdings:
        method = h.data.get("valuation_method") or ""
        if not method:
            h.verdicts["R36"] = ("not_evaluable", "no valuation method")
        elif method in params["methods"]:
            h.verdicts["R36"] = ("pass", method)
        elif method == "amortised_cost" and h.data["asset_class"] in params["amortised_cost_classes"]:
            h.verdicts["R36"] = ("pass", "amortised cost on a cash-like holding")
        else:
            h.verdicts["R36"] = ("fail", f"{method} is not accepted for {h.data['asset_class']}")
    return _per_holding("R36", f, "the valuation method")


def x1_chain_fresh(params: dict[str, Any], f: Facts) -> Outcome:
    if f.supply is None:
        return "not_evaluable", "no supply reading yet", {}
    if f.inputs.get("readings_basis") == "as_of":
        return "not_evaluable", "readings are pinned at the attestation's as-of time", {}
    limit = int(params["max_age_seconds"])
    age = max(int((f.evaluated_at - f.supply.oldest_block_time).total_seconds()), 0)
    figures = {
        "age_seconds": age,
        "max_age_seconds": limit,
        "oldest_block_time": f.supply.oldest_block_time.isoformat(),
    }
    if age > limit:
        return "fail", f"the oldest supply reading is {age} s old; at most {limit}", figures
    return "pass", f"supply read {age} s before evaluation", figures


CHECKS: dict[str, Callable[[dict[str, Any], Facts], Outcome]] = {
    "R1": r1_full_backing,
    "R2": r2_eligible_only,
    "R3": r3_buffer,
    "R5": r5_frozen,
    "R6": r6_maturity,
    "R8": r8_currency,
    "R11": r11_deposit_minimum,
    "R12": r12_concentration,
    "R14": r14_rehypothecation,
    "R15": r15_segregation,
    "R18": r18_supply,
    "R22": r22_weekly,
    "R23": r23_monthly,
    "R24": r24_attestation_fresh,
    "R25": r25_opinion,
    "R26": r26_certification,
    "R31": r31_no_yield,
    "R35": r35_stated_total,
    "R36": r36_valuation_method,
    "X1": x1_chain_fresh,
}
