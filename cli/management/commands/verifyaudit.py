"""`manage.py verifyaudit`: check the transparency log from the database; exit 1 on any tampering it can see."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from attest.appendonly import triggers_missing
from attest.logverify import audit_verify


class Command(BaseCommand):
    help = (
        "Check every log entry (sequence, hash chain, leaf hash), every stored subtree and every signed tree head "
        "(root recomputed, key published, signature, time order); fails on an edited, inserted, deleted or "
        "unsigned entry, a rewritten history whose heads were not re-signed, a foreign key, or missing triggers."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit_verify()
        problems = list(verdict.problems)
        missing = triggers_missing(connection)
        if missing:
            problems.append(f"append-only triggers missing or disabled: {', '.join(missing)}")
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(
                f"audit log BROKEN: {len(problems)} problem(s) in {verdict.entries} entries "
                f"and {verdict.heads} signed heads"
            )
        self.stdout.write(
            f"audit log OK: {verdict.entries} entries, {verdict.heads} signed heads, "
            f"root {verdict.root}, head {verdict.head}"
        )
