"""The Celery beat schedule: which periodic task runs how often.

Pure data built from the intervals in settings (``config/settings.py`` calls ``beat_schedule``), so
settings import nothing of Django's app registry.
"""

from __future__ import annotations

from typing import Any

# Deliveries never attempted this long after they were created lost their enqueue (a broker hiccup
# at commit time); the sweep sends them. Longer than a worker needs to pick up a fresh one.
UNSENT_AFTER_SECONDS = 300
SWEEP_INTERVAL_SECONDS = 300.0


def beat_schedule(
    *, supply_read: int, reconcile: int, ledger_index: int, reorg_check: int, feeds: int
) -> dict[str, Any]:
    return {
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
