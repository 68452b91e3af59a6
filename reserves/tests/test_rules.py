"""Table-driven boundary tests of each rule pack: pure compute on hand-built inputs, no database."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import pytest

from reserves.compute import compute
from reserves.rulepacks import FILES, rulepack_load
from reserves.rules.checks import CHECKS
from reserves.runtypes import inputs_from_json
from reserves.tests.builders import AS_OF, holding, inputs, reading

PROFILES = ["HK", "US_GENIUS", "US_NYDFS", "EU_MICA"]
AS_OF_DATE = date.fromisoformat(AS_OF[:10])


def result(out: Mapping[str, Any], rule: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [r for r in out["results"] if r["rule"] == rule]
    assert len(found) == 1
    return found[0]


def outcome(out: Mapping[str, Any], rule: str) -> str:
    return str(result(out, rule)["outcome"])


def days(n: int) -> str:
    return (AS_OF_DATE + timedelta(days=n)).isoformat()


def test_it_loads_every_pack_with_a_check_for_every_rule():
    covered: set[str] = set()
    for profile in FILES:
        pack = rulepack_load(profile)
        assert pack["profile"] == profile
        for rule_id, spec in pack["rules"].items():
            assert rule_id in CHECKS, f"{profile} {rule_id} has no check"
            assert spec["source"] and spec["confidence"] and spec["status"]
        covered |= set(pack["rules"])
    required = {"R1", "R2", "R3", "R5", "R6", "R8", "R11", "R12", "R14", "R15", "R18", "R22", "R23", "R24", "R25"}
    assert required | {"R26", "R31"} <= covered


# --- R1 full backing: 99.99 against par 100 fails under every profile --------------------------------


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize(("reserves", "expected"), [("99.99", "fail"), ("100", "pass"), ("100.000001", "pass")])
def test_r1_full_backing_boundary(profile, reserves, expected):
    out = compute(inputs(profile, [holding(reserves, "cash")], supply=100))
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
    ],
)
def test_r2_eligibility_by_profile(profile, asset_class, counts):
    out = compute(inputs(profile, [holding("100", "cash", line=1), holding("50", asset_class)], supply=100))
    assert (out["reserves"] == "150.000000000000000000") is counts
    assert outcome(out, "R2") == ("pass" if counts else "warn")


def test_r2_fails_when_only_ineligible_assets_would_cover():
    out = compute(inputs("US_GENIUS", [holding("60", "cash"), holding("60", "other")], supply=100))
    assert outcome(out, "R2") == "fail"
    assert outcome(out, "R1") == "fail"


@pytest.mark.parametrize(
    ("gov", "solely", "expected", "reserves"),
    [(True, True, "pass", "150"), (True, False, "warn", "100"), (None, True, "not_evaluable", "150")],
)
def test_r2_government_mmf_needs_its_look_through(gov, solely, expected, reserves):
    mmf = holding("50", "govt_mmf", mmf_is_government=gov, mmf_invests_solely_in_eligible=solely)
    out = compute(inputs("US_GENIUS", [holding("100", "cash"), mmf], supply=100))
    assert outcome(out, "R2") == expected
    assert out["reserves"] == f"{reserves}.000000000000000000"


# --- R3 buffer ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reserves", "expected"), [("100.5", "pass"), ("100.49", "warn"), ("100", "warn"), ("99.99", "fail")]
)
def test_r3_hk_default_buffer_half_a_percent(reserves, expected):
    assert outcome(compute(inputs("HK", [holding(reserves)], supply=100)), "R3") == expected


def test_r3_licence_buffer_overrides_and_zero_is_not_applicable():
    assert outcome(compute(inputs("HK", [holding("100.9")], licence={"buffer_min": "0.01"})), "R3") == "warn"
    assert outcome(compute(inputs("US_GENIUS", [holding("100")])), "R3") == "not_applicable"
    assert outcome(compute(inputs("US_GENIUS", [holding("100")], licence={"buffer_min": "0.02"})), "R3") == "warn"


def test_r3_warning_carries_the_packs_severity():
    assert result(compute(inputs("HK", [holding("100")])), "R3")["severity"] == "high"


# --- R5 frozen tokens: counted under HK, deducted under the US profiles ------------------------------


@pytest.mark.parametrize(
    ("profile", "outstanding"), [("HK", "100"), ("US_GENIUS", "90"), ("US_NYDFS", "90"), ("EU_MICA", "90")]
)
def test_r5_frozen_tokens_by_profile(profile, outstanding):
    supply = [reading(120, balances=(("treasury", 20), ("frozen", 10)))]
    out = compute(inputs(profile, [holding("95")], readings=supply))
    assert out["outstanding"] == f"{outstanding}.000000000000000000"
    assert outcome(out, "R5") == "pass"
    assert outcome(out, "R1") == ("fail" if profile == "HK" else "pass")
    assert out["deducted"]["treasury"] == "20.000000000000000000"


def test_outstanding_scales_raw_units_by_decimals_across_chains():
    supply = [reading(5 * 10**6, decimals=6), reading(3 * 10**18, decimals=18, chain_id=31338)]
    out = compute(inputs("US_GENIUS", [holding("8")], readings=supply))
    assert out["outstanding"] == "8.000000000000000000"
    assert out["outstanding_by_chain"] == {"31337": "5.000000000000000000", "31338": "3.000000000000000000"}


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
    assert (outcome(out, "R14"), outcome(out, "R1"), out["reserves"]) == ("fail", "fail", "0E-18")


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


# --- R18 supply reconciliation -----------------------------------------------------------------------


def test_r18_issuer_figures_against_onchain_at_the_as_of_block():
    figures = {"issuer_figures": [{"chain_id": 31337, "outstanding": "100"}]}
    at = compute(inputs("HK", [holding("101")], attestation=figures, basis="as_of"))
    assert outcome(at, "R18") == "pass"
    off = {"issuer_figures": [{"chain_id": 31337, "outstanding": "99.999999"}]}
    assert outcome(compute(inputs("HK", [holding("101")], attestation=off, basis="as_of")), "R18") == "fail"
    missing_chain = {"issuer_figures": [{"chain_id": 1, "outstanding": "100"}]}
    assert outcome(compute(inputs("HK", [holding("101")], attestation=missing_chain, basis="as_of")), "R18") == "fail"
    # Against later supply the issuer's figures say nothing.
    assert outcome(compute(inputs("HK", [holding("101")], attestation=figures)), "R18") == "not_evaluable"


def test_r18_fails_on_findings_from_the_chain_ledger():
    finding = {"source": "ledger", "chain_id": 31337, "expected": "100", "observed": "90"}
    out = compute(inputs("US_GENIUS", [holding("100")], supply_findings=[finding]))
    assert outcome(out, "R18") == "fail"
    assert result(out, "R18")["figures"]["findings"] == [finding]


# --- R22 / R23 / R24 staleness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("profile", "rule", "age_days", "expected"),
    [
        ("HK", "R22", 7, "pass"),
        ("HK", "R22", 8, "fail"),
        ("HK", "R24", 61, "pass"),
        ("HK", "R24", 62, "fail"),
        ("US_GENIUS", "R24", 62, "fail"),
        ("US_GENIUS", "R23", 61, "pass"),
        ("US_NYDFS", "R23", 62, "fail"),
        ("EU_MICA", "R24", 225, "pass"),
        ("EU_MICA", "R24", 226, "fail"),
    ],
)
def test_report_freshness(profile, rule, age_days, expected):
    evaluated = (AS_OF_DATE + timedelta(days=age_days)).isoformat() + "T12:00:00+00:00"
    out = compute(inputs(profile, [holding("100")], evaluated_at=evaluated))
    assert outcome(out, rule) == expected


def test_r24_uses_the_licence_interval_and_only_independent_reports():
    evaluated = (AS_OF_DATE + timedelta(days=20)).isoformat() + "T12:00:00+00:00"
    licence = {"attestation_interval_days": 7}  # 7 + 30 days of lag
    assert outcome(compute(inputs("HK", [holding("100")], evaluated_at=evaluated, licence=licence)), "R24") == "pass"
    weekly_only = {"weekly_disclosure": AS_OF}
    out = compute(inputs("HK", [holding("100")], latest_reports=weekly_only))
    # Tokens outstanding and no independent report ever filed: R24 fails rather than shrugging.
    assert (outcome(out, "R24"), outcome(out, "R22")) == ("fail", "pass")


# --- R25 opinion, R26 certification, R31 interest ----------------------------------------------------


@pytest.mark.parametrize(
    ("opinion", "expected"), [("unmodified", "pass"), ("qualified", "fail"), ("adverse", "fail"), ("", "not_evaluable")]
)
def test_r25_opinion(opinion, expected):
    assert outcome(compute(inputs("EU_MICA", [holding("100")], attestation={"opinion": opinion})), "R25") == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, "pass"),
        ({"cfo_name": "", "cfo_certified_at": None}, "fail"),
        ({"ceo_certified_at": "2026-10-31T00:00:00+00:00"}, "fail"),
        ({"ceo_name": "", "ceo_certified_at": None, "cfo_name": "", "cfo_certified_at": None}, "not_evaluable"),
    ],
)
def test_r26_ceo_and_cfo_certify_after_the_as_of_date(fields, expected):
    assert outcome(compute(inputs("US_GENIUS", [holding("100")], attestation=fields)), "R26") == expected


@pytest.mark.parametrize(("pays", "expected"), [(False, "pass"), (True, "fail"), (None, "not_evaluable")])
def test_r31_no_interest(pays, expected):
    out = compute(inputs("HK", [holding("100")], attestation={"pays_holder_interest": pays}))
    assert outcome(out, "R31") == expected


# --- X1 chain freshness ------------------------------------------------------------------------------


def test_x1_chain_data_age_at_the_evaluation_instant():
    fresh = [reading(100, block_time="2026-11-01T23:00:00+00:00")]
    stale = [reading(100, block_time="2026-11-01T22:59:59+00:00")]
    assert outcome(compute(inputs("HK", [holding("101")], readings=fresh)), "X1") == "pass"
    assert outcome(compute(inputs("HK", [holding("101")], readings=stale)), "X1") == "fail"
    assert outcome(compute(inputs("HK", [holding("101")], readings=stale, basis="as_of")), "X1") == "not_evaluable"


# --- purity ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("profile", [*PROFILES, ""])
def test_compute_is_a_pure_function_of_json_inputs(profile):
    assets = [holding("60"), holding("45", "tbill", maturity_date=days(30), issue_date=days(-10))]
    data = inputs(profile, assets, readings=[reading(120, balances=(("frozen", 5), ("treasury", 15)))])
    stored = json.loads(json.dumps(data))
    first = compute(stored)
    assert json.loads(json.dumps(first)) == first == compute(json.loads(json.dumps(data)))
    assert [r["rule"] for r in first["results"]] == sorted(
        rulepack_load(profile)["rules"], key=lambda r: (r[0], int(r[1:]))
    )


def test_compute_refuses_inputs_of_another_format():
    old: dict[str, Any] = {**inputs("HK", [holding("100")])}
    del old["format"]
    with pytest.raises(ValueError, match="format 1"):
        compute(inputs_from_json(old))


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
