"""`manage.py rulepacks` lists every profile's rules, and docs/rules.md ends with the same catalogue."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from reserves.rulepacks.catalogue import BEGIN, END, catalogue_markdown

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_it_prints_every_profile_with_its_rules_as_json():
    out = StringIO()
    call_command("rulepacks", "--json", stdout=out)
    profiles = {p["profile"]: p for p in json.loads(out.getvalue())["profiles"]}
    assert {"HK", "US_GENIUS", "US_NYDFS", "EU_MICA", "SG_MAS", ""} == set(profiles)
    for p in profiles.values():
        for rule in p["rules"]:
            assert set(rule) >= {"id", "name", "severity", "status", "source"} and rule["source"], rule
    hk = {r["id"]: r for r in profiles["HK"]["rules"]}
    assert hk["R21"]["status"] == "in_force" and hk["R21"]["cite"]
    assert {r["id"]: r["status"] for r in profiles["US_GENIUS"]["rules"]}["R4"] == "proposed"


def test_docs_rules_md_ends_with_the_generated_catalogue():
    text = DOCS.read_text()
    block = text[text.index(BEGIN) : text.index(END) + len(END)] + "\n"
    assert block == catalogue_markdown(), "run: python manage.py rulepacks --markdown, and paste it into docs/rules.md"
