"""`manage.py verifyaudit`: recompute the audit log's hash chain; print the head; exit 1 on any tampering."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attest.audit import audit_verify


class Command(BaseCommand):
    help = (
        "Check every audit entry's hash and link; prints the head hash, fails on an edited, inserted or deleted entry."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verdict = audit_verify()
        for problem in verdict.problems:
            self.stderr.write(problem)
        if not verdict.ok:
            raise CommandError(f"audit log BROKEN: {len(verdict.problems)} problem(s) in {verdict.entries} entries")
        self.stdout.write(f"audit log OK: {verdict.entries} entries, head {verdict.head}")
