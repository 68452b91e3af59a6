"""Reconciliation runs and flags: the writes of `reserves`.

A run judges one coin at one instant under one licence profile. ``run_inputs`` (reserves/inputs.py)
gathers everything the judgement depends on (attestation version with every holding field, readings
with their blocks, the whole rule pack and its SHA-256, the licence's parameters, the evaluation instant);
``reserves.compute.compute`` turns that into figures and rule results without touching the
database; ``reconciliation_run`` stores both, once per distinct inputs, and moves the flags.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from attest.audit import audit_append, canonical_json
from attest.models import Attestation, Licence, Stablecoin
from attest.selectors import attestation_standing
from chain.health import rpc_urls_scrubbed
from chain.models import SupplyReading
from chain.rpc import RpcError
from chain.services import NoBlockBefore, readings_latest, supply_pin_at
from reserves.compute import compute
from reserves.documents import coin_document_refresh
from reserves.inputs import evaluation_instant, run_inputs
from reserves.models import Flag, FlagEvent, FlagStatus, ReconciliationRun
from reserves.notifications import notifications_queue
from reserves.publish import publication_publish
from reserves.verdict import AS_OF_BASES

logger = logging.getLogger(__name__)

__all__ = ["attestation_reconcile", "reconciliation_run", "run_inputs", "stablecoin_reconcile"]

# Outcomes that open (or keep open) a flag, those that resolve one, and the rule statuses whose
# failures are reported but open no flag unless the licence opts in.
FLAGGING, CLEARING, REPORTED_ONLY = ("fail", "warn"), ("pass", "not_applicable"), ("proposed", "draft")


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def reconciliation_run(
    *,
    stablecoin: Stablecoin,
    attestation: Attestation | None,
    readings: Sequence[SupplyReading],
    trigger: str,
    profile: str = "",
    licence: Licence | None = None,
    now: datetime | None = None,
    readings_basis: str = "latest",
    moves_flags: bool = True,
) -> tuple[ReconciliationRun, bool]:
    """Evaluate the coin on these inputs; returns (run, created). The same inputs give back the stored run.

    ``moves_flags=False`` for an indicative run (latest supply against the last attested reserves):
    it is stored and published as what it is, but the findings are those of the verdict run.
    """
    inputs = run_inputs(
        stablecoin=stablecoin,
        attestation=attestation,
        readings=readings,
        profile=profile,
        licence=licence,
        evaluated_at=now,
        readings_basis=readings_basis,
    )
    input_hash = hashlib.sha256(canonical_json(inputs).encode()).hexdigest()
    existing = ReconciliationRun.objects.filter(stablecoin=stablecoin, profile=profile, input_hash=input_hash).first()
    if existing is not None:
        return existing, False
    outputs = compute(inputs)
    with transaction.atomic():
        # One writer per coin at a time, so flag opening and resolving never race each other.
        Stablecoin.objects.select_for_update(no_key=True).get(pk=stablecoin.pk)
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
            outputs=outputs,
            evaluated_at=datetime.fromisoformat(inputs["evaluated_at"]),
        )
        audit_append(
            actor="system",
            action="run.created",
            object_type="reconciliation_run",
            object_id=run.pk,
            payload={
                "stablecoin": stablecoin.symbol,
                "profile": profile,
                "input_hash": input_hash,
                # What the run concluded, so a later edit of its stored outputs shows against the log.
                "output_hash": hashlib.sha256(canonical_json(outputs).encode()).hexdigest(),
                "status": run.status,
                "trigger": trigger,
                "rulepack_version": run.rulepack_version,
                "attestation": attestation.pk if attestation else None,
            },
        )
        if moves_flags:
            _apply_flags(run)
    return run, True


def _flag_event(flag: Flag, kind: str, run: ReconciliationRun, note: str, now: datetime) -> None:
    FlagEvent.objects.create(flag=flag, at=now, kind=kind, run=run, note=note)
    audit_append(
        actor="system",
        action=f"flag.{kind}",
        object_type="flag",
        object_id=flag.pk,
        payload={
            "stablecoin": run.stablecoin.symbol,
            "rule": flag.rule,
            "profile": flag.profile,
            "run": run.pk,
            "severity": flag.severity,
            "note": note[:300],
        },
    )
    if kind in ("opened", "resolved"):
        notifications_queue(flag=flag, event=f"flag.{kind}")


def _apply_flags(run: ReconciliationRun) -> None:
    """Open a flag for each failing or warning rule, refresh the open ones, resolve those that clear.

    ``not_evaluable`` leaves a flag as it is: missing data neither raises nor clears a finding. A
    proposed or draft rule is reported in the run but opens no flag unless the licence opts in.
    Runs in the caller's transaction, under the coin's row lock.
    """
    now = timezone.now()
    opted_in = bool(run.inputs.get("licence", {}).get("apply_proposed"))
    unresolved = {
        f.rule: f
        for f in Flag.objects.filter(stablecoin=run.stablecoin, profile=run.profile).exclude(status=FlagStatus.RESOLVED)
    }
    for result in run.results:
        flag = unresolved.get(result["rule"])
        reported_only = result.get("status") in REPORTED_ONLY and not opted_in
        if result["outcome"] in FLAGGING and not reported_only:
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
                _flag_event(flag, "opened", run, result["message"], now)
            else:
                if flag.severity != result["severity"]:
                    _flag_event(flag, "severity", run, f"{flag.severity} -> {result['severity']}", now)
                flag.severity = result["severity"]
                flag.message = result["message"]
                flag.last_run = run
                flag.save(update_fields=["severity", "message", "last_run"])
        elif (result["outcome"] in CLEARING or reported_only) and flag is not None:
            flag.status = FlagStatus.RESOLVED
            flag.resolved_at = now
            flag.last_run = run
            flag.save(update_fields=["status", "resolved_at", "last_run"])
            _flag_event(flag, "resolved", run, f"{result['outcome']}: {result['message']}", now)


def _licences(stablecoin: Stablecoin) -> list[tuple[str, Licence | None]]:
    licences = list(stablecoin.licences.all())
    return [(lic.profile, lic) for lic in licences] or [("", None)]


def readings_at_as_of(*, attestation: Attestation, profile: str) -> tuple[list[SupplyReading], str] | None:
    """The readings the attestation was judged against at its own as-of instant, and their basis.

    Those of its newest as-of run under the profile (``attestation_reconcile`` pinned them); None when
    it has none yet (its as-of run failed or has not run).
    """
    run = (
        ReconciliationRun.objects.filter(
            attestation=attestation, profile=profile, trigger="attestation", inputs__readings_basis__in=AS_OF_BASES
        )
        .order_by("-created_at", "-pk")
        .values_list("inputs__readings", "inputs__readings_basis")
        .first()
    )
    if run is None or not run[0]:
        # No run yet, or one made before any supply was read (a chain younger than the as-of instant).
        return None
    ids = [r["reading_id"] for r in run[0]]
    readings = list(SupplyReading.objects.filter(pk__in=ids).select_related("deployment"))
    if len(readings) != len(ids):
        return None
    return readings, str(run[1])


def stablecoin_reconcile(
    *, stablecoin: Stablecoin, trigger: str, now: datetime | None = None
) -> list[ReconciliationRun]:
    """The coin now, under each licence, judged at two instants kept apart; then publish.

    - The **verdict** run: the standing attestation against supply pinned at its own as-of instant
      (the readings of its as-of run), evaluated now, so staleness is judged now. It moves the flags.
      Without an attestation (or before its as-of run), the latest readings stand in, and say so.
    - The **indicative** run: the latest readings against the same attested reserves, the current
      headroom. Stored and published beside the verdict, labelled as indicative; it moves no flag.

    A reconciliation that raises still publishes: the licence's answer turns "unverified" with the
    error as its reason, so the previous figure never stays up as current. The error is raised again
    once every licence has been tried, so the task still fails loudly.
    """
    attestation = attestation_standing(stablecoin=stablecoin)
    latest = readings_latest(stablecoin=stablecoin)
    runs: list[ReconciliationRun] = []
    failure: Exception | None = None
    evaluated_at = evaluation_instant(now)
    for profile, licence in _licences(stablecoin):
        try:
            # A savepoint, so a failing query leaves a caller's transaction usable for the publication.
            with transaction.atomic():
                pinned = None if attestation is None else readings_at_as_of(attestation=attestation, profile=profile)
                # "latest" says no attestation stands; one whose as-of read is missing says so instead.
                unpinned = "latest" if attestation is None else "latest_as_of_unread"
                readings, basis = pinned or (latest, unpinned)
                run = reconciliation_run(
                    stablecoin=stablecoin,
                    attestation=attestation,
                    readings=readings,
                    trigger=trigger,
                    profile=profile,
                    licence=licence,
                    now=now,
                    readings_basis=basis,
                )[0]
                indicative = None
                if pinned is not None and latest:
                    indicative = reconciliation_run(
                        stablecoin=stablecoin,
                        attestation=attestation,
                        readings=latest,
                        trigger=trigger,
                        profile=profile,
                        licence=licence,
                        now=now,
                        moves_flags=False,
                    )[0]
        # Whatever failed, the public must not keep seeing the last figure as current: publish the
        # failure, then raise it again below. Not a retry: nothing is attempted twice here.
        except Exception as exc:
            logger.exception("reconciling %s under %s failed", stablecoin.symbol, profile or "no licence")
            failure = failure or exc
            publication_publish(
                stablecoin=stablecoin,
                licence=licence,
                run=None,
                attestation=attestation,
                evaluated_at=evaluated_at,
                error=rpc_urls_scrubbed(f"{type(exc).__name__}: {exc}")[:500],  # published for good
            )
            continue
        runs.append(run)
        publication_publish(
            stablecoin=stablecoin,
            licence=licence,
            run=run,
            indicative=indicative,
            attestation=attestation,
            evaluated_at=run.evaluated_at or evaluated_at,
        )
    coin_document_refresh(stablecoin=stablecoin)
    if failure is not None:
        raise failure
    return runs


def _no_block_before(exc: RpcError) -> bool:
    return isinstance(exc, NoBlockBefore)


def attestation_reconcile(*, attestation: Attestation, now: datetime | None = None) -> list[ReconciliationRun]:
    """The attestation against supply pinned at its own as-of instant (RPC first, then short writes).

    When a network has no block at or before the as-of instant (a chain younger than the
    attestation, as on a fresh demo anvil), the run uses the latest stored readings instead and
    records ``readings_basis = "latest_no_block_at_as_of"``, so nobody mistakes them for as-of figures.
    """
    stablecoin = attestation.stablecoin
    basis = "as_of"
    try:
        readings = supply_pin_at(stablecoin=stablecoin, at=attestation.as_of)
    except RpcError as exc:
        if not _no_block_before(exc):
            raise
        readings, basis = readings_latest(stablecoin=stablecoin), "latest_no_block_at_as_of"
    attestation = (
        Attestation.objects.prefetch_related("holdings", "issuer_figures")
        .select_related("stablecoin")
        .get(pk=attestation.pk)
    )
    runs = [
        reconciliation_run(
            stablecoin=stablecoin,
            attestation=attestation,
            readings=readings,
            trigger="attestation",
            profile=profile,
            licence=licence,
            now=now,
            readings_basis=basis,
        )[0]
        for profile, licence in _licences(stablecoin)
    ]
    # The as-of runs are the record of the attestation against supply at its own instant; the coin is
    # then re-judged with this attestation standing (its verdict at that instant, its indicative headroom now).
    return runs + stablecoin_reconcile(stablecoin=stablecoin, trigger="attestation", now=now)
