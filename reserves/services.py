"""Reconciliation runs and flags: the writes of `reserves`.

A run judges one coin at one instant under one licence profile. ``run_inputs`` gathers everything
the judgement depends on (attestation version with every holding field, readings with their
blocks, the whole rule pack and its SHA-256, the licence's parameters, the evaluation instant);
``reserves.compute.compute`` turns that into figures and rule results without touching the
database; ``reconciliation_run`` stores both, once per distinct inputs, and moves the flags.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from attest.audit import audit_append, canonical_json
from attest.exact import amount_text
from attest.models import Attestation, Licence, Stablecoin
from attest.selectors import CADENCE_STATUSES, attestation_standing
from attest.signing import HOLDING_PAYLOAD_FIELDS
from chain.ledger.checks import ledger_checked, ledger_findings_open
from chain.models import SupplyReading
from chain.outstanding import reading_json
from chain.rpc import RpcError
from chain.services import NoBlockBefore, readings_latest, supply_pin_at
from reserves.compute import INPUTS_FORMAT, compute
from reserves.documents import coin_document_refresh
from reserves.models import Flag, FlagEvent, FlagStatus, ReconciliationRun
from reserves.notifications import notifications_queue
from reserves.publish import publication_publish
from reserves.rulepacks import rulepack_load, rulepack_sha256
from reserves.runtypes import AttestationInputs, RunInputs, SupplyFinding

logger = logging.getLogger(__name__)

# Outcomes that open (or keep open) a flag, and those that resolve one.
FLAGGING = ("fail", "warn")
CLEARING = ("pass", "not_applicable")

# The holding fields a run carries are the ones an attestation signs: the rules judge what was signed.
HOLDING_FIELDS = HOLDING_PAYLOAD_FIELDS


def _json_value(value: Any) -> Any:
    """Decimals and dates as strings, so the inputs are exact JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def evaluation_instant(now: datetime | None = None) -> datetime:
    """``now`` cut down to the start of its RECONCILE_EVALUATION_BUCKET: staleness is judged at this instant.

    Bucketing keeps the same readings and attestation within one bucket to one run (idempotent)
    while still letting time alone (a stale attestation, a stalled chain reader) make a new run.
    """
    now = now or timezone.now()
    bucket = max(int(settings.RECONCILE_EVALUATION_BUCKET), 1)
    return datetime.fromtimestamp(int(now.timestamp()) // bucket * bucket, tz=UTC)


def latest_reports(*, stablecoin: Stablecoin) -> dict[str, str]:
    """The as-of instant of the newest standing report of each type (R22-R24 read these)."""
    rows = (
        Attestation.objects.filter(stablecoin=stablecoin, status__in=CADENCE_STATUSES)
        .values("report_type")
        .annotate(newest=Max("as_of"))
        .order_by("report_type")
    )
    return {row["report_type"]: row["newest"].isoformat() for row in rows}


def _attestation_inputs(a: Attestation) -> AttestationInputs:
    return {
        "id": a.pk,
        "version": a.version,
        "as_of": a.as_of.isoformat(),
        "as_of_timezone": a.as_of_timezone,
        "report_type": a.report_type,
        "assurer_name": a.assurer_name,
        "assurer_registration": a.assurer_registration,
        "standard": a.standard,
        "engagement_type": a.engagement_type,
        "assurance_level": a.assurance_level,
        "opinion": a.opinion,
        "pays_holder_interest": a.pays_holder_interest,
        "ceo_name": a.ceo_name,
        "cfo_name": a.cfo_name,
        "document_sha256": a.document_sha256,
        "ceo_certified_at": _json_value(a.ceo_certified_at),
        "cfo_certified_at": _json_value(a.cfo_certified_at),
        "stated_total_reserves": _json_value(a.stated_total_reserves),
        "holdings": [{f: _json_value(getattr(h, f)) for f in HOLDING_FIELDS} for h in a.holdings.all()],
        "issuer_figures": [
            {"chain_id": x.chain_id, "outstanding": amount_text(x.outstanding)} for x in a.issuer_figures.all()
        ],
    }


def _ledger_inputs(stablecoin: Stablecoin) -> tuple[bool, list[SupplyFinding]]:
    findings: list[SupplyFinding] = [
        {
            "source": "ledger",
            "chain_id": check.deployment.network.chain_id,
            "address": check.deployment.address,
            "from_block": check.reading_from.block_number,
            "to_block": check.reading_to.block_number,
            "to_block_hash": check.reading_to.block_hash,
            "expected": str(check.expected_delta),
            "observed": str(check.ledger_delta),
            "message": "totalSupply changed by expected base units; the mint/burn ledger by observed",
        }
        for check in ledger_findings_open(stablecoin=stablecoin)
    ]
    return ledger_checked(stablecoin=stablecoin), findings


def run_inputs(
    *,
    stablecoin: Stablecoin,
    attestation: Attestation | None,
    readings: Sequence[SupplyReading],
    profile: str,
    licence: Licence | None = None,
    evaluated_at: datetime | None = None,
    readings_basis: str = "latest",
    supply_findings: list[SupplyFinding] | None = None,
) -> RunInputs:
    """Everything a run is computed from, as JSON with exact amounts as strings (reserves/runtypes.py)."""
    pack = rulepack_load(profile)
    checked, findings = _ledger_inputs(stablecoin)
    return {
        "format": INPUTS_FORMAT,
        "stablecoin": stablecoin.symbol,
        "currency": stablecoin.currency,
        "par_value": str(stablecoin.par_value),
        "profile": profile,
        "rulepack_version": pack["version"],
        "rulepack_sha256": rulepack_sha256(pack),
        "rulepack": pack,
        "licence": {
            "licence_id": licence.licence_id if licence else "",
            "buffer_min": _json_value(licence.buffer_min) if licence else None,
            "significant": bool(licence and licence.significant),
            "attestation_interval_days": licence.attestation_interval_days if licence else None,
        },
        "evaluated_at": evaluation_instant(evaluated_at).isoformat(),
        "readings_basis": readings_basis,
        "attestation": None if attestation is None else _attestation_inputs(attestation),
        "latest_reports": latest_reports(stablecoin=stablecoin),
        # Open mismatches between the mint/burn ledger and totalSupply (chain/ledger/checks.py); R18 fails on
        # any. ``ledger_checked`` says whether the ledger has checked this coin at all.
        "supply_findings": list(supply_findings if supply_findings is not None else findings),
        "ledger_checked": checked,
        "readings": [reading_json(r) for r in sorted(readings, key=lambda r: (r.chain_id, r.deployment_id))],
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
    licence: Licence | None = None,
    now: datetime | None = None,
    readings_basis: str = "latest",
) -> tuple[ReconciliationRun, bool]:
    """Evaluate the coin on these inputs; returns (run, created). The same inputs give back the stored run."""
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

    ``not_evaluable`` leaves a flag as it is: missing data neither raises nor clears a finding.
    Runs in the caller's transaction, under the coin's row lock.
    """
    now = timezone.now()
    unresolved = {
        f.rule: f
        for f in Flag.objects.filter(stablecoin=run.stablecoin, profile=run.profile).exclude(status=FlagStatus.RESOLVED)
    }
    for result in run.results:
        flag = unresolved.get(result["rule"])
        if result["outcome"] in FLAGGING:
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
        elif result["outcome"] in CLEARING and flag is not None:
            flag.status = FlagStatus.RESOLVED
            flag.resolved_at = now
            flag.last_run = run
            flag.save(update_fields=["status", "resolved_at", "last_run"])
            _flag_event(flag, "resolved", run, f"{result['outcome']}: {result['message']}", now)


def _licences(stablecoin: Stablecoin) -> list[tuple[str, Licence | None]]:
    licences = list(stablecoin.licences.all())
    return [(lic.profile, lic) for lic in licences] or [("", None)]


def stablecoin_reconcile(
    *, stablecoin: Stablecoin, trigger: str, now: datetime | None = None
) -> list[ReconciliationRun]:
    """The coin now: its latest readings against its standing attestation, under each licence; then publish.

    A reconciliation that raises still publishes: the licence's answer turns "unverified" with the
    error as its reason, so the previous figure never stays up as current. The error is raised again
    once every licence has been tried, so the task still fails loudly.
    """
    attestation = attestation_standing(stablecoin=stablecoin)
    readings = readings_latest(stablecoin=stablecoin)
    runs: list[ReconciliationRun] = []
    failure: Exception | None = None
    evaluated_at = evaluation_instant(now)
    for profile, licence in _licences(stablecoin):
        try:
            # A savepoint, so a failing query leaves a caller's transaction usable for the publication.
            with transaction.atomic():
                run = reconciliation_run(
                    stablecoin=stablecoin,
                    attestation=attestation,
                    readings=readings,
                    trigger=trigger,
                    profile=profile,
                    licence=licence,
                    now=now,
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
                error=f"{type(exc).__name__}: {exc}"[:500],
            )
            continue
        runs.append(run)
        publication_publish(
            stablecoin=stablecoin,
            licence=licence,
            run=run,
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
    # The as-of runs are the record of the attestation against supply at its own instant; what the
    # public is shown is the coin now, re-judged with this attestation standing.
    return runs + stablecoin_reconcile(stablecoin=stablecoin, trigger="attestation", now=now)
