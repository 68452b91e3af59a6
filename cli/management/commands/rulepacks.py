"""Print every profile's rule pack: id, name, severity, status, confidence and sources of each rule."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reserves.rulepacks.catalogue import catalogue, catalogue_markdown


class Command(BaseCommand):
    help = "List every profile with its rules (docs/rules.md ends with the --markdown output)."

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="one JSON document")
        group.add_argument("--markdown", action="store_true", help="the tables at the end of docs/rules.md")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["json"]:
            self.stdout.write(json.dumps({"profiles": catalogue()}, indent=2))
        elif options["markdown"]:
            self.stdout.write(catalogue_markdown(), ending="")
        else:
            for p in catalogue():
                self.stdout.write(f"{p['profile'] or '(no licence)'} {p['name']} {p['version']}")
                for r in p["rules"]:
                    source = ",".join(r["source"])
                    self.stdout.write(f"  {r['id']:<4} {r['severity']:<8} {r['status']:<9} [{source}] {r['name']}")
