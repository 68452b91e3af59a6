"""Reads behind the public API beyond the coin's state (reserves/readmodel.py): attestations, runs, bundles.

Each takes a fixed number of queries whatever the number of coins, runs or readings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from attest.audit import GENESIS
from attest.models import Attestation, AuditEntry, Stablecoin
from attest.selectors import STATEMENT_STATUSES
from reserves.models import ReconciliationRun
from reserves.publish import blocks_of

# Every filed statement is public, with its review state: a publication may rely on one the regulator
# asked changes of, and anyone must be able to see which.
PUBLISHED_ATTESTATION = STATEMENT_STATUSES


def coin_public(*, symbol: str) -> Stablecoin | None:
    return Stablecoin.objects.filter(symbol=symbol.upper(), published=True).first()


def run_list(*, stablecoin: Stablecoin) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.filter(stablecoin=stablecoin).select_related("stablecoin").defer("inputs")


def run_public(*, run_id: int) -> ReconciliationRun | None:
    run = ReconciliationRun.objects.filter(pk=run_id, stablecoin__published=True).select_related("stablecoin").first()
    if run is not None:
        setattr(run, "blocks", blocks_of(run.inputs))  # noqa: B010
    return run


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
