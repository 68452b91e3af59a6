import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reserves.compute import compute
from reserves.models import ReconciliationRun
from reserves.runtypes import inputs_from_json, run_inputs_of


class Command(BaseCommand):
    help = (
        "Recompute reconciliation runs from their stored inputs and compare with the stored outputs "
        "(--run ID, or --all), or compute the outputs of an inputs bundle (a JSON file) and print them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--run", type=int, help="a ReconciliationRun id")
        group.add_argument("--all", action="store_true", help="every run written in the current inputs format")
        group.add_argument("--inputs", type=Path, help="a JSON file holding a run's inputs")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["inputs"]:
            outputs = compute(inputs_from_json(json.loads(options["inputs"].read_text())))
            self.stdout.write(json.dumps(outputs, indent=2, sort_keys=True))
            return
        runs = ReconciliationRun.objects.filter(inputs__format=2) if options["all"] else None
        if runs is None:
            runs = ReconciliationRun.objects.filter(pk=options["run"])
            if not runs.exists():
                raise CommandError(f"no run {options['run']}")
        differing = [run.pk for run in runs.iterator() if compute(run_inputs_of(run)) != run.outputs]
        checked = runs.count()
        if differing:
            raise CommandError(f"{len(differing)} of {checked} run(s) do not recompute: {differing[:20]}")
        self.stdout.write(f"{checked} run(s) recompute to their stored outputs")
