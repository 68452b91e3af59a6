"""`manage.py verifyattestation FILE`: check a downloaded attestation bundle offline (scripts/verify_attestation.py)."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Verify a bundle downloaded from /attestations/<id>/bundle.json: payload hash and EIP-712 signatures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        # The same code as the standalone script, so there is one verifier to trust.
        verifier = runpy.run_path(str(Path(settings.BASE_DIR) / "scripts" / "verify_attestation.py"))
        bundle = json.loads(Path(options["file"]).read_text())
        problems, lines = verifier["verify_bundle"](bundle)
        for line in lines:
            self.stdout.write(line)
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError("attestation NOT verified")
        self.stdout.write("attestation verified")
