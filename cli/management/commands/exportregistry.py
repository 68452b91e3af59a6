from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from chain.registry_sync import registry_export


class Command(BaseCommand):
    help = "Write the registry (networks, stablecoins, deployments, deductions) in the loadregistry format."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", choices=["yaml", "json"], default="yaml")
        parser.add_argument("--output", type=Path, help="a file to write instead of standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        text = registry_export(fmt=options["format"])
        if options["output"]:
            options["output"].write_text(text)
        else:
            self.stdout.write(text, ending="")
