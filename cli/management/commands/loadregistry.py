from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chain.registry_file import RegistryError
from chain.registry_sync import registry_load


class Command(BaseCommand):
    help = "Load networks, stablecoins, deployments and deductions from a YAML or JSON registry (docs/registry.md)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--offline", action="store_true", help="skip the chain id and decimals() checks (decimals then required)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            text = path.read_text()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        try:
            counts = registry_load(text=text, source=str(path), offline=options["offline"])
        except RegistryError as exc:
            raise CommandError(f"nothing was saved:\n{exc}") from exc
        for line in counts["found"]:
            self.stdout.write(f"found {line}")
        self.stdout.write(
            f"loaded {path}: {counts['networks']} networks, {counts['stablecoins']} stablecoins, "
            f"{counts['deployments']} deployments"
        )
