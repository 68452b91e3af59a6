"""Continuous-supervision rules: daily statements, redemptions, custodians, the running shortfall.

Pure like reserves/rules/checks.py: everything comes from the run's inputs (``daily_statements``,
``redemptions``, ``confirmations``, ``shortfall_since``), business days from reserves/calendar.py in
the profile's jurisdiction. A run made before these inputs existed carries none of these rules.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from reserves.calendar import (
    add_business_days,
    business_days_between,
    is_business_day,
    jurisdiction_of,
    local_date,
    next_business_day,
)
from reserves.rules.facts import Facts, Outcome
from reserves.rules.figures import parse_time
from reserves.runtypes import RedemptionRow

# At most this many items are listed in a result's figures; the counts always cover all of them.
LISTED = 20


@functools.lru_cache(maxsize=65536)
def _day(instant: str, j: str) -> date:
    """The local date of an instant given as text (cached: a run reads each redemption's dates several times)."""
    return local_date(parse_time(instant), j)


def _jurisdiction(f: Facts) -> str:
    return jurisdiction_of(f.inputs["profile"])


def _days(start: date, end: date) -> list[date]:
    """Every date in [start, end)."""
    return [start + timedelta(days=n) for n in range((end - start).days)]


def r21_daily_statement(params: dict[str, Any], f: Facts) -> Outcome:
    """One daily statement for every business day before today, from the first one filed, within the look-back."""
    stamps = f.inputs.get("daily_statements") or []
    if not stamps:
        return "not_evaluable", "no daily statement has been filed with Attest", {}
    j = _jurisdiction(f)
    filed = {local_date(parse_time(s), j) for s in stamps}
    today = local_date(f.evaluated_at, j)
    start = max(min(filed), today - timedelta(days=int(params["lookback_days"])))
    due = [d for d in _days(start, today) if is_business_day(d, j)]
    missing = [d.isoformat() for d in due if d not in filed]
    figures = {"checked_from": start.isoformat(), "business_days": len(due), "missing": missing[-LISTED:]}
    if missing:
        return "fail", f"no daily statement for {len(missing)} business day(s), the last {missing[-1]}", figures
    return "pass", f"a daily statement for each of the {len(due)} business day(s) since {start}", figures


def _breaches(rows: list[RedemptionRow], outstanding: Decimal, share: Decimal, hours: int) -> tuple[set[str], Decimal]:
    """Requests received while the rolling window's requests exceed ``share`` of outstanding; and the peak share."""
    ordered = sorted(rows, key=lambda r: parse_time(r["received_at"]))
    times = [parse_time(r["received_at"]) for r in ordered]
    window, total, first, peak = timedelta(hours=hours), Decimal(0), 0, Decimal(0)
    hit: set[str] = set()
    for i, row in enumerate(ordered):
        total += Decimal(row["amount"])
        while times[first] <= times[i] - window:
            total -= Decimal(ordered[first]["amount"])
            first += 1
        if outstanding > 0:
            peak = max(peak, total / outstanding)
        if total > outstanding * share:
            hit.add(row["request_id"])
    return hit, peak


def _redemptions(f: Facts) -> list[RedemptionRow]:
    return list(f.inputs.get("redemptions") or [])


def r29_significant_redemption(params: dict[str, Any], f: Facts) -> Outcome:
    rows = _redemptions(f)
    if not rows:
        return "not_evaluable", "no redemptions reported in the look-back", {}
    if f.supply is None or f.supply.outstanding <= 0:
        return "not_evaluable", "no tokens outstanding to measure redemptions against", {}
    share, hours = Decimal(params["max_share"]), int(params["window_hours"])
    hit, peak = _breaches(rows, f.supply.outstanding, share, hours)
    figures = {"max_share": str(share), "window_hours": hours, "peak_share": str(peak), "requests_in_windows": len(hit)}
    if hit:
        return "fail", f"requests within {hours} h reached {peak:.4%} of outstanding, above {share:.0%}", figures
    return "pass", f"requests within any {hours} h stayed at or below {share:.0%} of outstanding", figures


@functools.cache
def _business_deadline(day: date, days: int, j: str) -> date:
    # Counted from the business day of receipt: a Saturday request is received on Monday.
    receipt = day if is_business_day(day, j) else next_business_day(day, j)
    return add_business_days(receipt, days, j)


def _deadline(received: str, params: dict[str, Any], j: str, significant: bool) -> date:
    day = _day(received, j)
    if significant and "significant_calendar_days" in params:
        return day + timedelta(days=int(params["significant_calendar_days"]))
    return _business_deadline(day, int(params["sla_business_days"]), j)


def r28_redemption_sla(params: dict[str, Any], f: Facts) -> Outcome:
    rows = _redemptions(f)
    if not rows:
        return "not_evaluable", "no redemptions reported in the look-back", {}
    j = _jurisdiction(f)
    significant: set[str] = set()
    if "significant_calendar_days" in params and f.supply is not None and f.supply.outstanding > 0:
        significant, _ = _breaches(
            rows, f.supply.outstanding, Decimal(params["significant_share"]), int(params["window_hours"])
        )
    today = local_date(f.evaluated_at, j)
    late: list[dict[str, Any]] = []
    settled = pending = 0
    for r in rows:
        deadline = _deadline(r["received_at"], params, j, r["request_id"] in significant)
        done = None if r["settled_at"] is None else _day(r["settled_at"], j)
        if done is None:
            pending += 1
            if today > deadline:
                late.append({"request_id": r["request_id"], "deadline": deadline.isoformat(), "settled": None})
            continue
        settled += 1
        if done > deadline:
            taken = business_days_between(_day(r["received_at"], j), done, j)
            late.append(
                {"request_id": r["request_id"], "deadline": deadline.isoformat(), "settled": done.isoformat(),
                 "business_days": taken}
            )  # fmt: skip
    sla = f"{params['sla_business_days']} business day(s)"
    figures = {"sla": sla, "settled": settled, "pending": pending, "late": late[:LISTED], "late_count": len(late)}
    if late:
        first = late[0]
        when = f"settled {first['settled']}" if first["settled"] else "still unsettled"
        example = f"{first['request_id']} was due {first['deadline']}, {when}"
        return "fail", f"{len(late)} redemption(s) past the {sla} deadline; {example}", figures
    return "pass", f"{settled} redemption(s) settled within {sla}; {pending} pending within it", figures


def r13_liquidity(params: dict[str, Any], f: Facts) -> Outcome:
    """Same- and next-day assets cover the stressed redemption: the larger of a floor and the worst day seen."""
    if f.attestation is None or f.par_outstanding is None or f.supply is None:
        return "not_evaluable", "no submitted attestation or no supply reading", {}
    j = _jurisdiction(f)
    per_day: dict[date, Decimal] = defaultdict(Decimal)
    for r in _redemptions(f):
        per_day[_day(r["received_at"], j)] += Decimal(r["amount"])
    worst = max(per_day.values(), default=Decimal(0))
    floor = Decimal(params["min_share"])
    worst_share = worst / f.supply.outstanding if f.supply.outstanding > 0 else Decimal(0)
    stress = max(floor, worst_share)
    required = f.par_outstanding * stress
    liquid = sum(
        (h.eligible_value for h in f.holdings if h.data["asset_class"] in params["liquid_classes"]), Decimal(0)
    )
    figures = {"liquid": str(liquid), "required": str(required), "stress_share": str(stress), "floor": str(floor)}
    if liquid >= required:
        return "pass", f"liquid assets {liquid} cover a stressed redemption of {required} {f.currency}", figures
    return "fail", f"liquid assets {liquid} are below a stressed redemption of {required} {f.currency}", figures


def r30_fees(params: dict[str, Any], f: Facts) -> Outcome:
    if "max_fee" not in params:
        return "not_evaluable", params["missing"], {}
    rows = [r for r in _redemptions(f) if r["settled_at"] is not None]
    if not rows:
        return "not_evaluable", "no settled redemptions reported in the look-back", {}
    limit = Decimal(params["max_fee"])
    charged = [r["request_id"] for r in rows if r["fee"] is not None and Decimal(r["fee"]) > limit]
    figures = {"max_fee": str(limit), "over": charged[:LISTED], "over_count": len(charged), "settled": len(rows)}
    if charged:
        return "fail", f"{len(charged)} redemption(s) charged a fee above {limit} {f.currency}", figures
    return "pass", f"no fee above {limit} {f.currency} on {len(rows)} settled redemption(s)", figures


def r19_reserve_reconciliation(params: dict[str, Any], f: Facts) -> Outcome:
    """Custodians' confirmed balances == the issuer's statement at the same cut-off; differences itemised and aged."""
    rows = f.inputs.get("confirmations") or []
    if not rows:
        return "not_evaluable", "no custodian has confirmed balances in the look-back", {}
    j = _jurisdiction(f)
    today = local_date(f.evaluated_at, j)
    tolerance, max_age = Decimal(params["tolerance"]), int(params["max_age_business_days"])
    items: list[dict[str, Any]] = []
    unmatched: list[str] = []
    agreed = 0
    for c in rows:
        if c["statement_id"] is None:
            unmatched.append(f"{c['custodian']} at {c['cut_off']}")
            continue
        age = business_days_between(local_date(parse_time(c["cut_off"]), j), today, j)
        for currency in sorted(set(c["confirmed"]) | set(c["stated"])):
            custodian, issuer = Decimal(c["confirmed"].get(currency, "0")), Decimal(c["stated"].get(currency, "0"))
            if abs(custodian - issuer) > tolerance:
                items.append(
                    {"custodian": c["custodian"], "cut_off": c["cut_off"], "currency": currency,
                     "issuer": str(issuer), "custodian_confirmed": str(custodian),
                     "difference": str(custodian - issuer), "age_business_days": age}
                )  # fmt: skip
            else:
                agreed += 1
    figures = {"items": items[:LISTED], "item_count": len(items), "agreed": agreed, "no_statement": unmatched,
               "max_age_business_days": max_age}  # fmt: skip
    if items:
        old = [i for i in items if i["age_business_days"] > max_age]
        first = items[0]
        message = (
            f"{len(items)} reconciling item(s): {first['custodian']} confirms {first['custodian_confirmed']} "
            f"{first['currency']}, the issuer's statement {first['issuer']}"
        )
        if old:
            return "fail", f"{message}; {len(old)} older than {max_age} business day(s)", figures
        return "warn", message, figures
    if agreed:
        return "pass", f"custodians' balances agree with the issuer's statements ({agreed} balance(s))", figures
    return "not_evaluable", f"no issuer statement at the cut-off of {', '.join(unmatched)}", figures


def r4_shortfall_escalation(params: dict[str, Any], f: Facts) -> Outcome:
    """A shortfall halts issuance at once; a long one (in consecutive business days) raises the liquidation trigger."""
    if f.eligible is None or f.par_outstanding is None:
        return "not_evaluable", "no submitted attestation or no supply reading", {}
    if f.eligible >= f.par_outstanding:
        return "pass", "no shortfall", {"issuance_halt": False, "liquidation_trigger": False}
    j = _jurisdiction(f)
    since_text = f.inputs.get("shortfall_since")
    since = parse_time(since_text) if since_text else f.evaluated_at
    days = business_days_between(local_date(since, j), local_date(f.evaluated_at, j), j)
    limit = params.get("liquidation_business_days")
    trigger = limit is not None and days >= int(limit)
    figures = {
        "issuance_halt": True,
        "liquidation_trigger": trigger,
        "shortfall_since": since.isoformat(),
        "consecutive_business_days": days,
        "liquidation_business_days": limit,
    }
    message = f"shortfall since {since:%Y-%m-%d} ({days} business day(s)): {params['action']}"
    if trigger:
        message += f"; liquidation trigger raised after {limit} consecutive business days"
    return "fail", message, figures
