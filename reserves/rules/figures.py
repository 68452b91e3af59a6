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

from dateutil.relativedelta import relativedelta

from chain.outstanding import Supply, outstanding_of
from reserves.calendar import add_business_days
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
    # Rules that could not verify it (not evaluable); under packs whose R1 excludes unverified holdings
    # it does not count either, and its value is reported apart (``unverified_value``).
    unverified_by: list[str] = field(default_factory=list)
    verdicts: dict[str, Verdict] = field(default_factory=dict)  # rule -> verdict for this holding

    @property
    def counts(self) -> bool:
        return self.value is not None and not self.excluded_by and not self.unverified_by

    @property
    def unverified_value(self) -> Decimal:
        """What the holding would add to eligible reserves had it been verified."""
        if self.value is None or self.excluded_by or not self.unverified_by:
            return Decimal(0)
        return self.value * (Decimal(1) - self.haircut)

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


# Cap keys: (start field, None for the as-of date; unit; label). The start of every measure but
# "remaining" lies on or before the as-of date, so that measure is at least the remaining one.
_MEASURES: dict[str, tuple[str | None, str, str]] = {
    "max_remaining_days": (None, "days", "remaining"),
    "max_remaining_months": (None, "months", "remaining"),
    "max_remaining_years": (None, "years", "remaining"),
    "max_original_days": ("issue_date", "days", "original"),
    "max_tenor_months": ("issue_date", "months", "tenor"),
    "max_days_at_acquisition": ("acquisition_date", "days", "at acquisition"),
    "max_months_at_acquisition": ("acquisition_date", "months", "at acquisition"),
    "max_business_days": ("issue_date", "business days", "overnight"),
}


def _limit_date(start: date, limit: int, unit: str, calendar: str | None) -> date:
    """The last maturity date within ``limit`` units of ``start``: calendar months and years, business days."""
    if unit == "days":
        return start + relativedelta(days=limit)
    if unit == "months":
        return start + relativedelta(months=limit)
    if unit == "years":
        return start + relativedelta(years=limit)
    if calendar is None:
        raise ValueError("a business-day cap needs the pack's calendar")
    return add_business_days(start, limit, calendar)


def _maturity_verdict(
    h: dict[str, Any], cap: dict[str, Any], on: date, params: dict[str, Any], calendar: str | None
) -> Verdict:
    """Pass when any of the cap's criteria holds; fail when none can hold; otherwise not evaluable.

    With ``remaining_proves_tenor`` (packs of 2026.12 on), a criterion measured from an unknown start
    (issue or acquisition date) fails when the remaining term alone already exceeds it: that start is
    on or before the as-of date, so its term is at least the remaining one. A business-day cap with no
    start date is counted from the as-of date (a repo outstanding on it must end by the next business day).
    """
    maturity = parse_date(h.get("maturity_date"))
    if maturity is None:
        return "not_evaluable", "no maturity date"
    proves = bool(params.get("remaining_proves_tenor"))
    measured: list[tuple[str, bool, str]] = []  # (label, holds, description)
    unknown: list[str] = []
    for key, (start_field, unit, label) in _MEASURES.items():
        if key not in cap:
            continue
        limit = cap[key]
        start = on if start_field is None else parse_date(h.get(start_field))
        if start is None and unit == "business days":
            start = on
        if start is None:
            latest = _limit_date(on, int(limit), unit, calendar)
            if proves and maturity > latest:
                measured.append(
                    (label, False, f"{label} > {limit} {unit} (already {(maturity - on).days} days remaining)")
                )
            else:
                unknown.append(f"{label} (no {start_field})")
            continue
        latest = _limit_date(start, int(limit), unit, calendar)
        if unit == "days":
            days = (maturity - start).days
            measured.append(
                (label, maturity <= latest, f"{label} {days} days {'<=' if maturity <= latest else '>'} {limit}")
            )
        else:
            holds = maturity <= latest
            measured.append(
                (
                    label,
                    holds,
                    f"{label} {start} to {maturity} {'within' if holds else 'beyond'} {limit} {unit} ({latest})",
                )
            )
    for _label, holds, described in measured:
        if holds:
            return "pass", described
    described = "; ".join(d for _label, _holds, d in measured)
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
    calendar = pack.get("calendar")
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
            if cls in params.get("unconfirmed", []):
                view.verdicts["R2"] = ("not_evaluable", f"whether {cls} is eligible is not confirmed in the sources")
            elif cls not in params["eligible"]:
                view.verdicts["R2"] = ("fail", f"{cls} is not an eligible asset class")
            elif cls in params.get("mmf_classes", []):
                required = params.get("mmf_requires", ["mmf_is_government", "mmf_invests_solely_in_eligible"])
                flags = tuple(h.get(k) for k in required)
                described = " and ".join(k.removeprefix("mmf_").replace("_", " ") for k in required)
                if False in flags:
                    view.verdicts["R2"] = ("fail", f"the fund does not meet: {described}")
                elif None in flags:
                    view.verdicts["R2"] = ("not_evaluable", "MMF look-through not stated")
                else:
                    view.verdicts["R2"] = ("pass", f"fund look-through: {described}")
            else:
                view.verdicts["R2"] = ("pass", f"{cls} is eligible")
        if "R6" in rules and cls in rules["R6"]["params"]["caps"]:
            r6 = rules["R6"]["params"]
            view.verdicts["R6"] = _maturity_verdict(h, r6["caps"][cls], on, r6, calendar)
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
        # A holding that fails an eligibility rule does not count. One lacking the data to be tested
        # does not count either where the pack's R1 says so (packs of 2026.12 on: reserves R1 could
        # not verify never make it pass); older packs counted it. Its rule reports not_evaluable.
        tested = ("R2", "R6", "R8", "R14")
        view.excluded_by = [r for r in tested if view.verdicts.get(r, ("pass", ""))[0] == "fail"]
        if "R1" in rules and rules["R1"]["params"].get("unverified_holdings") == "exclude":
            view.unverified_by = [r for r in tested if view.verdicts.get(r, ("pass", ""))[0] == "not_evaluable"]
        views.append(view)
    return views
