"""Reads beyond a coin's current answer (that is reserves/readmodel.py): attestation versions, runs,
flags, the audit excerpt, bundles. For the regulator and public pages and the public API alike.

Each takes a fixed number of queries whatever the number of rows (two with a prefetch), and lists
that grow without bound are cut to the newest ``limit`` rows.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from attest.audit import GENESIS, AuditEntry
from attest.models import Attestation, Holding, Licence, Stablecoin
from attest.selectors import STATEMENT_STATUSES
from chain.models import Deployment, SupplyReading
from chain.units import tokens
from reserves.models import Flag, FlagEvent, FlagStatus, Publication, ReconciliationRun, Trigger
from reserves.publish import blocks_of
from reserves.verdict import AS_OF_BASES

# --- pages ---------------------------------------------------------------------------------------


def attestations_filed(*, stablecoin: Stablecoin) -> list[Attestation]:
    """Every filed version of the coin's attestations, newest first, with its number of holding lines."""
    return list(
        # Drafts are the issuer's own until submitted; regulators and the public never see them.
        Attestation.objects.filter(stablecoin=stablecoin, status__in=STATEMENT_STATUSES)
        .select_related("created_by")
        .annotate(holdings_count=Count("holdings"))
        .order_by("-as_of", "-version")
    )


def holdings_of(*, attestation_id: int | None) -> list[Holding]:
    return [] if attestation_id is None else list(Holding.objects.filter(attestation_id=attestation_id))


def deployments_read(*, stablecoin: Stablecoin) -> list[Deployment]:
    """The contracts read for the coin, each with the evidence that its address is the coin's (one query)."""
    return list(
        Deployment.objects.filter(stablecoin=stablecoin)
        .select_related("network")
        .order_by("network__chain_id", "address")
    )


def runs_recent(*, stablecoin: Stablecoin, limit: int, offset: int = 0) -> list[ReconciliationRun]:
    runs = ReconciliationRun.objects.filter(stablecoin=stablecoin).order_by("-created_at", "-pk")
    return list(runs[offset : offset + limit])


def flags_with_events(*, stablecoin: Stablecoin, limit: int) -> list[Flag]:
    """The coin's flags, newest first, each with its history (two queries)."""
    return list(
        Flag.objects.filter(stablecoin=stablecoin)
        .select_related("stablecoin")
        .order_by("-opened_at")
        .prefetch_related(Prefetch("events", queryset=FlagEvent.objects.select_related("actor")))[:limit]
    )


def flags_unresolved() -> list[Flag]:
    """Every open or acknowledged flag of every coin, oldest first."""
    return list(
        Flag.objects.exclude(status=FlagStatus.RESOLVED)
        .select_related("stablecoin", "last_run")
        .order_by("opened_at", "pk")
    )


def audit_excerpt(*, stablecoin: Stablecoin, limit: int) -> list[AuditEntry]:
    """The newest audit entries whose payload names the coin."""
    return list(AuditEntry.objects.filter(payload__stablecoin=stablecoin.symbol).order_by("-seq")[:limit])


def run_detail(*, run_id: int) -> ReconciliationRun | None:
    return (
        ReconciliationRun.objects.select_related("stablecoin", "stablecoin__issuer", "attestation")
        .filter(pk=run_id)
        .first()
    )


def run_blocks(*, run: ReconciliationRun) -> list[dict[str, Any]]:
    """The readings a run used, each with its chain id, block and hash, and its figures in tokens."""
    rows = []
    for r in run.inputs.get("readings", []):
        decimals = int(r["decimals"])
        rows.append(
            {
                **r,
                "total_tokens": tokens(int(r["total_supply"]), decimals),
                "balances_tokens": [{**b, "tokens": tokens(int(b["raw"]), decimals)} for b in r["balances"]],
            }
        )
    return rows


# --- public API ----------------------------------------------------------------------------------

# Every filed statement is public, with its review state: a publication may rely on one the regulator
# asked changes of, and anyone must be able to see which.
PUBLISHED_ATTESTATION = STATEMENT_STATUSES


def attestations_pinned_on(*, reading_ids: list[int]) -> list[int]:
    """The attestations whose as-of runs stood on any of these readings (orphaned by a reorg, say), by id.

    Runs hold their readings in ``inputs``; a run cannot use a reading taken after it was made, so only
    the runs of those coins since the oldest reading was taken are looked at (in Python: the same on
    PostgreSQL and SQLite).
    """
    readings = SupplyReading.objects.filter(pk__in=reading_ids)
    if not reading_ids or not readings.exists():
        return []
    wanted = set(reading_ids)
    since = min(r.read_at for r in readings.only("read_at"))
    coins = set(readings.values_list("deployment__stablecoin_id", flat=True))
    runs = ReconciliationRun.objects.filter(
        stablecoin_id__in=coins, trigger=Trigger.ATTESTATION, attestation__isnull=False, created_at__gte=since
    ).values_list("attestation_id", "inputs")
    return sorted({a for a, inputs in runs if wanted & {r["reading_id"] for r in inputs.get("readings", [])}})


def coin_public(*, symbol: str) -> Stablecoin | None:
    return Stablecoin.objects.filter(symbol=symbol.upper(), published=True).first()


def run_list(*, stablecoin: Stablecoin) -> QuerySet[ReconciliationRun]:
    return ReconciliationRun.objects.filter(stablecoin=stablecoin).select_related("stablecoin").defer("inputs")


def run_public(*, run_id: int) -> ReconciliationRun | None:
    run = ReconciliationRun.objects.filter(pk=run_id, stablecoin__published=True).select_related("stablecoin").first()
    if run is not None:
        setattr(run, "blocks", blocks_of(run.inputs))  # noqa: B010
    return run


def publication_public(*, publication_id: int) -> Publication | None:
    found = Publication.objects.filter(pk=publication_id, stablecoin__published=True).select_related("stablecoin")
    return found.first()


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


def attestation_evidence(*, attestation_id: int | None) -> Attestation | None:
    """The attestation a publication relies on, with its signatures: whose word the published answer stands on."""
    if attestation_id is None:
        return None
    return (
        Attestation.objects.filter(pk=attestation_id).select_related("auditor").prefetch_related("signatures").first()
    )


def licences_of(*, stablecoin: Stablecoin) -> list[Licence]:
    return list(Licence.objects.filter(stablecoin=stablecoin).order_by("profile"))


def attestation_outcome(*, attestation: Attestation) -> dict[str, Any]:
    """What a filing did: its reconciliation at its own as-of instant (its first as-of run; a run of the coin's
    latest supply that relied on it is not that) and the newest publication that relies on it (the verdict the
    public is shown), for the issuer's page."""
    own = ReconciliationRun.objects.filter(
        attestation=attestation, trigger="attestation", inputs__readings_basis__in=AS_OF_BASES
    )
    run = own.defer("inputs").order_by("created_at", "pk").first()
    publication = (
        Publication.objects.filter(attestation=attestation).defer("results").order_by("-published_at", "-pk").first()
    )
    failing = [r for r in (run.results if run else []) if r.get("outcome") in ("fail", "warn")]
    return {"run": run, "publication": publication, "failing": failing}
