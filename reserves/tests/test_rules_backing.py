"""Rule tests on how much counts as reserves and whether it covers supply: R1-R3, R5, R8, R35, R36.

Table-driven boundary tests: pure compute on hand-built inputs, no database.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from reserves.compute import compute
from reserves.tests.builders import PROFILES, days, holding, inputs, outcome, reading, result

# --- R1 full backing: 99.99 against par 100 fails under every profile --------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(("reserves", "expected"), [("99.99", "fail"), ("100", "pass"), ("100.000001", "pass")])
def test_r1_full_backing_boundary(profile, reserves, expected):
    out = compute(inputs(profile, [holding(reserves, "demand_deposit")], supply=100))
    assert outcome(out, "R1") == expected
    assert out["status"] == ("backed" if expected == "pass" else "under_collateralised")


def test_r1_compares_unrounded_and_shows_four_places_cut_down():
    out = compute(inputs("US_GENIUS", [holding("99.999999", "cash")], supply=100))
    assert outcome(out, "R1") == "fail"
    assert out["ratio_display"] == "0.9999"  # never rounded up to 1.0000
    assert out["ratio"] == "0.999999990000"
    assert out["headroom"] == "-0.000001000000000000"


def test_r1_is_not_evaluable_without_attestation_or_supply():
    assert outcome(compute(inputs("HK", None)), "R1") == "not_evaluable"
    assert outcome(compute(inputs("HK", [holding("100")], readings=[])), "R1") == "not_evaluable"
    assert compute(inputs("HK", None))["status"] == "no_attestation"
    assert compute(inputs("HK", [holding("100")], readings=[]))["status"] == "no_supply"


# --- R2 eligible assets: ineligible classes are excluded; breach when eligible alone < par -----------


@pytest.mark.parametrize(
    ("profile", "asset_class", "counts"),
    [
        ("HK", "other_govt_debt", True),
        ("US_GENIUS", "other_govt_debt", False),
        ("US_GENIUS", "term_deposit", False),
        ("EU_MICA", "term_deposit", True),
        ("US_NYDFS", "dedicated_fund", False),
        ("HK", "govt_mmf", False),
        ("HK", "other", False),
        # Issue 17 point 5: NYDFS counts T-bills, Treasury-backed overnight reverse repo and deposits only.
        ("US_NYDFS", "tbill", True),
        ("US_NYDFS", "tnote", False),
        ("US_NYDFS", "tbond", False),
        ("US_NYDFS", "cash", False),
        ("US_NYDFS", "central_bank_deposit", False),
        # Point 6: MiCA counts deposits at credit institutions and highly liquid instruments, not cash.
        ("EU_MICA", "cash", False),
        ("EU_MICA", "central_bank_deposit", False),
    ],
)
def test_r2_eligibility_by_profile(profile, asset_class, counts):
    other = holding("50", asset_class, maturity_date=days(30), issue_date=days(-10), acquisition_date=days(-10))
    out = compute(inputs(profile, [holding("100", line=1), other], supply=100))
    assert (out["reserves"] == "150.000000000000000000") is counts
    assert outcome(out, "R2") == ("pass" if counts else "warn")


def test_r2_fails_when_only_ineligible_assets_would_cover():
    out = compute(inputs("US_GENIUS", [holding("60", "cash"), holding("60", "other")], supply=100))
    assert outcome(out, "R2") == "fail"
    assert outcome(out, "R1") == "fail"


@pytest.mark.parametrize(
    ("gov", "solely", "expected", "reserves"),
    # An MMF whose look-through is not stated could not be verified, so it does not count (point 2).
    [(True, True, "pass", "150"), (True, False, "warn", "100"), (None, True, "not_evaluable", "100")],
)
def test_r2_government_mmf_needs_its_look_through(gov, solely, expected, reserves):
    mmf = holding("50", "govt_mmf", mmf_is_government=gov, mmf_invests_solely_in_eligible=solely)
    out = compute(inputs("US_GENIUS", [holding("100", "cash"), mmf], supply=100))
    assert outcome(out, "R2") == expected
    assert out["reserves"] == f"{reserves}.000000000000000000"


@pytest.mark.parametrize(
    ("profile", "fund", "expected", "reserves"),
    [
        # Point 6: a UCITS fund counts under MiCA when it holds only eligible assets; "government" is not asked.
        ("EU_MICA", {"mmf_is_government": None, "mmf_invests_solely_in_eligible": True}, "pass", "150"),
        ("EU_MICA", {"mmf_is_government": True, "mmf_invests_solely_in_eligible": False}, "warn", "100"),
        # Point 5: NYDFS government MMFs are unconfirmed: reported as such, not counted, never a pass.
        ("US_NYDFS", {"mmf_is_government": True, "mmf_invests_solely_in_eligible": True}, "not_evaluable", "100"),
    ],
)
def test_r2_fund_look_through_by_profile(profile, fund, expected, reserves):
    out = compute(inputs(profile, [holding("100"), holding("50", "govt_mmf", **fund)], supply=100))
    assert (outcome(out, "R2"), out["reserves"]) == (expected, f"{reserves}.000000000000000000")


# --- R1 on reserves it could not verify (point 2): excluded; R1 not evaluable when they alone would cover --


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(
    ("verified", "unverifiable", "r1", "status"),
    [
        ("100", "50", "pass", "backed"),
        ("60", "40", "not_evaluable", "reserves_unverified"),
        ("60", "39.99", "fail", "under_collateralised"),
    ],
)
def test_r1_never_passes_on_holdings_it_could_not_verify(profile, verified, unverifiable, r1, status):
    # A bill without a maturity date (HK caps it) or a fund without its look-through (elsewhere).
    if profile == "HK":
        unknown, rule = holding(unverifiable, "tbill"), "R6"
    else:
        unknown, rule = (
            holding(unverifiable, "govt_mmf", mmf_is_government=None, mmf_invests_solely_in_eligible=None),
            "R2",
        )
    out = compute(inputs(profile, [holding(verified), unknown], supply=100))
    assert (outcome(out, "R1"), out["status"]) == (r1, status)
    assert Decimal(out["reserves"] or "") == Decimal(verified)
    assert Decimal(out["reserves_unverified"]) == Decimal(unverifiable)
    assert out["holdings"][1]["unverified_by"] == [rule]


# --- R3 buffer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reserves", "expected"), [("100.5", "pass"), ("100.49", "warn"), ("100", "warn"), ("99.99", "fail")]
)
def test_r3_hk_licence_buffer_inclusive_edge(reserves, expected):
    out = compute(inputs("HK", [holding(reserves)], supply=100, licence={"buffer_min": "0.005"}))
    assert outcome(out, "R3") == expected


def test_r3_hk_has_no_buffer_of_its_own():
    # Point 9: no source gives HK a number; without the licence's buffer R3 is not evaluable.
    out = compute(inputs("HK", [holding("100")], supply=100))
    assert (outcome(out, "R3"), result(out, "R3")["figures"]) == ("not_evaluable", {"buffer_min": None})


def test_r3_licence_buffer_overrides_and_zero_is_not_applicable():
    assert outcome(compute(inputs("HK", [holding("100.9")], licence={"buffer_min": "0.01"})), "R3") == "warn"
    assert outcome(compute(inputs("US_GENIUS", [holding("100")])), "R3") == "not_applicable"
    assert outcome(compute(inputs("US_GENIUS", [holding("100")], licence={"buffer_min": "0.02"})), "R3") == "warn"


def test_r3_warning_carries_the_packs_severity():
    out = compute(inputs("HK", [holding("100")], licence={"buffer_min": "0.01"}))
    assert result(out, "R3")["severity"] == "high"


# --- R5 frozen tokens (point 8): outstanding and backed under every profile; time-locked kept too ----


@pytest.mark.parametrize("profile", [*PROFILES, ""])
def test_r5_frozen_and_time_locked_tokens_stay_outstanding(profile):
    supply = [reading(125, balances=(("treasury", 20), ("frozen", 10), ("time_locked", 5)))]
    out = compute(inputs(profile, [holding("104.99")], readings=supply))
    assert out["outstanding"] == "105.000000000000000000"
    assert out["kept_outstanding"] == {"frozen": "10.000000000000000000", "time_locked": "5.000000000000000000"}
    assert out["deducted"] == {"treasury": "20.000000000000000000"}
    assert outcome(out, "R1") == "fail"  # 104.99 would have covered 95 with frozen and locked tokens deducted


def test_outstanding_scales_raw_units_by_decimals_across_chains():
    supply = [reading(5 * 10**6, decimals=6), reading(3 * 10**18, decimals=18, chain_id=31338)]
    out = compute(inputs("US_GENIUS", [holding("8")], readings=supply))
    assert out["outstanding"] == "8.000000000000000000"
    assert out["outstanding_by_chain"] == {"31337": "5.000000000000000000", "31338": "3.000000000000000000"}


# --- R8 currency -------------------------------------------------------------------------------------


def test_r8_hk_counts_another_currency_only_with_rate_and_approval():
    usd = holding("10", "cash", currency="USD", fx_rate="7.8", regulator_approval_ref="HKMA-123")
    out = compute(inputs("HK", [holding("22"), usd], supply=100))
    assert outcome(out, "R8") == "pass"
    assert out["reserves"] == "100.000000000000000000"  # 22 + 10 x 7.8
    unapproved = holding("10", "cash", currency="USD", fx_rate="7.8")
    out = compute(inputs("HK", [holding("22"), unapproved], supply=100))
    assert (outcome(out, "R8"), out["reserves"]) == ("fail", "22.000000000000000000")
    assert out["reserves_stated"] == "100.000000000000000000"
    no_rate = holding("10", "cash", currency="USD", regulator_approval_ref="HKMA-123")
    assert outcome(compute(inputs("HK", [holding("22"), no_rate])), "R8") == "fail"


@pytest.mark.parametrize("profile", ["US_GENIUS", "US_NYDFS", "EU_MICA"])
def test_r8_no_mismatch_allowed_elsewhere(profile):
    other = holding("100", "cash", currency="GBP", fx_rate="1.2", regulator_approval_ref="X")
    out = compute(inputs(profile, [other], supply=100))
    assert (outcome(out, "R8"), outcome(out, "R1")) == ("fail", "fail")


# --- R35 stated total, R36 valuation method ----------------------------------------------------------


@pytest.mark.parametrize(("stated", "expected"), [("178", "pass"), ("178.000001", "fail"), (None, "not_evaluable")])
def test_r35_stated_total_equals_the_lines_converted(stated, expected):
    usd = holding("10", "cash", currency="USD", fx_rate="7.8", regulator_approval_ref="HKMA-1")
    out = compute(inputs("HK", [holding("100"), usd], attestation={"stated_total_reserves": stated}))
    assert outcome(out, "R35") == expected


@pytest.mark.parametrize(
    ("profile", "asset_class", "method", "expected"),
    [
        ("HK", "tbill", "market", "pass"),
        ("HK", "tbill", "amortised_cost", "fail"),
        ("US_NYDFS", "demand_deposit", "amortised_cost", "pass"),
        ("US_NYDFS", "tbill", "", "not_evaluable"),
    ],
)
def test_r36_backing_uses_market_value(profile, asset_class, method, expected):
    line = holding("100", asset_class, valuation_method=method, maturity_date=days(30))
    assert outcome(compute(inputs(profile, [line])), "R36") == expected


# --- unverified readings: reported, and never a critical flag on their own -----------------------------


def test_a_rule_resting_on_an_unverified_parameter_reports_it_and_is_never_critical():
    # NYDFS R2 (critical) leans on the unconfirmed status of government MMFs: its breach is reported high.
    out = compute(inputs("US_NYDFS", [holding("40"), holding("70", "cash")], supply=100))
    r2 = result(out, "R2")
    assert (r2["outcome"], r2["severity"]) == ("fail", "high")
    assert r2["unverified"] == ["unconfirmed: eligibility and caps not confirmed (regulation.md §8 item 13)"]
    # R1 rests on nothing unconfirmed: its shortfall stays critical.
    assert (outcome(out, "R1"), result(out, "R1")["severity"], "unverified" in result(out, "R1")) == (
        "fail",
        "critical",
        False,
    )
