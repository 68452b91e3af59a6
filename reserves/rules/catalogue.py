"""Every rule id with its check: the rules of reserves/rules/checks.py, supervision.py and quality.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reserves.rules import checks, quality, supervision
from reserves.rules.facts import Facts, Outcome

CHECKS: dict[str, Callable[[dict[str, Any], Facts], Outcome]] = {
    **checks.CHECKS,
    "R4": supervision.r4_shortfall_escalation,
    "R7": quality.r7_issuer_quality,
    "R9": quality.r9_mmf_look_through,
    "R10": quality.r10_tokenised,
    "R13": supervision.r13_liquidity,
    "R16": quality.missing_data,
    "R17": quality.r17_pool_separation,
    "R19": supervision.r19_reserve_reconciliation,
    "R20": quality.r20_deduction_evidence,
    "R21": supervision.r21_daily_statement,
    "R27": quality.missing_data,
    "R28": supervision.r28_redemption_sla,
    "R29": supervision.r29_significant_redemption,
    "R30": supervision.r30_fees,
    "R32": quality.missing_data,
    "R33": quality.missing_data,
    "R34": quality.r34_thresholds,
}
