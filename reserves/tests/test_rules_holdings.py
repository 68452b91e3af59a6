"""Rule tests on the quality of each holding: maturity (R6), deposits (R11), concentration (R12),
encumbrance (R14) and segregation (R15).

Table-driven boundary tests: pure compute on hand-built inputs, no database.
"""

from __future__ import annotations

import pytest

from reserves.compute import compute
from reserves.tests.builders import days, holding, inputs, outcome, result

# --- R6 maturity: a 94-day bill fails GENIUS and passes HK -------------------------------------------


@pytest.mark.parametrize(
    ("profile", "term", "expected"),
    [
        ("US_GENIUS", 94, "fail"),
        ("US_GENIUS", 93, "pass"),
        ("HK", 94, "pass"),
        ("HK", 365, "pass"),
        ("HK", 366, "fail"),
    ],
)
def test_r6_bill_issued_on_the_as_of_date(profile, term, expected):
    bill = holding("100", "tbill", issue_date=days(0), maturity_date=days(term))
    out = compute(inputs(profile, [bill], supply=100))
    assert outcome(out, "R6") == expected
    # A bill that breaks the cap does not count as reserves, so backing fails with it.
    assert outcome(out, "R1") == ("pass" if expected == "pass" else "fail")


def test_r6_genius_accepts_a_short_original_maturity_or_a_short_remaining_one():
    aged = holding("100", "tbill", issue_date=days(-200), maturity_date=days(90))
    assert outcome(compute(inputs("US_GENIUS", [aged])), "R6") == "pass"
    no_issue = holding("100", "tbill", maturity_date=days(120))
    assert outcome(compute(inputs("US_GENIUS", [no_issue])), "R6") == "not_evaluable"


@pytest.mark.parametrize(("acquired", "expected"), [(-1, "pass"), (-2, "fail")])
def test_r6_nydfs_counts_days_from_acquisition(acquired, expected):
    bill = holding("100", "tbill", acquisition_date=days(acquired), maturity_date=days(91))
    assert outcome(compute(inputs("US_NYDFS", [bill])), "R6") == expected


def test_r6_hk_term_deposit_three_months_and_missing_maturity():
    assert outcome(compute(inputs("HK", [holding("100", "term_deposit", maturity_date=days(93))])), "R6") == "fail"
    assert outcome(compute(inputs("HK", [holding("100", "term_deposit", maturity_date=days(92))])), "R6") == "pass"
    out = compute(inputs("HK", [holding("100", "tbill")]))
    assert outcome(out, "R6") == "not_evaluable"
    assert outcome(out, "R1") == "pass"  # counted: it lacks data, it is not shown to break a cap


def test_r6_maturity_is_counted_from_the_as_of_date_in_the_issuers_time_zone():
    # 2026-11-01T12:00Z is already 2 Nov on Kiritimati (UTC+14): from there the bill has 93 days left, not 94.
    bill = holding("100", "tbill", issue_date=days(-100), maturity_date=days(94))
    kiritimati = compute(inputs("US_GENIUS", [bill], attestation={"as_of_timezone": "Pacific/Kiritimati"}))
    assert outcome(kiritimati, "R6") == "pass"
    assert outcome(compute(inputs("US_GENIUS", [dict(bill)])), "R6") == "fail"


# --- R11 MiCA deposits: 29.9% fails ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("deposit", "significant", "expected"),
    [("29.9", False, "fail"), ("30", False, "pass"), ("59.9", True, "fail"), ("60", True, "pass")],
)
def test_r11_mica_deposit_minimum(deposit, significant, expected):
    rest = str(100 - float(deposit))
    assets = [holding(deposit, "demand_deposit"), holding(rest, "tbill", maturity_date=days(30))]
    out = compute(inputs("EU_MICA", assets, supply=100, licence={"significant": significant}))
    assert outcome(out, "R11") == expected


# --- R12 concentration (US proposed): at most 40% at one institution ---------------------------------


@pytest.mark.parametrize(("at_a", "expected"), [("40", "pass"), ("40.01", "fail")])
def test_r12_institution_concentration(at_a, expected):
    assets = [
        holding(at_a, "demand_deposit", custodian="Bank  A"),
        holding("30", "demand_deposit", custodian="bank b"),
        holding(str(100 - float(at_a) - 30), "tbill", custodian="Custodian C", maturity_date=days(30)),
    ]
    out = compute(inputs("US_GENIUS", assets, supply=100))
    assert outcome(out, "R12") == expected
    assert result(out, "R12")["status"] == "proposed"


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
