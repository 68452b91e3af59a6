"""Rules on the quality of what is held and of the evidence: issuer quality (R7), money-market look-through
(R9), tokenised assets (R10), one pool per coin (R17), deduction evidence (R20), and the issuer-level
duties whose data Attest does not collect yet (R16, R27, R32-R34), which say exactly what is missing.

Pure like reserves/rules/checks.py; per-holding verdicts go through ``_per_holding`` (reserves/rules/facts.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from reserves.rules.facts import Facts, Outcome, _per_holding

REVERSE_REPO = ("overnight_reverse_repo", "term_reverse_repo")


def r7_issuer_quality(params: dict[str, Any], f: Facts) -> Outcome:
    """Reverse repo collateral of an allowed type worth at least the cash lent; other criteria need data not filed."""
    if f.attestation is None:
        return "not_evaluable", "no submitted attestation", {}
    allowed = [t.casefold() for t in params.get("repo_collateral_types", [])]
    unrecorded = params.get("unrecorded_classes", [])
    for h in f.holdings:
        d = h.data
        if allowed and d["asset_class"] in REVERSE_REPO:
            kind = (d.get("repo_collateral_type") or "").casefold()
            value = d.get("repo_collateral_value")
            if not kind:
                h.verdicts["R7"] = ("not_evaluable", "no collateral type")
            elif kind not in allowed:
                h.verdicts["R7"] = ("fail", f"collateral {d['repo_collateral_type']} is not allowed")
            elif value is None:
                h.verdicts["R7"] = ("not_evaluable", "no collateral value")
            elif Decimal(value) < Decimal(d["market_value"]):
                h.verdicts["R7"] = ("fail", f"collateral {value} is worth less than the cash lent {d['market_value']}")
            else:
                h.verdicts["R7"] = ("pass", "collateral of an allowed type covers the cash lent")
        elif d["asset_class"] in unrecorded:
            h.verdicts["R7"] = ("not_evaluable", params["missing"])
    if not any("R7" in h.verdicts for h in f.holdings):
        return "not_applicable", "no holding this profile's issuer-quality test covers", {}
    outcome, message, figures = _per_holding("R7", f, "the issuer-quality criteria")
    if outcome == "not_evaluable" and "missing" in params:
        message = f"{message}: {params['missing']}"
    return outcome, message, figures


def r9_mmf_look_through(params: dict[str, Any], f: Facts) -> Outcome:
    if f.attestation is None:
        return "not_evaluable", "no submitted attestation", {}
    for h in f.holdings:
        d = h.data
        if d["asset_class"] not in params["mmf_classes"]:
            continue
        flags = (d.get("mmf_is_government"), d.get("mmf_invests_solely_in_eligible"))
        if False in flags:
            h.verdicts["R9"] = ("fail", "not a government MMF investing solely in eligible assets")
        elif None in flags:
            h.verdicts["R9"] = ("not_evaluable", "government status or look-through not stated")
        elif not d.get("instrument_id"):
            h.verdicts["R9"] = ("not_evaluable", "no fund CUSIP or ISIN recorded")
        else:
            h.verdicts["R9"] = ("pass", f"government MMF {d['instrument_id']}, solely eligible assets")
    if not any("R9" in h.verdicts for h in f.holdings):
        return "not_applicable", "no money-market fund holdings", {}
    return _per_holding("R9", f, "the money-market fund look-through")


def r10_tokenised(params: dict[str, Any], f: Facts) -> Outcome:
    if f.attestation is None:
        return "not_evaluable", "no submitted attestation", {}
    tokenised = [h for h in f.holdings if h.data["asset_class"] == "tokenised_asset"]
    if not tokenised:
        return "not_applicable", "no tokenised holdings", {}
    for h in tokenised:
        h.verdicts["R10"] = ("not_evaluable", params["missing"])
    return _per_holding("R10", f, "the tokenised-asset conditions")


def r17_pool_separation(params: dict[str, Any], f: Facts) -> Outcome:
    coins = f.inputs.get("issuer_coins")
    if coins is None:
        return "not_evaluable", "the issuer's coin count is not in this run", {}
    if coins <= 1:
        return "pass", "the issuer has one coin, so one reserve pool", {"issuer_coins": coins}
    return (
        "not_evaluable",
        f"the issuer has {coins} coins and holdings carry no account identifiers to tell their pools apart",
        {"issuer_coins": coins},
    )


def r20_deduction_evidence(params: dict[str, Any], f: Facts) -> Outcome:
    """Every deducted bucket is listed by address and was read at the run's pinned blocks."""
    if f.supply is None:
        return "not_evaluable", "no supply reading yet", {}
    keeps = set(f.inputs["rulepack"]["outstanding_keeps"])
    unpinned = [r["address"] for r in f.inputs["readings"] if not r.get("block_hash")]
    balances = [b for r in f.inputs["readings"] for b in r["balances"] if b["bucket"] not in keeps]
    unlisted = [b["bucket"] for b in balances if not b.get("address")]
    figures = {"deducted_balances": len(balances), "unlisted": unlisted, "unpinned": unpinned}
    if unlisted or unpinned:
        return "fail", "a deduction is not tied to an address read at a pinned block", figures
    return "pass", f"{len(balances)} deducted balance(s), each at a listed address read at a pinned block", figures


def missing_data(params: dict[str, Any], f: Facts) -> Outcome:
    """A rule Attest encodes but cannot judge yet: says which data it needs (``params.missing``)."""
    return "not_evaluable", params["missing"], {}


def r34_thresholds(params: dict[str, Any], f: Facts) -> Outcome:
    """Issue value against the reporting threshold; the significance criteria need data not filed."""
    if f.par_outstanding is None:
        return "not_evaluable", "no supply reading yet", {}
    threshold = Decimal(params["issue_value_threshold"])
    above = f.par_outstanding > threshold
    figures = {"par_outstanding": str(f.par_outstanding), "threshold": str(threshold), "above": above}
    note = params["report_above"] if above else "below the threshold"
    return "pass", f"issue value {f.par_outstanding} {f.currency}: {note}; {params['missing']}", figures
