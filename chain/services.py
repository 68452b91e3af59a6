"""Reading supply: resolve the block, read over RPC, then store in one short write.

No database transaction is open while the node is being asked: the reads happen first, and
the rows are written afterwards with ``ignore_conflicts`` on their natural key, so running a
read twice stores nothing new the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from attest import hooks
from attest.models import Stablecoin
from chain.blocks import block_at_or_before, finalised_head
from chain.models import Deployment, Network, ReadingStatus, SupplyReading
from chain.reader import RawReading, Target, read_at_block
from chain.rpc import RpcClient, RpcError, hex_int


class ChainMismatch(RpcError):
    """The RPC URL serves another chain than the network's registered chain id."""


def _targets(deployments: Iterable[Deployment]) -> list[Target]:
    return [
        Target(key=d.pk, address=d.address, deductions=tuple((x.bucket, x.address) for x in d.deductions.all()))
        for d in deployments
    ]


def _check_chain_id(rpc: RpcClient, network: Network) -> None:
    served = hex_int(rpc.call("eth_chainId"))
    if served != network.chain_id:
        raise ChainMismatch(f"{rpc.last_url} serves chain id {served}, but {network.name} is {network.chain_id}")


def _store(network: Network, raws: list[RawReading], rpc_url: str) -> list[SupplyReading]:
    if not raws:
        return []
    now = timezone.now()
    block = raws[0].block
    SupplyReading.objects.bulk_create(
        [
            SupplyReading(
                deployment_id=raw.key,
                chain_id=network.chain_id,
                block_number=raw.block.number,
                block_hash=raw.block.hash,
                block_time=raw.block.time,
                total_supply=raw.total_supply,
                balances=raw.balances,
                read_at=now,
                rpc_url=rpc_url,
            )
            for raw in raws
        ],
        ignore_conflicts=True,
    )
    return list(
        SupplyReading.objects.filter(deployment_id__in=[r.key for r in raws], block_hash=block.hash).select_related(
            "deployment"
        )
    )


def supply_read_network(
    *, network: Network, stablecoin: Stablecoin | None = None, at: datetime | None = None
) -> list[SupplyReading]:
    """Read the network's deployments (or one coin's) at the finalised head, or at the last block <= ``at``."""
    deployments = Deployment.objects.filter(network=network).prefetch_related("deductions")
    if stablecoin is not None:
        deployments = deployments.filter(stablecoin=stablecoin)
    targets = _targets(deployments)
    if not targets:
        return []
    rpc = network.rpc()
    _check_chain_id(rpc, network)
    block = finalised_head(rpc, network.confirmations)
    if at is not None:
        pinned = block_at_or_before(rpc, int(at.timestamp()), upper=block)
        if pinned is None:
            raise RpcError(f"{network.name} has no block at or before {at.isoformat()}")
        block = pinned
    raws = read_at_block(rpc, targets, block, batch_size=settings.CHAIN_BATCH_SIZE)
    return _store(network, raws, rpc.last_url)


def supply_read_all(*, network: Network) -> int:
    """Read every deployment on the network at its finalised head and tell the apps above."""
    readings = supply_read_network(network=network)
    coin_ids = sorted({r.deployment.stablecoin_id for r in readings})
    if coin_ids:
        hooks.emit("supply_read", stablecoin_ids=coin_ids)
    return len(readings)


def supply_pin_at(*, stablecoin: Stablecoin, at: datetime) -> list[SupplyReading]:
    """The coin's readings at the last finalised block at or before ``at`` on every network it lives on."""
    networks = Network.objects.filter(deployments__stablecoin=stablecoin).distinct()
    readings: list[SupplyReading] = []
    for network in networks:
        readings.extend(supply_read_network(network=network, stablecoin=stablecoin, at=at))
    return readings


def readings_latest(*, stablecoin: Stablecoin) -> list[SupplyReading]:
    """The newest reading of each of the coin's deployments, in two queries whatever the history length.

    Orphaned readings (their block left the canonical chain) are never returned.
    """
    newest = (
        SupplyReading.objects.filter(deployment=OuterRef("pk"))
        .exclude(status=ReadingStatus.ORPHANED)
        .order_by("-block_number", "-read_at")
        .values("pk")[:1]
    )
    ids = (
        Deployment.objects.filter(stablecoin=stablecoin)
        .annotate(latest=Subquery(newest))
        .values_list("latest", flat=True)
    )
    return list(SupplyReading.objects.filter(pk__in=[i for i in ids if i]).select_related("deployment"))
