"""Figures a run's rules share: outstanding under the profile, and each holding valued and vetted.

Pure: everything comes from the run's ``inputs`` (``reserves.runtypes.RunInputs``). Amounts are exact
``Decimal`` (the caller sets a 100-digit context); nothing is rounded here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chain.outstanding import Supply, outstanding_of
from reserves.runtypes import AttestationInputs, RunInputs

__all__ = ["HoldingView", "Supply", "holdings", "outstanding_of", "parse_date", "parse_time"]

# Per-holding verdicts of one rule: "pass", "fail" or "not_evaluable", with the reason.
Verdict = tuple[str, str]


@functools.lru_cache(maxsize=65536)
def parse_time(value: str) -> datetime:
    # Cached: a run parses each redemption's instants several times (R13, R28, R29); datetimes are immutable.
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def parse_date(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value)


@dataclass
class HoldingView:
    """One holding as the profile sees it: its value in the coin's currency and why it may not count."""

    line: int
    data: dict[str, Any]
    value: Decimal | None  # market value in the coin's currency; None when it cannot be converted
    haircut: Decimal
    excluded_by: list[str] = field(default_factory=list)  # rules that take it out of eligible reserves
    verdicts: dict[str, Verdict] = field(default_factory=dict)  # rule -> verdict for this holding

    @property
    def counts(self) -> bool:
        return self.value is not None and not self.excluded_by

    @property
    def eligible_value(self) -> Decimal:
        """Value after the haircut; exact (market value x fx rate x (1 - haircut))."""
        if not self.counts or self.value is None:
            return Decimal(0)
        return self.value * (Decimal(1) - self.haircut)


def as_of_date(attestation: AttestationInputs) -> date:
    """The as-of date in the time zone the issuer stated (maturities are counted from it)."""
    moment = parse_time(attestation["as_of"])
    try:
        zone: Any = ZoneInfo(attestation.get("as_of_timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return moment.astimezone(zone).date()


def _maturity_verdict(h: dict[str, Any], cap: dict[str, Any], on: date) -> Verdict:
    """Pass when any of the cap's criteria holds; fail when all are measurable and none holds."""
    maturity = parse_date(h.get("maturity_date"))
    if maturity is None:
        return "not_evaluable", "no maturity date"
    measured: list[tuple[str, int, int]] = []
    unknown: list[str] = []
    for key, start_field, label in (
        ("max_remaining_days", None, "remaining"),
        ("max_original_days", "issue_date", "original"),
        ("max_days_at_acquisition", "acquisition_date", "at acquisition"),
    ):
        if key not in cap:
            continue
        start = on if start_field is None else parse_date(h.get(start_field))
        if start is None:
            unknown.append(f"{label} (no {start_field})")
            continue
        measured.append((label, (maturity - start).days, int(cap[key])))
    for label, days, limit in measured:
        if days <= limit:
            return "pass", f"{label} {days} days <= {limit}"
    described = "; ".join(f"{label} {days} days > {limit}" for label, days, limit in measured)
    if unknown:
        return "not_evaluable", f"{described}; cannot measure {', '.join(unknown)}".lstrip("; ")
    return "fail", described


def holdings(inputs: RunInputs) -> list[HoldingView]:
    """Value every holding in the coin's currency and apply the per-holding rules present in the pack."""
    attestation = inputs["attestation"]
    if attestation is None:
        return []
    pack = inputs["rulepack"]
    rules = pack["rules"]
    currency = inputs["currency"]
    on = as_of_date(attestation)
    views: list[HoldingView] = []
    for h in attestation["holdings"]:
        market = Decimal(h["market_value"])
        fx = Decimal(h["fx_rate"]) if h.get("fx_rate") else None
        view = HoldingView(
            line=int(h["line"]),
            data=h,
            value=market if h["currency"] == currency else (market * fx if fx is not None else None),
            haircut=Decimal(pack["haircuts"].get(h["asset_class"], "0")),
        )
        cls = h["asset_class"]
        if "R2" in rules:
            params = rules["R2"]["params"]
            if cls not in params["eligible"]:
                view.verdicts["R2"] = ("fail", f"{cls} is not an eligible asset class")
            elif cls in params.get("mmf_classes", []):
                flags = (h.get("mmf_is_government"), h.get("mmf_invests_solely_in_eligible"))
                if False in flags:
                    view.verdicts["R2"] = ("fail", "not a government MMF investing solely in eligible assets")
                elif None in flags:
                    view.verdicts["R2"] = ("not_evaluable", "MMF look-through not stated")
                else:
                    view.verdicts["R2"] = ("pass", "government MMF, solely eligible assets")
            else:
                view.verdicts["R2"] = ("pass", f"{cls} is eligible")
        if "R6" in rules and cls in rules["R6"]["params"]["caps"]:
            view.verdicts["R6"] = _maturity_verdict(h, rules["R6"]["params"]["caps"][cls], on)
        if "R8" in rules or h["currency"] != currency:
            if h["currency"] == currency:
                view.verdicts["R8"] = ("pass", f"in {currency}")
            elif pack["currency_mismatch"] == "approval" and h.get("regulator_approval_ref") and fx is not None:
                view.verdicts["R8"] = ("pass", f"{h['currency']} at {fx}, approved ({h['regulator_approval_ref']})")
            elif pack["currency_mismatch"] == "approval" and h.get("regulator_approval_ref"):
                view.verdicts["R8"] = ("fail", f"{h['currency']} approved but no exchange rate recorded")
            else:
                view.verdicts["R8"] = ("fail", f"{h['currency']} is not {currency} and no mismatch is allowed")
        if h.get("encumbered"):
            view.verdicts["R14"] = ("fail", h.get("encumbrance_description") or "encumbered")
        else:
            view.verdicts["R14"] = ("pass", "unencumbered")
        # A holding that fails an eligibility rule does not count; one lacking the data to be tested
        # still counts, and its rule reports not_evaluable (never pass) so the gap stays visible.
        view.excluded_by = [r for r in ("R2", "R6", "R8", "R14") if view.verdicts.get(r, ("pass", ""))[0] == "fail"]
        views.append(view)
    return views
