from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reserves.models import NotificationEndpoint
from reserves.notifications import endpoint_ping


class Command(BaseCommand):
    help = "Send a signed test notification (event 'ping') to one endpoint now, so its receiver can verify it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("endpoint_id", type=int, help="NotificationEndpoint id (see the admin)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            endpoint = NotificationEndpoint.objects.get(pk=options["endpoint_id"])
        except NotificationEndpoint.DoesNotExist:
            raise CommandError(f"no endpoint {options['endpoint_id']}") from None
        delivery = endpoint_ping(endpoint=endpoint)
        self.stdout.write(
            f"{endpoint}: {delivery.status} (HTTP {delivery.last_status_code or '-'}) {delivery.last_error}".rstrip()
        )
        if delivery.status != "delivered":
            raise CommandError("the ping was not delivered")
