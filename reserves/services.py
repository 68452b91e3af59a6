"""Reconciliation runs and flags: the writes of `reserves`."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from attest.audit import audit_append, canonical_json
from attest.models import Attestation, AttestationStatus, Stablecoin
from chain.models import SupplyReading
from chain.services import readings_latest, supply_pin_at
from reserves.compute import RULEPACK_VERSION, compute
from reserves.models import Flag, FlagEvent, FlagStatus, ReconciliationRun

# Buckets that stay in "outstanding" under each profile (regulation.md §5.3, R5):
# Hong Kong keeps frozen tokens fully backed; US/AICPA practice deducts them.
OUTSTANDING_BUCKETS: dict[str, list[str]] = {"HK": ["frozen"]}


def attestation_current(*, stablecoin: Stablecoin) -> Attestation | None:
    """The newest attestation that stands: submitted or accepted, latest as-of, latest version."""
    return (
        Attestation.objects.filter(
            stablecoin=stablecoin, status__in=[AttestationStatus.SUBMITTED, AttestationStatus.ACCEPTED]
        )
        .order_by("-as_of", "-version")
        .prefetch_related("holdings")
        .first()
    )


def run_inputs(
    *, stablecoin: Stablecoin, attestation: Attestation | None, readings: Sequence[SupplyReading], profile: str
) -> dict[str, Any]:
    """Everything a run is computed from, as JSON with exact amounts as strings."""
    return {
        "rulepack_version": RULEPACK_VERSION,
        "stablecoin": stablecoin.symbol,
        "currency": stablecoin.currency,
        "par_value": str(stablecoin.par_value),
        "profile": profile,
        "outstanding_buckets": OUTSTANDING_BUCKETS.get(profile, []),
        "attestation": None
        if attestation is None
        else {
            "id": attestation.pk,
            "version": attestation.version,
            "as_of": attestation.as_of.isoformat(),
            "holdings": [
                {
                    "line": h.line,
                    "asset_class": h.asset_class,
                    "custodian": h.custodian,
                    "currency": h.currency,
                    "market_value": str(h.market_value),
                }
                for h in attestation.holdings.all()
            ],
        },
        "readings": [
            {
                "reading_id": r.pk,
                "deployment_id": r.deployment_id,
                "address": r.deployment.address,
                "decimals": r.deployment.decimals,
                "chain_id": r.chain_id,
                "block_number": r.block_number,
                "block_hash": r.block_hash,
                "block_time": r.block_time.isoformat(),
                "total_supply": str(r.total_supply),
                "balances": r.balances,
            }
            for r in sorted(readings, key=lambda r: (r.chain_id, r.deployment_id))
        ],
    }


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def reconciliation_run(
    *,
    stablecoin: Stablecoin,
    attestation: Attestation | None,
    readings: Sequence[SupplyReading],
    trigger: str,
    profile: str = "",
) -> tuple[ReconciliationRun, bool]:
    """Evaluate the coin on these inputs; returns (run, created). The same inputs give back the stored run."""
    inputs = run_inputs(stablecoin=stablecoin, attestation=attestation, readings=readings, profile=profile)
    input_hash = hashlib.sha256(canonical_json(inputs).encode()).hexdigest()
    existing = ReconciliationRun.objects.filter(stablecoin=stablecoin, profile=profile, input_hash=input_hash).first()
    if existing is not None:
        return existing, False
    outputs = compute(inputs)
    with transaction.atomic():
        # One writer per coin at a time, so flag opening and resolving never race each other.
        Stablecoin.objects.select_for_update().get(pk=stablecoin.pk)
        existing = ReconciliationRun.objects.filter(
            stablecoin=stablecoin, profile=profile, input_hash=input_hash
        ).first()
        if existing is not None:
            return existing, False
        run = ReconciliationRun.objects.create(
            stablecoin=stablecoin,
            attestation=attestation,
            profile=profile,
            rulepack_version=inputs["rulepack_version"],
            trigger=trigger,
            inputs=inputs,
            input_hash=input_hash,
            status=outputs["status"],
            outstanding=_decimal(outputs["outstanding"]),
            par_outstanding=_decimal(outputs["par_outstanding"]),
            reserves=_decimal(outputs["reserves"]),
            ratio=_decimal(outputs["ratio"]),
            headroom=_decimal(outputs["headroom"]),
            results=outputs["results"],
        )
        audit_append(
            actor="system",
            action="run.created",
            object_type="reconciliation_run",
            object_id=run.pk,
            payload={"stablecoin": stablecoin.symbol, "input_hash": input_hash, "status": run.status},
        )
        _apply_flags(run)
    return run, True


def _apply_flags(run: ReconciliationRun) -> None:
    """Open a flag for each failed rule, refresh the open ones, resolve those whose rule now passes."""
    now = timezone.now()
    unresolved = {
        f.rule: f
        for f in Flag.objects.filter(stablecoin=run.stablecoin, profile=run.profile).exclude(status=FlagStatus.RESOLVED)
    }
    for result in run.results:
        flag = unresolved.get(result["rule"])
        if result["outcome"] == "fail":
            if flag is None:
                flag = Flag.objects.create(
                    stablecoin=run.stablecoin,
                    rule=result["rule"],
                    profile=run.profile,
                    severity=result["severity"],
                    message=result["message"],
                    opened_at=now,
                    opened_by_run=run,
                    last_run=run,
                )
                FlagEvent.objects.create(flag=flag, at=now, kind="opened", run=run, note=result["message"])
                audit_append(
                    actor="system",
                    action="flag.opened",
                    object_type="flag",
                    object_id=flag.pk,
                    payload={"stablecoin": run.stablecoin.symbol, "rule": flag.rule, "run": run.pk},
                )
            else:
                flag.message = result["message"]
                flag.last_run = run
                flag.save(update_fields=["message", "last_run"])
        elif result["outcome"] == "pass" and flag is not None:
            flag.status = FlagStatus.RESOLVED
            flag.resolved_at = now
            flag.last_run = run
            flag.save(update_fields=["status", "resolved_at", "last_run"])
            FlagEvent.objects.create(flag=flag, at=now, kind="resolved", run=run, note="the rule passes again")
            audit_append(
                actor="system",
                action="flag.resolved",
                object_type="flag",
                object_id=flag.pk,
                payload={"stablecoin": run.stablecoin.symbol, "rule": flag.rule, "run": run.pk},
            )


def _profiles(stablecoin: Stablecoin) -> list[str]:
    return [lic.profile for lic in stablecoin.licences.all()] or [""]


def stablecoin_reconcile(*, stablecoin: Stablecoin, trigger: str) -> list[ReconciliationRun]:
    """The coin now: its latest readings against its standing attestation, under each licence."""
    attestation = attestation_current(stablecoin=stablecoin)
    readings = readings_latest(stablecoin=stablecoin)
    return [
        reconciliation_run(
            stablecoin=stablecoin, attestation=attestation, readings=readings, trigger=trigger, profile=p
        )[0]
        for p in _profiles(stablecoin)
    ]


def attestation_reconcile(*, attestation: Attestation) -> list[ReconciliationRun]:
    """The attestation against supply pinned at its own as-of instant (RPC first, then short writes)."""
    stablecoin = attestation.stablecoin
    readings = supply_pin_at(stablecoin=stablecoin, at=attestation.as_of)
    return [
        reconciliation_run(
            stablecoin=stablecoin, attestation=attestation, readings=readings, trigger="attestation", profile=p
        )[0]
        for p in _profiles(stablecoin)
    ]


def on_attestation_submitted(*, attestation_id: int) -> None:
    from reserves.tasks import attestation_reconcile_task

    transaction.on_commit(lambda: attestation_reconcile_task.delay(attestation_id))


def on_supply_read(*, stablecoin_ids: list[int]) -> None:
    from reserves.tasks import stablecoin_reconcile_task

    for pk in stablecoin_ids:
        transaction.on_commit(lambda pk=pk: stablecoin_reconcile_task.delay(pk, "supply"))  # type: ignore[misc]
