"""The rule engine as a whole, apart from any one rule: every pack loads with a check for each of its
rules, and compute is a pure function of JSON inputs of the current format. No database.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from reserves.compute import compute
from reserves.rulepacks import FILES, rulepack_load
from reserves.rules.catalogue import CHECKS
from reserves.runtypes import inputs_from_json
from reserves.tests.builders import PROFILES, days, holding, inputs, reading


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


def _places(raw: int, decimals: int) -> str:
    """``raw`` base units as a decimal string with exactly ``decimals`` places, by integer arithmetic only."""
    digits = str(raw).rjust(decimals + 1, "0")
    return f"{digits[:-decimals]}.{digits[-decimals:]}" if decimals else digits


@pytest.mark.parametrize("profile", PROFILES)
def test_it_is_exact_at_the_largest_supply_at_either_end_of_the_decimals(profile):
    """2**256-1 base units at 0 decimals plus the same at 77 on another chain: 78 + 77 digits, none lost."""
    top = 2**256 - 1
    rows = [reading(top, chain_id=1, decimals=0), reading(top, chain_id=2, decimals=77, balances=(("treasury", 1),))]
    out = compute(inputs(profile, [holding("1000000000000000000.000001")], readings=rows))
    assert out["outstanding_by_chain"] == {"1": _places(top * 10**18, 18), "2": _places(top - 1, 77)}
    assert out["outstanding"] == _places(top * 10**77 + top - 1, 77)
    assert out["reserves"] == "1000000000000000000.000001000000000000"
    assert out["ratio"] == "0.000000000000"  # cut, never rounded up, and never written as 0E-12
    assert out["status"] == "under_collateralised"


def test_the_ratio_of_the_largest_reserves_over_one_base_unit_is_exact():
    out = compute(inputs("HK", [holding("1000000000000000000")], readings=[reading(1, decimals=18)]))
    assert out["ratio"] == "1" + "0" * 36 + ".000000000000"
    assert out["ratio_display"] == "1" + "0" * 36 + ".0000"
