from __future__ import annotations

import json
from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from attest.models import Stablecoin
from chain.rpc import RpcError
from chain.supply import supply_read_coin, supply_report


def _instant(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--at {value!r} is not an ISO-8601 time") from exc
    # An instant without an offset is taken as UTC, never as the server's local time.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Read a stablecoin's outstanding supply now, at an instant or at a block, with each block's provenance."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("symbol")
        when = parser.add_mutually_exclusive_group()
        when.add_argument("--at", help="ISO-8601 instant: the last finalised block at or before it, on each network")
        when.add_argument("--block", type=int, help="a finalised block number (with --network if on several)")
        parser.add_argument("--network", default="", help="read only this network")
        parser.add_argument("--json", action="store_true", help="print JSON (amounts as decimal strings)")

    def handle(self, *args: Any, **options: Any) -> None:
        coin = Stablecoin.objects.filter(symbol=options["symbol"].upper()).first()
        if coin is None:
            raise CommandError(f"no stablecoin {options['symbol']!r}")
        at = _instant(options["at"]) if options["at"] else None
        try:
            readings = supply_read_coin(
                stablecoin=coin, at=at, block_number=options["block"], network=options["network"]
            )
        except (RpcError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report = supply_report(stablecoin=coin, readings=readings)
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        self.stdout.write(
            f"{report['symbol']} outstanding {report['outstanding']} (total supply {report['total_supply']})"
        )
        for bucket, amount in report["deducted"].items():
            self.stdout.write(f"  deducted {bucket}: {amount}")
        for d in report["deployments"]:
            read = "" if d["address_read"] == d["address"] else f" (read at successor {d['address_read']})"
            self.stdout.write(
                f"- {d['network']} (chain {d['chain_id']}) {d['address']}{read}: outstanding {d['outstanding']} "
                f"of {d['total_supply']} at block {d['block_number']} {d['block_hash']} ({d['block_time']})"
            )
            for row in d["deductions"]:
                self.stdout.write(f"    {row['bucket']} {row['address']}: {row['amount']}  {row['note']}")
