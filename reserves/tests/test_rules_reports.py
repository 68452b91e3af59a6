"""Rule tests on the evidence: supply reconciliation (R18), report freshness (R22-R24), opinion (R25),
certification (R26), interest (R31) and chain freshness (X1).

Table-driven boundary tests: pure compute on hand-built inputs, no database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from reserves.compute import compute
from reserves.tests.builders import AS_OF, AS_OF_DATE, holding, inputs, outcome, reading, result

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
