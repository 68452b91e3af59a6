"""Judging many coins at once: every coin's run inputs gathered in a fixed number of queries, then computed.

``run_inputs_many`` builds, for each coin and licence, exactly what ``reserves.inputs.run_inputs``
builds for one (a test holds them equal): the standing attestation, the latest readings, the newest
report of each type and the newest independent one, the ledger's findings and the supervision data
(reserves/supervision.py). It issues the same queries whether it judges one coin or a thousand, so
the queries per coin fall as the batch grows. ``judge_many`` computes every rule for each; storing
runs and moving flags stays one coin at a time in ``reconciliation_run`` (a run's audit entry and
flag changes share the coin's row lock).
bench/reconcile.py measures it at market scale.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Max, OuterRef, Q, Subquery

from attest.models import Attestation, Holding, IssuerFigure, Licence, Stablecoin
from attest.selectors import CADENCE_STATUSES, attestations_standing
from chain.models import Deployment, LedgerCheck, ReadingStatus, SupplyReading
from reserves import supervision
from reserves.compute import INPUTS_FORMAT, compute
from reserves.inputs import (
    ASSURANCE_REPORTS,
    HOLDING_FIELDS,
    _json_value,
    assurance_inputs,
    attestation_inputs,
    evaluation_instant,
    ledger_finding,
)
from reserves.rulepacks import rulepack_load, rulepack_sha256
from reserves.runtypes import AssuranceInputs, AttestationInputs, ReadingJson, RunInputs, RunOutputs, SupplyFinding


def _standing(ids: list[int]) -> dict[int, AttestationInputs]:
    """Each coin's standing attestation as run inputs; lines and figures read as plain values, not models."""
    rows = {
        a.stablecoin_id: a
        for a in attestations_standing()
        .filter(stablecoin_id__any=ids)
        .order_by("stablecoin_id", "-as_of", "-version")
        .distinct("stablecoin_id")
    }
    pks = [a.pk for a in rows.values()]
    holdings: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for h in Holding.objects.filter(attestation_id__any=pks).order_by("line").values("attestation_id", *HOLDING_FIELDS):
        holdings[h["attestation_id"]].append(h)
    figures: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for x in IssuerFigure.objects.filter(attestation_id__any=pks).order_by("chain_id").values():
        figures[x["attestation_id"]].append(dict(x))
    return {coin: attestation_inputs(a, (holdings[a.pk], figures[a.pk])) for coin, a in rows.items()}


def _readings(ids: list[int]) -> dict[int, list[ReadingJson]]:
    """The newest reading of each deployment of each coin, as ``reading_json`` gives it (read as plain values)."""
    newest = (
        SupplyReading.objects.filter(deployment=OuterRef("pk"))
        .exclude(status=ReadingStatus.ORPHANED)
        .order_by("-block_number", "-read_at")
        .values("pk")[:1]
    )
    latest = Deployment.objects.filter(stablecoin_id__any=ids).annotate(latest=Subquery(newest))
    found: dict[int, list[ReadingJson]] = defaultdict(list)
    pks = [pk for pk in latest.values_list("latest", flat=True) if pk]
    fields = ("pk", "deployment_id", "deployment__stablecoin_id", "deployment__address", "deployment__decimals")
    for r in SupplyReading.objects.filter(pk__any=pks).values(
        *fields, "chain_id", "block_number", "block_hash", "block_time", "total_supply", "balances"
    ):
        found[r["deployment__stablecoin_id"]].append(
            {
                "reading_id": r["pk"],
                "deployment_id": r["deployment_id"],
                "address": r["deployment__address"],
                "decimals": r["deployment__decimals"],
                "chain_id": r["chain_id"],
                "block_number": r["block_number"],
                "block_hash": r["block_hash"],
                "block_time": r["block_time"].isoformat(),
                "total_supply": str(r["total_supply"]),
                "balances": r["balances"],
            }
        )
    for rows in found.values():
        rows.sort(key=lambda r: (r["chain_id"], r["deployment_id"]))
    return found


def _latest_reports(ids: list[int]) -> dict[int, dict[str, str]]:
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rows = (
        Attestation.objects.filter(stablecoin_id__any=ids, status__in=CADENCE_STATUSES)
        .values("stablecoin_id", "report_type")
        .annotate(newest=Max("as_of"))
        .order_by("stablecoin_id", "report_type")
    )
    for row in rows:
        found[row["stablecoin_id"]][row["report_type"]] = row["newest"].isoformat()
    return found


def _latest_assurance(ids: list[int]) -> dict[int, AssuranceInputs]:
    """Each coin's newest standing independent report, as ``reserves.inputs.latest_assurance`` gives it."""
    return {
        a.stablecoin_id: assurance_inputs(a)
        for a in Attestation.objects.filter(
            stablecoin_id__any=ids, status__in=CADENCE_STATUSES, report_type__in=ASSURANCE_REPORTS
        )
        .order_by("stablecoin_id", "-as_of", "-version")
        .distinct("stablecoin_id")
    }


def _ledger(ids: list[int]) -> tuple[set[int], dict[int, list[SupplyFinding]]]:
    checked = set(
        LedgerCheck.objects.filter(deployment__stablecoin_id__any=ids)
        .values_list("deployment__stablecoin_id", flat=True)
        .distinct()
    )
    orphaned = Q(reading_from__status=ReadingStatus.ORPHANED) | Q(reading_to__status=ReadingStatus.ORPHANED)
    findings: dict[int, list[SupplyFinding]] = defaultdict(list)
    for check in (
        LedgerCheck.objects.filter(deployment__stablecoin_id__any=ids, matched=False, resolved_at__isnull=True)
        .exclude(orphaned)
        .select_related("deployment__network", "reading_from", "reading_to")
        .order_by("-reading_to__block_number")
    ):
        findings[check.deployment.stablecoin_id].append(ledger_finding(check))
    return checked, findings


def run_inputs_many(*, stablecoins: Sequence[Stablecoin], now: datetime | None = None) -> list[RunInputs]:
    """The inputs of each coin's run now under each of its licences (no licence: the "" pack), latest readings."""
    at = evaluation_instant(now)
    ids = [c.pk for c in stablecoins]
    licences: dict[int, list[Licence | None]] = defaultdict(list)
    for licence in Licence.objects.filter(stablecoin_id__any=ids).order_by("pk"):
        licences[licence.stablecoin_id].append(licence)
    standing, readings, reports = _standing(ids), _readings(ids), _latest_reports(ids)
    assurance = _latest_assurance(ids)
    checked, findings = _ledger(ids)
    statements, redemptions = supervision.daily_statements(ids, at), supervision.redemptions(ids, at)
    confirmations, coins_of = supervision.confirmations(ids, at), supervision.issuer_coin_counts(ids)
    pairs = [(c, lic) for c in stablecoins for lic in (licences[c.pk] or [None])]
    packs = {p: rulepack_load(p) for p in {lic.profile if lic else "" for _, lic in pairs}}
    digests = {p: rulepack_sha256(pack) for p, pack in packs.items()}
    shortfall = {p: supervision.shortfalls_since(ids, dict.fromkeys(ids, p), at) for p in sorted(packs)}
    out: list[RunInputs] = []
    for coin, lic in pairs:
        profile = lic.profile if lic else ""
        pack = packs[profile]  # one pack per profile, shared read-only by the batch's inputs
        attestation = standing.get(coin.pk)
        out.append(
            {
                "format": INPUTS_FORMAT,
                "stablecoin": coin.symbol,
                "currency": coin.currency,
                "par_value": str(coin.par_value),
                "profile": profile,
                "rulepack_version": pack["version"],
                "rulepack_sha256": digests[profile],
                "rulepack": pack,
                "licence": {
                    "licence_id": lic.licence_id if lic else "",
                    "buffer_min": _json_value(lic.buffer_min) if lic else None,
                    "significant": bool(lic and lic.significant),
                    "attestation_interval_days": lic.attestation_interval_days if lic else None,
                    "apply_proposed": bool(lic and lic.apply_proposed),
                },
                "evaluated_at": at.isoformat(),
                "readings_basis": "latest",
                "attestation": attestation,
                "latest_reports": reports.get(coin.pk, {}),
                "latest_assurance": assurance.get(coin.pk),
                "supply_findings": findings.get(coin.pk, []),
                "ledger_checked": coin.pk in checked,
                "readings": readings.get(coin.pk, []),
                "daily_statements": statements[coin.pk],
                "redemptions": redemptions[coin.pk],
                "confirmations": confirmations[coin.pk],
                "shortfall_since": shortfall[profile][coin.pk],
                "issuer_coins": coins_of[coin.pk],
            }
        )
    return out


def judge_many(*, stablecoins: Sequence[Stablecoin], now: datetime | None = None) -> list[tuple[RunInputs, RunOutputs]]:
    """Every coin's figures and rule results now, under each licence: inputs in bulk, then ``compute``."""
    return [(inputs, compute(inputs)) for inputs in run_inputs_many(stablecoins=stablecoins, now=now)]
