"""Reads behind the public API beyond the coin summaries: history, supply, attestations, runs, bundles.

Each takes a fixed number of queries whatever the number of coins, runs or readings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from attest.audit import GENESIS
from attest.models import Attestation, AttestationStatus, AuditEntry, Stablecoin
from chain.models import Deployment
from chain.services import readings_latest
from chain.units import tokens
from reserves.models import ReconciliationRun
from reserves.selectors import Freshness, freshness_of

PUBLISHED_ATTESTATION = [AttestationStatus.SUBMITTED, AttestationStatus.ACCEPTED]


def blocks_of(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The distinct blocks a run's readings were taken at, in input order."""
    seen: dict[tuple[int, str], dict[str, Any]] = {}
    for r in inputs.get("readings", []):
        seen.setdefault(
            (r["chain_id"], r["block_hash"]),
            {
                "chain_id": r["chain_id"],
                "block_number": r["block_number"],
                "block_hash": r["block_hash"],
                "block_time": r["block_time"],
            },
        )
    return list(seen.values())


def coin_public(*, symbol: str) -> Stablecoin | None:
    return Stablecoin.objects.filter(symbol=symbol.upper(), published=True).first()


def run_history(
    *, stablecoin: Stablecoin, since: datetime | None, until: datetime | None, profile: str | None
) -> QuerySet[ReconciliationRun]:
    """The coin's runs, oldest first, within [since, until]."""
    runs = ReconciliationRun.objects.filter(stablecoin=stablecoin).order_by("created_at", "pk")
    if since is not None:
        runs = runs.filter(created_at__gte=since)
    if until is not None:
        runs = runs.filter(created_at__lte=until)
    if profile is not None:
        runs = runs.filter(profile=profile)
    return runs


def history_point(run: ReconciliationRun) -> ReconciliationRun:
    """Attach what the history rows show from the run's inputs (blocks, attestation version)."""
    setattr(run, "blocks", blocks_of(run.inputs))  # noqa: B010 - a display attribute, not a model field
    attestation = run.inputs.get("attestation")
    setattr(run, "attestation_version_or_none", attestation["version"] if attestation else None)  # noqa: B010
    return run


def run_list(*, stablecoin: Stablecoin) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.filter(stablecoin=stablecoin).select_related("stablecoin").defer("inputs")


def run_public(*, run_id: int) -> ReconciliationRun | None:
    run = ReconciliationRun.objects.filter(pk=run_id, stablecoin__published=True).select_related("stablecoin").first()
    if run is not None:
        setattr(run, "blocks", blocks_of(run.inputs))  # noqa: B010
    return run


def _kept_buckets(inputs: dict[str, Any]) -> set[str]:
    """Deduction buckets the run's profile counts as outstanding (rule pack format 2, or format 1's list)."""
    pack = inputs.get("rulepack") or {}
    return set(pack.get("outstanding_keeps", inputs.get("outstanding_buckets", [])))


@dataclass
class SupplyTable:
    freshness: Freshness
    rows: list[dict[str, Any]]
    last_read: datetime | None


def supply_table(*, stablecoin: Stablecoin) -> SupplyTable:
    """Per chain and bucket, the newest reading of each deployment, with its block and age."""
    deployments = list(Deployment.objects.filter(stablecoin=stablecoin).select_related("network"))
    readings = {r.deployment_id: r for r in readings_latest(stablecoin=stablecoin)}
    latest = (
        ReconciliationRun.objects.filter(stablecoin=stablecoin).order_by("-created_at", "-pk").only("inputs").first()
    )
    kept = _kept_buckets(latest.inputs) if latest else set()
    now = timezone.now()
    limit = settings.CHAIN_STALE_AFTER
    rows: list[dict[str, Any]] = []
    for d in sorted(deployments, key=lambda d: (d.network.chain_id, d.address.lower())):
        r = readings.get(d.pk)
        if r is None:
            continue
        age = max(0, int((now - r.read_at).total_seconds()))
        common = {
            "chain_id": r.chain_id,
            "network": d.network.name,
            "contract": d.address,
            "kind": d.kind,
            "block_number": r.block_number,
            "block_hash": r.block_hash,
            "block_time": r.block_time,
            "read_at": r.read_at,
            "age_seconds": age,
            "freshness": "fresh" if age <= limit else "stale",
        }
        entries = [("total_supply", "", int(r.total_supply), True)]
        entries += [(b["bucket"], b["address"], int(b["raw"]), b["bucket"] in kept) for b in r.balances]
        for bucket, holder, raw, counted in entries:
            rows.append(
                {
                    **common,
                    "bucket": bucket,
                    "holder": holder,
                    "raw": str(raw),
                    "amount": tokens(raw, d.decimals),
                    "counted_as_outstanding": counted,
                }
            )
    reads = [r.read_at for r in readings.values()]
    unread = sum(1 for d in deployments if d.pk not in readings)
    return SupplyTable(
        freshness=freshness_of(min(reads) if reads else None, unread=unread, now=now),
        rows=rows,
        last_read=max(reads) if reads else None,
    )


def _has_signatures() -> bool:
    """Whether attestation signing (an ``AttestationSignature`` model, related name ``signatures``) is installed."""
    return any(rel.get_accessor_name() == "signatures" for rel in Attestation._meta.related_objects)


def attestation_signatures(attestation: Attestation) -> list[dict[str, Any]]:
    """Signatures over the attestation's canonical payload (EIP-712), from attestation signing when present."""
    if not _has_signatures():
        return []
    return [
        {
            "signer": getattr(s, "signer_address", ""),
            "role": getattr(s, "role", ""),
            "algorithm": getattr(s, "algorithm", "eip712"),
            "public_key": getattr(s, "signer_address", ""),
            "signature": getattr(s, "signature", ""),
            "payload_sha256": getattr(s, "payload_sha256", ""),
            "signed_at": getattr(s, "signed_at", None),
        }
        for s in getattr(attestation, "signatures").all()  # noqa: B009 - absent until signing is merged
    ]


def attestations_published(*, stablecoin: Stablecoin) -> QuerySet[Attestation]:
    related = ["holdings", "signatures"] if _has_signatures() else ["holdings"]
    return (
        Attestation.objects.filter(stablecoin=stablecoin, status__in=PUBLISHED_ATTESTATION)
        .select_related("supersedes")
        .prefetch_related(*related)
        .order_by("-as_of", "-version")
    )


def attestation_public(attestation: Attestation) -> Attestation:
    holdings = list(attestation.holdings.all())
    setattr(attestation, "total_reserves", sum((h.market_value for h in holdings), Decimal(0)))  # noqa: B010
    setattr(attestation, "public_signatures", attestation_signatures(attestation))  # noqa: B010
    return attestation


def run_bundle(run: ReconciliationRun) -> dict[str, Any]:
    """Everything needed to recompute the run and re-read its chain data (docs/api.md, "Reproducibility")."""
    return {
        "format": "attest-run-bundle/1",
        "run": run,
        "inputs": run.inputs,
        "outputs": run_outputs(run),
        "verify": (
            f"python manage.py verifyrun {run.pk} [--rpc URL]  # or: verifyrun --bundle FILE --rpc URL; "
            "re-reads every reading at its block hash and recomputes with reserves.compute.compute"
        ),
    }


def run_outputs(run: ReconciliationRun) -> dict[str, Any]:
    """What compute() returned for the run: stored whole since rule packs; rebuilt from the columns before."""
    stored: dict[str, Any] | None = getattr(run, "outputs", None)
    if stored:
        return stored
    return {
        "status": run.status,
        "outstanding": _text(run.outstanding),
        "par_outstanding": _text(run.par_outstanding),
        "reserves": _text(run.reserves),
        "ratio": _text(run.ratio),
        "headroom": _text(run.headroom),
        "results": run.results,
    }


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def audit_head_entry() -> dict[str, Any]:
    last = AuditEntry.objects.order_by("-seq").only("seq", "entry_hash", "at").first()
    if last is None:
        return {"seq": 0, "hash": GENESIS, "at": None}
    return {"seq": last.seq, "hash": last.entry_hash, "at": last.at}
