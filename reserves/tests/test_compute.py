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
