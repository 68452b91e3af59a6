"""The Celery beat schedule: which periodic task runs how often.

Pure data built from the intervals in settings (``config/settings.py`` calls ``beat_schedule``), so
settings import nothing of Django's app registry.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

# Deliveries never attempted this long after they were created lost their enqueue (a broker hiccup
# at commit time); the sweep sends them. Longer than a worker needs to pick up a fresh one.
UNSENT_AFTER_SECONDS = 300
SWEEP_INTERVAL_SECONDS = 300.0
# Outbox messages done longer ago than this are deleted (hourly): long enough to read back what ran.
OUTBOX_KEEP = timedelta(days=1)
OUTBOX_PURGE_INTERVAL_SECONDS = 3600.0


def beat_schedule(
    *, supply_read: int, reconcile: int, ledger_index: int, reorg_check: int, feeds: int, outbox_relay: int
) -> dict[str, Any]:
    # Beat's own sends bypass the outbox: a lost tick is replaced by the next one. The relay's expiry keeps
    # ticks that piled up while no worker ran from all running at once when one starts.
    return {
        "relay-outbox": {
            "task": "jobs.tasks.outbox_relay_task",
            "schedule": float(outbox_relay),
            "options": {"expires": float(outbox_relay)},
        },
        "purge-outbox": {"task": "jobs.tasks.outbox_purge_task", "schedule": OUTBOX_PURGE_INTERVAL_SECONDS},
        "read-supply": {"task": "jobs.tasks.read_all_networks_task", "schedule": float(supply_read)},
        "reconcile-all": {"task": "jobs.tasks.reconcile_all_task", "schedule": float(reconcile)},
        "index-ledger": {"task": "jobs.tasks.ledger_index_all_task", "schedule": float(ledger_index)},
        "check-reorgs": {"task": "jobs.tasks.reorg_check_all_task", "schedule": float(reorg_check)},
        "post-feeds": {"task": "jobs.tasks.feeds_publish_all_task", "schedule": float(feeds)},
        "send-unsent-notifications": {
            "task": "jobs.tasks.notifications_sweep_task",
            "schedule": SWEEP_INTERVAL_SECONDS,
        },
    }
