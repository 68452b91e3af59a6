"""What a reconciliation run is computed from: ``run_inputs`` gathers it from the database.

Everything the judgement depends on (attestation version with every holding field, the newest
independent report, readings with their blocks, the whole rule pack and its SHA-256, the licence's
parameters, the evaluation instant, the chain ledger's findings and the supervision data of
reserves/supervision.py), as exact JSON (reserves/runtypes.py); ``reserves.compute`` then needs
nothing else. reserves/batch.py builds the same for many coins at once, from these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from attest.exact import amount_text
from attest.models import Attestation, Licence, Stablecoin
from attest.selectors import CADENCE_STATUSES
from attest.signing import HOLDING_PAYLOAD_FIELDS
from chain.ledger.checks import ledger_checked, ledger_findings_open
from chain.models import LedgerCheck, SupplyReading
from chain.outstanding import reading_json
from reserves.compute import INPUTS_FORMAT
from reserves.rulepacks import rulepack_load, rulepack_sha256
from reserves.runtypes import AssuranceInputs, AttestationInputs, RunInputs, SupplyFinding
from reserves.supervision import supervision_inputs

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


ASSURANCE_REPORTS = ("attestation", "audit")


def assurance_inputs(a: Attestation) -> AssuranceInputs:
    return {
        "id": a.pk,
        "version": a.version,
        "report_type": a.report_type,
        "as_of": a.as_of.isoformat(),
        "standard": a.standard,
        "engagement_type": a.engagement_type,
        "assurance_level": a.assurance_level,
        "opinion": a.opinion,
    }


def latest_assurance(*, stablecoin: Stablecoin) -> AssuranceInputs | None:
    """The newest standing independent report (attestation or audit): what R25 judges, whatever was filed since."""
    a = (
        Attestation.objects.filter(
            stablecoin=stablecoin, status__in=CADENCE_STATUSES, report_type__in=ASSURANCE_REPORTS
        )
        .order_by("-as_of", "-version")
        .first()
    )
    return None if a is None else assurance_inputs(a)


def attestation_inputs(
    a: Attestation, rows: tuple[list[dict[str, Any]], list[dict[str, Any]]] | None = None
) -> AttestationInputs:
    """``rows``: the holdings' and issuer figures' field values when read in bulk (reserves/batch.py)."""
    holdings, figures = rows or ([h.__dict__ for h in a.holdings.all()], [x.__dict__ for x in a.issuer_figures.all()])
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
        "holdings": [{f: _json_value(h[f]) for f in HOLDING_FIELDS} for h in holdings],
        "issuer_figures": [{"chain_id": x["chain_id"], "outstanding": amount_text(x["outstanding"])} for x in figures],
    }


def ledger_finding(check: LedgerCheck) -> SupplyFinding:
    """An open ledger mismatch as a run's inputs carry it (``check`` with its deployment, network and readings)."""
    return {
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


def _ledger_inputs(stablecoin: Stablecoin) -> tuple[bool, list[SupplyFinding]]:
    findings = [ledger_finding(check) for check in ledger_findings_open(stablecoin=stablecoin)]
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
    at = evaluation_instant(evaluated_at)
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
            "apply_proposed": bool(licence and licence.apply_proposed),
        },
        "evaluated_at": at.isoformat(),
        "readings_basis": readings_basis,
        "attestation": None if attestation is None else attestation_inputs(attestation),
        "latest_reports": latest_reports(stablecoin=stablecoin),
        "latest_assurance": latest_assurance(stablecoin=stablecoin),
        # Open mismatches between the mint/burn ledger and totalSupply (chain/ledger/checks.py); R18 fails on
        # any. ``ledger_checked`` says whether the ledger has checked this coin at all.
        "supply_findings": list(supply_findings if supply_findings is not None else findings),
        "ledger_checked": checked,
        "readings": [reading_json(r) for r in sorted(readings, key=lambda r: (r.chain_id, r.deployment_id))],
        **supervision_inputs(stablecoin=stablecoin, profile=profile, at=at),
    }
