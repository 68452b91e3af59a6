import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from chain.models import Deployment
from chain.rpc import RpcError
from reserves.feeds.onchain import FeedError
from reserves.feeds.register import feed_register
from reserves.feeds.selectors import feed_rows


class Command(BaseCommand):
    help = (
        "List the on-chain reserve feeds (chain id, RPC URL, address, last round), or register a deployed one "
        "with --register SYMBOL --chain-id N --address 0x... [--guard 0x...]. See docs/feeds.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="one JSON document instead of a table")
        parser.add_argument("--register", metavar="SYMBOL", help="register the feed at --address for this coin")
        parser.add_argument("--chain-id", type=int, help="the network of the coin's deployment the feed serves")
        parser.add_argument("--address", help="the AttestReserveFeed's address")
        parser.add_argument("--guard", default="", help="a SecureMintGuard reading the feed, if any")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["register"]:
            self._register(options)
        rows = feed_rows()
        if options["json"]:
            self.stdout.write(json.dumps({"feeds": rows}, indent=2))
            return
        if not rows:
            self.stdout.write("no feeds registered")
        for row in rows:
            last = row["last_round"]
            said = (
                f"round {last['round_id']}: {last['reserves']} at {last['updated_at']}" if last else "no round posted"
            )
            self.stdout.write(f"{row['symbol']} chain {row['chain_id']} {row['address']} ({row['rpc_url']}): {said}")

    def _register(self, options: dict[str, Any]) -> None:
        if not options["chain_id"] or not options["address"]:
            raise CommandError("--register needs --chain-id and --address")
        deployment = (
            Deployment.objects.select_related("stablecoin", "network")
            .filter(stablecoin__symbol=options["register"], network__chain_id=options["chain_id"])
            .first()
        )
        if deployment is None:
            raise CommandError(f"{options['register']} has no deployment on chain {options['chain_id']}")
        try:
            feed = feed_register(deployment=deployment, address=options["address"], guard_address=options["guard"])
        except (FeedError, RpcError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"registered feed {feed.address} for {deployment.stablecoin.symbol}")
