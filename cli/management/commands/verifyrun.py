import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from chain.models import Network
from chain.rpc import RpcClient, RpcError, hex_int
from reserves.models import ReconciliationRun
from reserves.selectors import run_outputs
from reserves.verify import Difference, stored_readings_differences, verify


class Command(BaseCommand):
    help = (
        "Re-read a reconciliation run's supply at its pinned blocks (by block hash) and recompute it; "
        "print every difference and exit 1 if there is one. RUN is a run id, or use --bundle FILE "
        "(a downloaded /api/v1/runs/{id}/bundle/) to check without Attest's database."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("run", nargs="?", type=int, help="run id")
        parser.add_argument("--bundle", type=Path, help="a run bundle (JSON) instead of a run in the database")
        parser.add_argument(
            "--rpc",
            action="append",
            default=[],
            help="RPC URL to re-read from (repeat for several chains; each is matched by its eth_chainId). "
            "Without it, the network's registered URLs.",
        )
        parser.add_argument("--no-chain", action="store_true", help="only check the hash and the recompute")

    def handle(self, *args: Any, **options: Any) -> None:
        if (options["run"] is None) == (options["bundle"] is None):
            raise CommandError("give a run id or --bundle FILE")
        by_chain: dict[int, RpcClient] = {}
        for url in options["rpc"]:
            client = RpcClient([url], timeout=settings.CHAIN_RPC_TIMEOUT, retries=settings.CHAIN_RPC_RETRIES)
            try:
                by_chain[hex_int(client.call("eth_chainId"))] = client
            except RpcError as exc:
                raise CommandError(f"{url}: {exc}") from exc

        def rpc_for(chain_id: int) -> RpcClient:
            if chain_id in by_chain:
                return by_chain[chain_id]
            network = Network.objects.filter(chain_id=chain_id).first()
            if network is None:
                raise RpcError(f"no --rpc URL serves chain {chain_id} and no network is registered for it")
            return network.rpc()

        extra: list[Difference] = []
        if options["bundle"] is not None:
            bundle = json.loads(options["bundle"].read_text())
            label = f"bundle {options['bundle']} (run {bundle['run']['id']})"
            inputs, input_hash, outputs = bundle["inputs"], bundle["run"]["input_hash"], bundle["outputs"]
        else:
            run = ReconciliationRun.objects.filter(pk=options["run"]).first()
            if run is None:
                raise CommandError(f"no run {options['run']}")
            label = f"run {run.pk} ({run.stablecoin.symbol}, {run.created_at:%Y-%m-%d %H:%M:%S})"
            inputs, input_hash = run.inputs, run.input_hash
            outputs = run_outputs(run)
            extra = stored_readings_differences(inputs)
        diffs = extra + verify(
            inputs=inputs, input_hash=input_hash, outputs=outputs, rpc_for=None if options["no_chain"] else rpc_for
        )
        readings = len(inputs.get("readings", []))
        if diffs:
            self.stdout.write(f"{label}: {len(diffs)} difference(s)")
            for diff in diffs:
                self.stdout.write(f"  DIFF {diff}")
            raise CommandError(f"{label} does not verify")
        checked = (
            "recomputed" if options["no_chain"] else f"re-read {readings} reading(s) at their blocks and recomputed"
        )
        self.stdout.write(f"{label}: OK ({checked}; status {outputs['status']})")
