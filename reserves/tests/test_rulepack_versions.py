"""Rule packs change with the law; runs keep the pack they were judged under.

Every run stores its whole pack (``inputs.rulepack``, with its version and SHA-256), so a run is
recomputed under the pack it used. ``data/runs_2026_11.json`` holds inputs and outputs written by the
engine of pack 2026.11.2 (before issue 17 changed what the rules read): they must still recompute to
exactly what was stored (amounts compared as numbers), though the same holdings are judged differently
under today's packs.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pytest

from reserves.compute import compute
from reserves.rulepacks import FILES, rulepack_load
from reserves.rulepacks.citations import BEGIN, END, sources_markdown
from reserves.runtypes import inputs_from_json


def _numbers(value: Any) -> Any:
    """Amounts compared as numbers: the engine now writes a zero as 0.000000000000000000 where it wrote 0E-18."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value


OLD_RUNS = json.loads((Path(__file__).parent / "data" / "runs_2026_11.json").read_text())


@pytest.mark.parametrize("run", OLD_RUNS, ids=lambda r: r["inputs"]["profile"] or "none")
def test_runs_of_an_older_pack_recompute_to_what_they_stored(run):
    assert run["inputs"]["rulepack_version"] == "2026.11.2" or run["inputs"]["profile"] == ""
    assert _numbers(compute(inputs_from_json(run["inputs"]))) == _numbers(run["outputs"])


@pytest.mark.parametrize("run", OLD_RUNS[:4], ids=lambda r: r["inputs"]["profile"])
def test_the_same_holdings_under_todays_pack_are_judged_anew(run):
    profile = run["inputs"]["profile"]
    current = rulepack_load(profile)
    assert current["version"] != run["inputs"]["rulepack_version"]
    today = compute(inputs_from_json({**run["inputs"], "rulepack": current, "rulepack_version": current["version"]}))
    assert today["rulepack_version"] == current["version"]
    assert today != run["outputs"]


def test_every_pack_cites_a_source_for_each_rule_and_parameter():
    for profile in FILES:
        pack = rulepack_load(profile)
        for rule_id, spec in pack["rules"].items():
            assert spec["cite"], f"{profile} {rule_id}"
            assert set(spec["param_cite"]) == set(spec["params"]), f"{profile} {rule_id}"
            for cite in [*spec["cite"], *spec["param_cite"].values()]:
                source = pack["sources"][cite["ref"]]
                assert cite["at"] and source["document"] and "url" in source


def test_docs_rules_shows_every_citation_as_the_packs_have_it():
    text = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text()
    section = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert section == sources_markdown()
