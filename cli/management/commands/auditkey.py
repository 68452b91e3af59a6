"""`manage.py auditkey --out PATH`: make a new Ed25519 signing key for the transparency log.

Prints its key id and public key; with ``--public`` prints those of the configured key instead (what
goes into ``AUDIT_RETIRED_KEYS`` when rotating it). docs/transparency-log.md, "Rotating the key".
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from attest import logkeys


class Command(BaseCommand):
    help = "Write a new Ed25519 log signing key (PEM, mode 600) to --out, or print the configured key's public half."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, help="file to create (refuses to overwrite)")
        parser.add_argument("--public", action="store_true", help="print the configured key's id and public key")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["public"]:
            key = logkeys.signer().key
        elif options["out"] is not None:
            try:
                key = logkeys.key_generate(options["out"])
            except FileExistsError:
                raise CommandError(f"{options['out']} exists; a signing key is never overwritten") from None
        else:
            raise CommandError("say --out PATH (a new key) or --public (the configured one)")
        public = key.public_key()
        self.stdout.write(f"key id {logkeys.key_id(public)}")
        self.stdout.write(f"public key {base64.b64encode(logkeys.raw_public(public)).decode()}")
