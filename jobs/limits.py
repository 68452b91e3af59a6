"""How long each task may run, and the broker's visibility timeout derived from them.

Pure data, like ``jobs/beat.py``: ``config/settings.py`` reads it before Django's app registry exists.

Every task has a soft limit (``SoftTimeLimitExceeded`` is raised in it: its open transaction rolls back,
what it committed stays) and a hard limit (the pool process is killed). A task's message stays unacknowledged
while it runs (``acks_late``), so the broker's visibility timeout must be longer than the longest hard limit
plus the longest retry countdown, or a message still being worked on would be handed to a second worker.
The outbox (``jobs/outbox.py``) re-sends a message whose task did not finish within its own hard limit plus
a grace, which is what brings work lost with a killed worker back quickly, task by task.

``TASK_TIME_LIMIT_SCALE`` multiplies every limit (tests run with short ones; a slow deployment may need longer).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    soft: float
    hard: float


# Seconds. Reads are bounded by CHAIN_RPC_TIMEOUT x retries per URL; the ledger indexer commits window by window,
# so a soft limit only stops it early and the next tick goes on from its cursor.
TASK_LIMITS: dict[str, Limits] = {
    "fan_out": Limits(soft=20, hard=30),
    "read_network": Limits(soft=90, hard=120),
    "ledger_index": Limits(soft=240, hard=300),
    "reorg_check": Limits(soft=150, hard=180),
    "reconcile": Limits(soft=90, hard=120),
    "notify": Limits(soft=60, hard=90),
    # Posting a feed round sends a transaction and waits for its receipt.
    "feed_publish": Limits(soft=150, hard=180),
    "outbox": Limits(soft=20, hard=30),
}

# The longest countdown a task retries with (``retry_backoff_max`` of the RPC retries): a message waiting
# for its countdown is held unacknowledged by the worker that fetched it.
RETRY_BACKOFF_MAX = 60
# Added to a hard limit before a message is presumed lost: time for the pool to kill and the worker to report.
GRACE_SECONDS = 30


def limits(kind: str, scale: float = 1.0) -> Limits:
    base = TASK_LIMITS[kind]
    return Limits(soft=base.soft * scale, hard=base.hard * scale)


def redeliver_after(kind: str, scale: float = 1.0) -> float:
    """Seconds after it was sent that an unfinished outbox message is sent again."""
    return limits(kind, scale).hard + GRACE_SECONDS * scale


def visibility_timeout(scale: float = 1.0) -> int:
    """The broker's visibility timeout: longer than any task's hard limit plus its longest countdown."""
    longest = max(limit.hard for limit in TASK_LIMITS.values())
    return int((longest + GRACE_SECONDS) * scale + RETRY_BACKOFF_MAX) + 1
