"""Reading supply: resolve the block, read over RPC, then store in one short write.

No database transaction is open while the node is being asked: the reads happen first, and
the rows are written afterwards with ``ignore_conflicts`` on their natural key, so running a
read twice stores nothing new the second time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from attest.models import Stablecoin
from chain.blockcache import block_at_or_before_cached
from chain.blocks import Block, block_by_number, finalised_head
from chain.crosscheck import cross_check, second_source
from chain.health import network_read_failed, network_read_succeeded
from chain.models import Deployment, DeploymentKind, Network, ReadingSource, ReadingStatus, SupplyReading
from chain.quirks import Resolution, resolve
from chain.reader import RawReading, Target, read_at_block
from chain.rpc import RpcClient, RpcError, hex_int


class ChainMismatch(RpcError):
    """The RPC URL serves another chain than the network's registered chain id."""


class BlockRefused(RpcError):
    """The block asked for cannot be read (not final yet, or before the chain began): the request's fault,
    not the network's, so it does not count against the network's health."""


class NoBlockBefore(BlockRefused):
    """The network has no block at or before the instant asked for: the chain began later."""


class TargetsFailed(RpcError):
    """Some deployments could not be read at the block (their calls reverted); the others were stored."""

    def __init__(self, message: str, *, readings: list[SupplyReading]) -> None:
        super().__init__(message)
        self.readings = readings


def _targets(deployments: Iterable[Deployment]) -> list[Target]:
    return [
        Target(
            key=d.pk,
            address=d.address,
            deductions=tuple((x.bucket, x.address) for x in d.deductions.all()),
            follow_successor=d.follow_successor,
            proxy=d.kind == DeploymentKind.PROXY or bool(d.proxy_layout),
            decimals=d.decimals,
            proxy_layout=d.proxy_layout,
        )
        for d in deployments
    ]


def _check_chain_id(rpc: RpcClient, network: Network) -> None:
    served = hex_int(rpc.call("eth_chainId"))
    if served != network.chain_id:
        raise ChainMismatch(f"{rpc.last_url} serves chain id {served}, but {network.name} is {network.chain_id}")


def _store(
    network: Network, raws: list[RawReading], rpc_url: str, resolved: dict[int, Resolution], checked_url: str
) -> list[SupplyReading]:
    if not raws:
        return []
    now = timezone.now()
    block = raws[0].block
    with transaction.atomic():
        _store_rows(network, raws, rpc_url, checked_url, now, resolved)
        stored = list(
            SupplyReading.objects.filter(deployment_id__in=[r.key for r in raws], block_hash=block.hash).select_related(
                "deployment"
            )
        )
        ReadingSource.objects.bulk_create(
            [
                ReadingSource(
                    reading=r,
                    address_read=resolved[r.deployment_id].address_read,
                    implementation=resolved[r.deployment_id].implementation,
                )
                for r in stored
                if r.deployment_id in resolved
                and (
                    resolved[r.deployment_id].implementation
                    or resolved[r.deployment_id].address_read != r.deployment.address
                )
            ],
            ignore_conflicts=True,
        )
    return stored


def _store_rows(
    network: Network,
    raws: list[RawReading],
    rpc_url: str,
    checked_url: str,
    now: datetime,
    resolved: dict[int, Resolution],
) -> None:
    def implementation(raw: RawReading) -> str:
        found = resolved.get(raw.key)
        return (found.implementation if found else "") or raw.address

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
                implementation=implementation(raw),
                checked_url=checked_url,
            )
            for raw in raws
        ],
        ignore_conflicts=True,
    )


def _pinned_block(
    rpc: RpcClient, network: Network, *, at: datetime | None, block_number: int | None
) -> tuple[Block, int | None]:
    """The block to read at, and the time it was found as the last block at or before when a later
    settled block exists (what a cross-check verifies; None otherwise)."""
    head = finalised_head(rpc, network.confirmations, tag=network.uses_finalized_tag)
    if block_number is not None:
        if block_number > head.number:
            raise BlockRefused(
                f"block {block_number} of {network.name} is not final yet (finalised head {head.number})"
            )
        return block_by_number(rpc, block_number), None
    if at is None:
        return head, None
    timestamp = int(at.timestamp())
    pinned = block_at_or_before_cached(rpc=rpc, chain_id=network.chain_id, timestamp=timestamp, upper=head)
    if pinned is None:
        raise NoBlockBefore(f"{network.name} has no block at or before {at.isoformat()}")
    return pinned, timestamp if pinned.number < head.number else None


def supply_read_network(
    *,
    network: Network,
    stablecoin: Stablecoin | None = None,
    at: datetime | None = None,
    block_number: int | None = None,
) -> list[SupplyReading]:
    """Read the network's deployments (or one coin's) at the finalised head, at the last block <= ``at``,
    or at finalised block ``block_number``.

    Steps: chain id check; pin the block; resolve quirks at that block (successors, proxies); read
    in batches pinned by hash; cross-check against the other URLs (networks with two or more, by default); then
    store in one short transaction. The outcome of a read at the head (success or the error) is recorded on
    the network: its health is how its latest figures stand, so a read of the past (an attestation's as-of
    block, a node that keeps no state that far back) neither degrades nor clears it.
    """
    current = at is None and block_number is None
    deployments = Deployment.objects.filter(network=network).prefetch_related("deductions")
    if stablecoin is not None:
        deployments = deployments.filter(stablecoin=stablecoin)
    targets = _targets(deployments)
    if not targets:
        return []
    rpc = network.rpc()
    try:
        _check_chain_id(rpc, network)
        block, last_before = _pinned_block(rpc, network, at=at, block_number=block_number)
        read_targets, resolved = resolve(rpc, targets, block)
        failures: dict[int, str] = {}
        raws = read_at_block(rpc, read_targets, block, batch_size=settings.CHAIN_BATCH_SIZE, failures=failures)
        primary_url = rpc.last_url
        checked_url = ""
        second = second_source(rpc, enabled=network.cross_check)
        if second is not None and raws:
            checked_url = cross_check(
                second,
                targets,
                block,
                raws,
                batch_size=settings.CHAIN_BATCH_SIZE,
                resolved=(read_targets, resolved),
                last_before=last_before,
            )
    except BlockRefused:
        raise
    except RpcError as exc:
        if current:
            network_read_failed(network_id=network.pk, error=f"{type(exc).__name__}: {exc}")
        elif type(exc) is RpcError:
            # The node answered a past block with a JSON-RPC error: most often state it no longer keeps.
            hint = "reading a past block needs a node that keeps its state (an archive node)"
            raise RpcError(f"{exc}; {hint}", code=exc.code, data=exc.data, url=exc.url) from exc
        raise
    stored = _store(network, raws, primary_url, resolved, checked_url)
    if failures:
        # The others are stored; the network still counts as failing, so no figure of the coin that
        # could not be read passes for current (docs/chain.md, "Faults").
        error = TargetsFailed("; ".join(failures[k] for k in sorted(failures)), readings=stored)
        if current:
            network_read_failed(network_id=network.pk, error=f"TargetsFailed: {error}")
        raise error
    if current:
        network_read_succeeded(network_id=network.pk)
    return stored


def supply_read_all(*, network: Network) -> list[SupplyReading]:
    """Read every deployment on the network at its finalised head (the caller reconciles the coins read)."""
    return supply_read_network(network=network)


def stablecoin_ids_of(readings: Iterable[SupplyReading]) -> list[int]:
    """The coins the readings belong to, each once, in id order."""
    return sorted({r.deployment.stablecoin_id for r in readings})


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
