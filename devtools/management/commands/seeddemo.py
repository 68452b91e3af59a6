from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.demo import DEMO_PASSWORDS, demo_seed
from jobs.tasks import read_all_networks_task


class Command(BaseCommand):
    help = "Deploy the demo coins on a local anvil chain and register them, with demo users. Safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rpc-url", default=settings.CHAIN_RPC_URL, help="a local anvil (dev accounts unlocked)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # The demo users have passwords printed in the README: never on a production database.
            raise CommandError("seeddemo creates users with known passwords; it runs only with DEBUG=1.")
        for line in demo_seed(rpc_url=options["rpc_url"]):
            self.stdout.write(line)
        # A first read now rather than at the first beat tick, so every coin has figures at once.
        read_all_networks_task.delay()
        for username, password in DEMO_PASSWORDS.items():
            self.stdout.write(f"login: {username} / {password}")
