import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from chain.rpc import RpcError
from jobs.tasks import feeds_publish_all_task, outbox_relay_task, read_all_networks_task, reconcile_all_task
from reserves.feeds.onchain import FeedError


class Command(BaseCommand):
    help = (
        "Run the beat schedule in this process, for a machine without Redis: read supply every "
        "SUPPLY_READ_INTERVAL s (posting feed rounds that are due), reconcile every RECONCILE_INTERVAL s. "
        "Use with CELERY_TASK_ALWAYS_EAGER=1."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        last_reconcile = 0.0
        while True:
            try:
                read_all_networks_task.delay()
                outbox_relay_task.delay()  # held-back outbox messages (notification retries) that are due
                if time.monotonic() - last_reconcile >= settings.RECONCILE_INTERVAL:
                    reconcile_all_task.delay()
                    last_reconcile = time.monotonic()
                feeds_publish_all_task.delay()  # posts only the rounds that are due
            except (RpcError, FeedError) as exc:
                self.stderr.write(f"periodic work failed: {exc}")
            time.sleep(settings.SUPPLY_READ_INTERVAL)
