"""Rule tests on the quality of each holding: maturity (R6), deposits (R11), concentration (R12),
encumbrance (R14) and segregation (R15).

Table-driven boundary tests: pure compute on hand-built inputs, no database.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from reserves.compute import compute
from reserves.tests.builders import days, holding, inputs, outcome, result

# --- R6 maturity (points 1 and 4): inclusive edges, calendar months and years, business-day overnights --


@pytest.mark.parametrize(
    ("profile", "term", "expected"),
    [
        ("US_GENIUS", 94, "fail"),
        ("US_GENIUS", 93, "pass"),
        ("HK", 94, "pass"),
        ("HK", 365, "pass"),  # 2026-11-01 + 1 year = 2027-11-01 = 365 days: inclusive edge
        ("HK", 366, "fail"),
    ],
)
def test_r6_bill_issued_on_the_as_of_date(profile, term, expected):
    bill = holding("100", "tbill", issue_date=days(0), maturity_date=days(term))
    out = compute(inputs(profile, [bill], supply=100))
    assert outcome(out, "R6") == expected
    # A bill that breaks the cap does not count as reserves, so backing fails with it.
    assert outcome(out, "R1") == ("pass" if expected == "pass" else "fail")


@pytest.mark.parametrize(
    ("profile", "as_of", "maturity", "expected"),
    [
        # HK debt: 1 calendar year of residual maturity, so a leap day makes it 366 days.
        ("HK", "2027-03-01", "2028-03-01", "pass"),  # 366 days across 29 Feb 2028
        ("HK", "2027-03-01", "2028-03-02", "fail"),
        ("HK", "2028-02-29", "2029-02-28", "pass"),  # a year after a leap day ends on 28 Feb
        ("HK", "2028-02-29", "2029-03-01", "fail"),
        # NYDFS: 3 calendar months at acquisition (here acquired on the as-of date).
        ("US_NYDFS", "2027-11-30", "2028-02-29", "pass"),  # 3 months from 30 Nov end on 29 Feb in a leap year
        ("US_NYDFS", "2027-11-30", "2028-03-01", "fail"),
        ("US_NYDFS", "2026-11-30", "2027-02-28", "pass"),
        ("US_NYDFS", "2026-11-30", "2027-03-01", "fail"),
    ],
)
def test_r6_month_and_year_caps_are_calendar_months_and_years(profile, as_of, maturity, expected):
    bill = holding("100", "tbill", acquisition_date=as_of, maturity_date=maturity)
    out = compute(inputs(profile, [bill], attestation={"as_of": f"{as_of}T12:00:00+00:00"}))
    assert outcome(out, "R6") == expected


@pytest.mark.parametrize(
    ("placed", "matures", "_remaining_within", "expected"),
    [
        # HK term deposits are judged by tenor (placement to maturity), in calendar months.
        (days(-60), days(31), True, "pass"),  # 91 days of tenor: 3 months from 2 Sep is 2 Dec
        (days(-60), days(32), False, "fail"),  # 31 days left, yet 92 days placed: over 3 months
        (None, days(93), False, "fail"),  # no placement date, but 2 Feb 2027 is past 3 months on any tenor
        (None, days(92), False, "not_evaluable"),  # 1 Feb 2027: placed on the as-of date it would be within
    ],
)
def test_r6_hk_term_deposit_by_tenor(placed, matures, _remaining_within, expected):
    deposit = holding("100", "term_deposit", issue_date=placed, maturity_date=matures)
    assert outcome(compute(inputs("HK", [deposit])), "R6") == expected


@pytest.mark.parametrize(
    ("profile", "extra", "expected"),
    [
        # Point 1: remaining days already over the cap prove the original tenor over it too.
        ("US_GENIUS", {"maturity_date": days(120)}, "fail"),
        ("US_GENIUS", {"maturity_date": days(94)}, "fail"),
        ("US_GENIUS", {"maturity_date": days(93)}, "pass"),
        ("US_GENIUS", {"maturity_date": days(90), "issue_date": days(-200)}, "pass"),
        ("US_NYDFS", {"maturity_date": days(93)}, "fail"),  # 1 Nov + 3 months = 1 Feb = 92 days: 93 left...
        ("US_NYDFS", {"maturity_date": days(92)}, "not_evaluable"),  # ...92 could be within 3 months of acquisition
        ("US_NYDFS", {"maturity_date": days(91), "acquisition_date": days(-1)}, "pass"),
        ("US_NYDFS", {"maturity_date": days(91), "acquisition_date": days(-2)}, "fail"),
        ("HK", {}, "not_evaluable"),
    ],
)
def test_r6_missing_dates_that_prove_failure(profile, extra, expected):
    out = compute(inputs(profile, [holding("100", "tbill", **extra)]))
    assert outcome(out, "R6") == expected


@pytest.mark.parametrize(
    ("profile", "start", "maturity", "expected"),
    [
        # Friday 6 Nov 2026 to Monday 9 Nov: overnight in every calendar.
        ("HK", "2026-11-06", "2026-11-09", "pass"),
        ("US_GENIUS", "2026-11-06", "2026-11-09", "pass"),
        ("US_NYDFS", "2026-11-06", "2026-11-09", "pass"),
        ("US_GENIUS", "2026-11-06", "2026-11-10", "fail"),
        # Thursday 3 Sep 2026 to Tuesday 8 Sep: Friday 4 Sep is a business day, so not overnight.
        ("US_GENIUS", "2026-09-03", "2026-09-08", "fail"),
        # Friday 4 Sep to Tuesday 8 Sep over US Labor Day (Mon 7 Sep): overnight under the Fed calendar...
        ("US_GENIUS", "2026-09-04", "2026-09-08", "pass"),
        # ...but not in Hong Kong, where 7 Sep is a business day.
        ("HK", "2026-09-04", "2026-09-08", "fail"),
        # HK: Thursday 1 Oct 2026 is National Day: Wednesday 30 Sep to Friday 2 Oct is overnight there only.
        ("HK", "2026-09-30", "2026-10-02", "pass"),
        ("US_NYDFS", "2026-09-30", "2026-10-02", "fail"),
    ],
)
def test_r6_overnight_means_the_next_business_day(profile, start, maturity, expected):
    repo = holding("100", "overnight_reverse_repo", issue_date=start, maturity_date=maturity)
    out = compute(inputs(profile, [repo], attestation={"as_of": f"{start}T20:00:00+00:00"}))
    assert outcome(out, "R6") == expected


def test_r6_overnight_without_a_start_date_counts_from_the_as_of_date():
    # As of Sunday 1 Nov 2026: the next business day is Monday 2 Nov.
    repo = holding("100", "overnight_reverse_repo", maturity_date=days(1))
    assert outcome(compute(inputs("US_GENIUS", [repo])), "R6") == "pass"
    late = holding("100", "overnight_reverse_repo", maturity_date=days(2))
    assert outcome(compute(inputs("US_GENIUS", [late])), "R6") == "fail"


def test_r6_maturity_is_counted_from_the_as_of_date_in_the_issuers_time_zone():
    # 2026-11-01T12:00Z is already 2 Nov on Kiritimati (UTC+14): from there the bill has 93 days left, not 94.
    bill = holding("100", "tbill", issue_date=days(-100), maturity_date=days(94))
    kiritimati = compute(inputs("US_GENIUS", [bill], attestation={"as_of_timezone": "Pacific/Kiritimati"}))
    assert outcome(kiritimati, "R6") == "pass"
    assert outcome(compute(inputs("US_GENIUS", [dict(bill)])), "R6") == "fail"


# --- R11 MiCA deposits (point 6): 30 % of the funds received, at credit institutions; 60 % is a draft --


@pytest.mark.parametrize(
    ("deposit", "custodian_type", "significant", "expected"),
    [
        ("29.99", "bank", False, "fail"),
        ("30", "bank", False, "pass"),
        ("30", "custodian", False, "fail"),  # a deposit outside a credit institution does not count
        ("59.99", "bank", True, "warn"),  # the draft RTS's 60 % is reported, never failed
        ("60", "bank", True, "pass"),
    ],
)
def test_r11_mica_deposit_minimum(deposit, custodian_type, significant, expected):
    rest = str(110 - Decimal(deposit))  # reserves of 110 against 100 outstanding: measured against the 100
    assets = [holding(deposit, "demand_deposit", custodian_type=custodian_type), holding(rest, "tbill")]
    out = compute(inputs("EU_MICA", assets, supply=100, licence={"significant": significant}))
    assert outcome(out, "R11") == expected
    assert result(out, "R11")["figures"]["par_outstanding"] == "100"
    if significant:
        assert result(out, "R11")["unverified"] == ["draft_significant_min_share: draft RTS, not in force"]


# --- R12 concentration (US proposed, point 9): at most 40% at one institution, over all reserve assets --


@pytest.mark.parametrize(("at_a", "expected"), [("40", "pass"), ("40.01", "fail")])
def test_r12_institution_concentration(at_a, expected):
    assets = [
        holding(at_a, "demand_deposit", custodian="Bank  A"),
        holding("30", "demand_deposit", custodian="bank b"),
        holding(str(100 - Decimal(at_a) - 30), "tbill", custodian="Custodian C", maturity_date=days(30)),
    ]
    out = compute(inputs("US_GENIUS", assets, supply=100))
    assert outcome(out, "R12") == expected
    assert result(out, "R12")["status"] == "proposed"


def test_r12_counts_every_reserve_asset_not_only_deposits():
    assets = [
        holding("30", "demand_deposit", custodian="Bank A"),
        holding("41", "tbill", custodian="Custodian C", maturity_date=days(30)),
        holding("29", "overnight_reverse_repo", custodian="Bank A", maturity_date=days(1)),
    ]
    out = compute(inputs("US_GENIUS", assets, supply=100))
    assert outcome(out, "R12") == "fail"  # Custodian C holds 41 % in bills; Bank A 59 % in deposits and repo


# --- R14 encumbrance, R15 segregation ----------------------------------------------------------------


def test_r14_encumbered_holdings_do_not_count():
    out = compute(inputs("US_GENIUS", [holding("100", encumbered=True)], supply=100))
    assert (outcome(out, "R14"), outcome(out, "R1"), out["reserves"]) == ("fail", "fail", "0.000000000000000000")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "pass"),
        ({"segregated": False}, "fail"),
        ({"account_type": "omnibus"}, "fail"),
        ({"account_type": ""}, "not_evaluable"),
        ({"custodian_type": "other"}, "fail"),
        ({"custodian_type": ""}, "not_evaluable"),
    ],
)
def test_r15_segregation(extra, expected):
    assert outcome(compute(inputs("HK", [holding("100", **extra)])), "R15") == expected


@pytest.mark.parametrize(("profile", "expected"), [("US_NYDFS", "fail"), ("HK", "pass"), ("US_GENIUS", "pass")])
def test_r15_nydfs_custody_excludes_central_banks(profile, expected):
    # Issue 17 point 5: NYDFS reserves sit with depository institutions or DFS-approved custodians.
    out = compute(inputs(profile, [holding("100", custodian_type="central_bank")]))
    assert outcome(out, "R15") == expected
