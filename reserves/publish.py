"""Publications: the one answer per coin and licence that every surface shows (docs/publications.md).

``publication_publish`` turns the coin's current reconciliation (or its failure) into a stored,
never-changed ``Publication``: verdict and reasons, figures, the blocks they stand on, the
attestation relied on with its review state, every rule result and the open findings. A new row is
written only when what it says differs from the licence's current one (by a hash of its content),
so repeated evaluations of unchanged inputs add nothing, and ``PublicationHead`` points at the
current one of each licence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from attest.audit import audit_append, canonical_json
from attest.models import Attestation, Licence, Stablecoin
from reserves.documents import answer_figures, history_point_text
from reserves.freshness import coin_freshness, single_source_of
from reserves.models import Flag, FlagStatus, Publication, PublicationHead, ReconciliationRun
from reserves.runtypes import RunOutputs, run_outputs_of
from reserves.verdict import INDICATIVE_LABEL, Finding, judge

# compute()'s figures a publication carries; per-holding rows and rule results are kept apart.
FIGURE_KEYS = (
    "outstanding",
    "outstanding_by_chain",
    "deducted",
    "kept_outstanding",
    "par_outstanding",
    "reserves_stated",
    "reserves",
    "ratio",
    "ratio_display",
    "headroom",
)


def _plain(value: Any) -> Any:
    """Amounts in positional notation: a run stores a zero headroom as "0E-18", which no client should parse."""
    if isinstance(value, str):
        return format(Decimal(value), "f")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def blocks_of(inputs: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The distinct blocks a run's readings were taken at, by chain (runs of any inputs format)."""
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
    return sorted(seen.values(), key=lambda b: (b["chain_id"], b["block_number"]))


def _findings(stablecoin: Stablecoin, profile: str) -> list[dict[str, Any]]:
    flags = (
        Flag.objects.filter(stablecoin=stablecoin, profile=profile).exclude(status=FlagStatus.RESOLVED).order_by("rule")
    )
    return [
        {
            "id": f.pk,
            "rule": f.rule,
            "severity": f.severity,
            "status": f.status,
            "message": f.message,
            "opened_at": f.opened_at.isoformat(),
        }
        for f in flags
    ]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def indicative_of(run: ReconciliationRun | None) -> dict[str, Any]:
    """The current indicative headroom: latest supply against the last attested reserves, labelled as such."""
    if run is None:
        return {}
    outputs = run_outputs_of(run)
    return {
        "label": INDICATIVE_LABEL,
        "run": run.pk,
        "evaluated_at": _iso(run.evaluated_at),
        "figures": {k: _plain(outputs.get(k)) for k in FIGURE_KEYS},
        "blocks": blocks_of(run.inputs),
    }


def publication_publish(
    *,
    stablecoin: Stablecoin,
    licence: Licence | None,
    run: ReconciliationRun | None,
    attestation: Attestation | None,
    evaluated_at: datetime,
    error: str = "",
    now: datetime | None = None,
    indicative: ReconciliationRun | None = None,
) -> Publication | None:
    """Publish the licence's current answer; returns the new publication, or None when nothing changed.

    ``run`` is the verdict run (the attestation against supply at its own as-of instant, or the latest
    supply when there is no attestation), or None when it failed with ``error``; ``indicative`` the
    latest supply against the same reserves, published beside it as the current indicative headroom.
    Takes the coin's row lock, so flag changes and publications of one coin are serialised.
    """
    profile = licence.profile if licence else ""
    now = now or timezone.now()
    used = run if run is not None and not error else None  # the run the answer stands on, if any
    outputs: RunOutputs | None = run_outputs_of(used) if used is not None else None
    covered = [r["deployment_id"] for r in used.inputs.get("readings", [])] if used is not None else None
    with transaction.atomic():
        Stablecoin.objects.select_for_update(no_key=True).get(pk=stablecoin.pk)
        freshness = coin_freshness(stablecoin_id=stablecoin.pk, covered=covered, now=now)
        single_source = single_source_of(r["reading_id"] for r in used.inputs.get("readings", [])) if used else ""
        if attestation is not None:
            attestation.refresh_from_db(fields=["status"])  # the review state as of now, not as of the run
        findings = _findings(stablecoin, profile)
        judgement = judge(
            outputs=outputs,
            error=error,
            attestation_status=attestation.status if attestation else "",
            attestation_version=attestation.version if attestation else None,
            findings=[Finding(f["rule"], f["severity"], f["message"]) for f in findings],
            freshness=freshness.status,
            freshness_reason=freshness.reason,
        )
        content: dict[str, Any] = {
            "profile": profile,
            "licence_id": licence.licence_id if licence else "",
            "regulator": licence.regulator if licence else "",
            "run": used.pk if used else None,
            "rulepack_version": used.rulepack_version if used else "",
            "input_hash": used.input_hash if used else "",
            "evaluated_at": evaluated_at.isoformat(),
            "verdict": judgement.verdict,
            "reasons": [r.as_json() for r in judgement.reasons],
            "error": error,
            "figures": {k: _plain(outputs.get(k)) for k in FIGURE_KEYS} if outputs is not None else {},
            "readings_basis": used.inputs.get("readings_basis", "latest") if used else "",
            "blocks": blocks_of(used.inputs) if used else [],
            "indicative": indicative_of(indicative if used else None),
            "read_at": _iso(freshness.read_at),
            "freshness": freshness.status,
            "freshness_reason": freshness.reason[:300],
            # Only when there is something to say, so a cross-checked answer hashes as it did before the key.
            **({"single_source": single_source} if single_source else {}),
            "attestation": attestation.pk if attestation else None,
            "attestation_version": attestation.version if attestation else None,
            "attestation_as_of": _iso(attestation.as_of) if attestation else None,
            "attestation_status": attestation.status if attestation else "",
            "results": outputs["results"] if outputs is not None else [],
            "findings": findings,
        }
        content_hash = hashlib.sha256(canonical_json(content).encode()).hexdigest()
        head = (
            PublicationHead.objects.filter(stablecoin=stablecoin, profile=profile).select_related("publication").first()
        )
        if head is not None and head.publication.content_hash == content_hash:
            return None
        publication = Publication.objects.create(
            stablecoin=stablecoin,
            profile=profile,
            licence_id=content["licence_id"],
            regulator=content["regulator"],
            run=used,
            rulepack_version=content["rulepack_version"],
            input_hash=content["input_hash"],
            published_at=now,
            evaluated_at=evaluated_at,
            verdict=judgement.verdict,
            reasons=content["reasons"],
            error=error,
            figures=content["figures"],
            readings_basis=content["readings_basis"],
            blocks=content["blocks"],
            indicative=content["indicative"],
            read_at=freshness.read_at,
            freshness=freshness.status,
            freshness_reason=content["freshness_reason"],
            single_source=single_source,
            attestation=attestation,
            attestation_version=content["attestation_version"],
            attestation_as_of=attestation.as_of if attestation else None,
            attestation_status=content["attestation_status"],
            results=content["results"],
            findings=findings,
            content_hash=content_hash,
        )
        PublicationHead.objects.update_or_create(
            stablecoin=stablecoin, profile=profile, defaults={"publication": publication}
        )
        # The entry carries the published figures and blocks, so a wallet holding one API answer can
        # check them against the signed log offline (docs/transparency-log.md).
        entry = audit_append(
            actor="system",
            action="publication.created",
            object_type="publication",
            object_id=publication.pk,
            payload={
                "stablecoin": stablecoin.symbol,
                "profile": profile,
                "verdict": publication.verdict,
                "run": content["run"],
                "input_hash": content["input_hash"],
                "content_hash": content_hash,
                "figures": answer_figures(content["figures"]),
                "blocks": content["blocks"],
                "attestation_version": content["attestation_version"],
            },
        )
        # Its history point names it and its log entry, so it is written last (same transaction).
        publication.point = history_point_text(publication, entry.seq - 1)
        publication.save(update_fields=["point"])
    return publication


def publication_content(p: Publication) -> dict[str, Any]:
    """The content a stored publication's ``content_hash`` covers, rebuilt from its row.

    What an outsider hashes (canonical JSON: sorted keys, no spaces, UTF-8) to check a publication
    against a hash held elsewhere, such as a reserve feed's round (docs/feeds.md).
    """
    return {
        "profile": p.profile,
        "licence_id": p.licence_id,
        "regulator": p.regulator,
        "run": p.run_id,
        "rulepack_version": p.rulepack_version,
        "input_hash": p.input_hash,
        "evaluated_at": p.evaluated_at.isoformat(),
        "verdict": p.verdict,
        "reasons": p.reasons,
        "error": p.error,
        "figures": p.figures,
        "readings_basis": p.readings_basis,
        "blocks": p.blocks,
        "indicative": p.indicative,
        "read_at": _iso(p.read_at),
        "freshness": p.freshness,
        "freshness_reason": p.freshness_reason,
        **({"single_source": p.single_source} if p.single_source else {}),
        "attestation": p.attestation_id,
        "attestation_version": p.attestation_version,
        "attestation_as_of": _iso(p.attestation_as_of),
        "attestation_status": p.attestation_status,
        "results": p.results,
        "findings": p.findings,
    }
