"""Boundary tables for the supervision rules, per profile: daily statements (R21), redemptions (R28,
R29, R13, R30), custodians (R19), shortfall escalation (R4) and proposed rules. Pure: no database.

Dates are November 2026: Monday the 2nd to Friday the 6th are business days everywhere; the 7th
and 8th are a weekend. Times are UTC; Hong Kong is 8 hours ahead, New York 5 hours behind.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from reserves.compute import compute
from reserves.tests.builders import holding, inputs, result

HKT = "+08:00"


def run(
    profile: str, *, evaluated_at: str, holdings: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    data: dict[str, Any] = dict(inputs(profile, holdings or [holding("100")], evaluated_at=evaluated_at))
    data.update(extra)
    return dict(compute(data))  # type: ignore[arg-type]


def statements(*days: int) -> list[str]:
    return [f"2026-11-{d:02d}T23:59:59{HKT}" for d in days]


@pytest.mark.parametrize(
    ("filed", "evaluated", "outcome"),
    [
        ((2, 3, 4), "2026-11-05T09:00:00+08:00", "pass"),  # Thursday morning: up to Wednesday filed
        ((2, 3), "2026-11-05T09:00:00+08:00", "fail"),  # yesterday (Wednesday) missing
        ((2, 4), "2026-11-05T09:00:00+08:00", "fail"),  # a gap in the middle
        ((2, 3, 4, 5, 6), "2026-11-09T09:00:00+08:00", "pass"),  # Monday: the weekend is not due
        ((2, 3, 4, 5), "2026-11-09T09:00:00+08:00", "fail"),  # Friday missing
        ((), "2026-11-09T09:00:00+08:00", "not_evaluable"),  # nothing ever filed with Attest
    ],
)
def test_r21_a_daily_statement_for_each_business_day(filed, evaluated, outcome):
    r = result(run("HK", evaluated_at=evaluated, daily_statements=statements(*filed)), "R21")
    assert r["outcome"] == outcome, r["message"]
    if outcome == "fail":
        assert r["figures"]["missing"][-1] in r["message"]
    if outcome == "not_evaluable":
        assert "no daily statement" in r["message"]


def redemption(
    rid: str, received: str, settled: str | None, amount: str = "1", fee: str | None = "0"
) -> dict[str, Any]:
    return {"request_id": rid, "received_at": received, "amount": amount, "settled_at": settled, "fee": fee}


@pytest.mark.parametrize(
    ("profile", "received", "settled", "evaluated", "outcome"),
    [
        # HK: one business day from the business day of receipt.
        ("HK", "2026-11-02T10:00:00+08:00", "2026-11-03T17:00:00+08:00", "2026-11-06T00:00:00+08:00", "pass"),
        ("HK", "2026-11-02T10:00:00+08:00", "2026-11-04T09:00:00+08:00", "2026-11-06T00:00:00+08:00", "fail"),
        ("HK", "2026-11-06T10:00:00+08:00", "2026-11-09T10:00:00+08:00", "2026-11-10T00:00:00+08:00", "pass"),
        ("HK", "2026-11-07T10:00:00+08:00", "2026-11-10T10:00:00+08:00", "2026-11-11T00:00:00+08:00", "pass"),
        ("HK", "2026-11-07T10:00:00+08:00", "2026-11-11T10:00:00+08:00", "2026-11-12T00:00:00+08:00", "fail"),
        ("HK", "2026-11-02T10:00:00+08:00", None, "2026-11-03T20:00:00+08:00", "pass"),  # pending, not yet due
        ("HK", "2026-11-02T10:00:00+08:00", None, "2026-11-04T09:00:00+08:00", "fail"),  # unsettled and overdue
        # NYDFS: two full business days after the business day of receipt.
        ("US_NYDFS", "2026-11-02T10:00:00-05:00", "2026-11-04T16:00:00-05:00", "2026-11-06T00:00:00-05:00", "pass"),
        ("US_NYDFS", "2026-11-02T10:00:00-05:00", "2026-11-05T09:00:00-05:00", "2026-11-06T00:00:00-05:00", "fail"),
        # Singapore: five business days; MiCA: Attest's one-business-day target.
        # (Deepavali falls on Sunday 8 November 2026 and is observed on Monday the 9th in Singapore.)
        ("SG_MAS", "2026-11-02T10:00:00+08:00", "2026-11-10T10:00:00+08:00", "2026-11-12T00:00:00+08:00", "pass"),
        ("SG_MAS", "2026-11-02T10:00:00+08:00", "2026-11-11T10:00:00+08:00", "2026-11-12T00:00:00+08:00", "fail"),
        ("EU_MICA", "2026-11-02T10:00:00+01:00", "2026-11-04T10:00:00+01:00", "2026-11-05T00:00:00+01:00", "fail"),
    ],
)
def test_r28_redemption_sla_in_business_days(profile, received, settled, evaluated, outcome):
    r = result(run(profile, evaluated_at=evaluated, redemptions=[redemption("A", received, settled)]), "R28")
    assert r["outcome"] == outcome, r["message"]


def test_r28_us_switches_to_seven_calendar_days_while_redemptions_are_significant():
    big = "10.5"  # of 100 outstanding: above 10% in 24 hours
    day8 = redemption("A", "2026-11-02T10:00:00-05:00", "2026-11-10T10:00:00-05:00", big)
    day7 = redemption("B", "2026-11-02T10:00:00-05:00", "2026-11-09T10:00:00-05:00", big)
    assert (
        result(run("US_GENIUS", evaluated_at="2026-11-12T00:00:00-05:00", redemptions=[day7]), "R28")["outcome"]
        == "pass"
    )
    late = result(run("US_GENIUS", evaluated_at="2026-11-12T00:00:00-05:00", redemptions=[day8]), "R28")
    assert late["outcome"] == "fail" and late["figures"]["late"][0]["request_id"] == "A"
    small = redemption("C", "2026-11-02T10:00:00-05:00", "2026-11-05T10:00:00-05:00", "1")
    assert (
        result(run("US_GENIUS", evaluated_at="2026-11-12T00:00:00-05:00", redemptions=[small]), "R28")["outcome"]
        == "fail"
    )  # 3 business days, not significant: 2 business days apply


@pytest.mark.parametrize(
    ("amounts", "outcome"),
    [
        ([("2026-11-02T10:00:00+00:00", "10")], "pass"),  # exactly 10% is not above it
        ([("2026-11-02T10:00:00+00:00", "10.000001")], "fail"),
        ([("2026-11-02T10:00:00+00:00", "6"), ("2026-11-03T09:59:59+00:00", "5")], "fail"),  # within 24 h
        ([("2026-11-02T10:00:00+00:00", "6"), ("2026-11-03T10:00:00+00:00", "5")], "pass"),  # 24 h apart
    ],
)
def test_r29_significant_redemption_windows(amounts, outcome):
    rows = [redemption(f"R{i}", at, None, amount) for i, (at, amount) in enumerate(amounts)]
    r = result(run("US_GENIUS", evaluated_at="2026-11-03T12:00:00+00:00", redemptions=rows), "R29")
    assert r["outcome"] == outcome, r["message"]
    assert r["status"] == "proposed"


@pytest.mark.parametrize(
    ("liquid", "worst_day", "outcome"),
    [("5", None, "pass"), ("4.99", None, "fail"), ("20", "20", "pass"), ("19.99", "20", "fail")],
)
def test_r13_liquid_assets_cover_the_stressed_redemption(liquid, worst_day, outcome):
    rest = format(Decimal(100) - Decimal(liquid), "f")
    assets = [holding(liquid), holding(rest, "tbill", maturity_date="2026-12-01")]
    rows = [] if worst_day is None else [redemption("W", "2026-11-02T10:00:00+08:00", None, worst_day)]
    r = result(run("HK", evaluated_at="2026-11-02T12:00:00+08:00", holdings=assets, redemptions=rows), "R13")
    assert r["outcome"] == outcome, r["message"]


@pytest.mark.parametrize(("profile", "fee", "outcome"), [("EU_MICA", "0", "pass"), ("EU_MICA", "0.01", "fail")])
def test_r30_mica_redeems_without_a_fee(profile, fee, outcome):
    rows = [redemption("F", "2026-11-02T10:00:00+01:00", "2026-11-02T11:00:00+01:00", fee=fee)]
    assert result(run(profile, evaluated_at="2026-11-03T00:00:00+01:00", redemptions=rows), "R30")["outcome"] == outcome


def test_r30_genius_names_the_missing_fee_schedule():
    r = result(run("US_GENIUS", evaluated_at="2026-11-03T00:00:00+00:00"), "R30")
    assert r["outcome"] == "not_evaluable" and "fee schedule" in r["message"]


def confirmation(confirmed: str, stated: str | None, cut_off: str = "2026-11-02T23:59:59+08:00") -> dict[str, Any]:
    return {
        "custodian": "Bank A",
        "cut_off": cut_off,
        "signed": False,
        "confirmed": {"HKD": confirmed},
        "statement_id": None if stated is None else 7,
        "stated": {} if stated is None else {"HKD": stated},
    }


@pytest.mark.parametrize(
    ("confirmed", "stated", "evaluated", "outcome"),
    [
        ("100", "100", "2026-11-03T09:00:00+08:00", "pass"),
        ("99", "100", "2026-11-04T09:00:00+08:00", "warn"),  # 2 business days old: itemised, not yet aged out
        ("99", "100", "2026-11-05T09:00:00+08:00", "fail"),  # 3 business days old
        ("99", None, "2026-11-03T09:00:00+08:00", "not_evaluable"),  # no issuer statement at that cut-off
    ],
)
def test_r19_custodian_balances_against_the_statement(confirmed, stated, evaluated, outcome):
    r = result(run("HK", evaluated_at=evaluated, confirmations=[confirmation(confirmed, stated)]), "R19")
    assert r["outcome"] == outcome, r["message"]
    if outcome in ("warn", "fail"):
        [item] = r["figures"]["items"]
        assert item["difference"] == "-1" and item["currency"] == "HKD"


@pytest.mark.parametrize(
    ("since", "days", "trigger"),
    [
        ("2026-11-02T12:00:00-05:00", 14, False),  # Mon 2 Nov to Mon 23 Nov: Veterans Day is a Fed holiday
        ("2026-10-30T12:00:00-04:00", 15, True),
        (None, 0, False),  # this run is the first of the shortfall
    ],
)
def test_r4_shortfall_halts_issuance_and_raises_the_liquidation_trigger(since, days, trigger):
    out = run(
        "US_GENIUS",
        evaluated_at="2026-11-23T12:00:00-05:00",
        holdings=[holding("99")],
        shortfall_since=since,
        latest_reports={"attestation": "2026-11-20T00:00:00+00:00"},
    )
    r = result(out, "R4")
    assert r["outcome"] == "fail" and r["status"] == "proposed"
    assert r["figures"]["issuance_halt"] is True
    assert r["figures"]["consecutive_business_days"] == days
    assert r["figures"]["liquidation_trigger"] is trigger


def test_r4_passes_when_backed_and_reports_at_once_under_hk():
    assert result(run("US_GENIUS", evaluated_at="2026-11-03T00:00:00+00:00"), "R4")["outcome"] == "pass"
    hk = result(run("HK", evaluated_at="2026-11-03T00:00:00+08:00", holdings=[holding("99")]), "R4")
    assert hk["outcome"] == "fail" and "HKMA" in hk["message"] and hk["status"] == "in_force"


@pytest.mark.parametrize(
    ("collateral_type", "collateral_value", "outcome"),
    [("UST", "100", "pass"), ("UST", "99.99", "fail"), ("corporate", "200", "fail"), ("", "100", "not_evaluable")],
)
def test_r7_reverse_repo_collateral_under_genius(collateral_type, collateral_value, outcome):
    repo = holding(
        "100",
        "overnight_reverse_repo",
        repo_collateral_type=collateral_type,
        repo_collateral_value=collateral_value,
        maturity_date="2026-11-02",
    )
    r = result(run("US_GENIUS", evaluated_at="2026-11-02T00:00:00+00:00", holdings=[repo]), "R7")
    assert r["outcome"] == outcome, r["message"]


@pytest.mark.parametrize(
    ("government", "solely", "cusip", "outcome"),
    [(True, True, "31607A703", "pass"), (True, False, "31607A703", "fail"), (True, True, "", "not_evaluable")],
)
def test_r9_money_market_look_through(government, solely, cusip, outcome):
    fund = holding(
        "100", "govt_mmf", mmf_is_government=government, mmf_invests_solely_in_eligible=solely, instrument_id=cusip
    )
    assert (
        result(run("US_GENIUS", evaluated_at="2026-11-02T00:00:00+00:00", holdings=[fund]), "R9")["outcome"] == outcome
    )


@pytest.mark.parametrize(
    ("profile", "rule", "names"),
    [
        ("HK", "R32", "paid-up capital"),
        ("SG_MAS", "R32", "base capital"),
        ("US_GENIUS", "R33", "state-qualified"),
        ("EU_MICA", "R16", "reached custody"),
        ("HK", "R27", "random test date"),
        ("HK", "R7", "issuer type"),
    ],
)
def test_rules_without_their_data_name_what_is_missing(profile, rule, names):
    assets = [holding("100", "tbill", maturity_date="2026-12-01")] if rule == "R7" else None
    r = result(run(profile, evaluated_at="2026-11-02T00:00:00+00:00", holdings=assets), rule)
    assert r["outcome"] == "not_evaluable" and names in r["message"]


def test_r17_and_r20_from_the_run_inputs():
    one = run("HK", evaluated_at="2026-11-02T00:00:00+08:00", issuer_coins=1)
    two = run("HK", evaluated_at="2026-11-02T00:00:00+08:00", issuer_coins=2)
    assert result(one, "R17")["outcome"] == "pass"
    assert result(two, "R17")["outcome"] == "not_evaluable" and "2 coins" in result(two, "R17")["message"]
    assert result(one, "R20")["outcome"] == "pass"
