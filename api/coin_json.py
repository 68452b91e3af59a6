"""The public API's JSON for a coin's state, built straight from the read model's publications.

Plain dicts rather than DRF serializers: the list of every coin is the hottest answer Attest gives,
and serializer fields cost more than the whole database read. The shapes are documented for the
OpenAPI schema by the serializers in ``api/serializers.py`` (the API fuzz test checks every answer
against that schema, so the two cannot drift apart).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.urls import reverse

from reserves.models import Publication
from reserves.readmodel import CoinState, LicenceState
from reserves.verdict import LABELS


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _figures(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        "backing_ratio": figures.get("ratio"),
        "backing_ratio_display": figures.get("ratio_display"),
        "headroom": figures.get("headroom"),
        "outstanding": figures.get("outstanding"),
        "par_value_outstanding": figures.get("par_outstanding"),
        "reserves": figures.get("reserves"),
    }


def licence_json(state: LicenceState) -> dict[str, Any]:
    p = state.publication
    return {
        "profile": p.profile,
        "licence_id": p.licence_id,
        "regulator": p.regulator,
        "status": state.verdict,
        "status_label": LABELS[state.verdict],
        "status_reasons": state.reasons,
        **_figures(p.figures),
        "attestation_version": p.attestation_version,
        "attestation_status": p.attestation_status,
        "publication_id": p.pk,
        "run_id": p.run_id,
        "published_at": _iso(p.published_at),
    }


def _blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "chain_id": b["chain_id"],
            "block_number": b["block_number"],
            "block_hash": b["block_hash"],
            "block_time": b["block_time"],
        }
        for b in blocks
    ]


@functools.cache
def _url_prefixes() -> tuple[str, str]:
    """The coin and run URL prefixes, resolved once: reversing six URLs per coin of a 1,000-coin list
    would cost more than the rest of the answer."""
    return reverse("api-stablecoin-list"), reverse("api-run-detail", args=[0]).removesuffix("0/")


def _links(symbol: str, run_id: int | None) -> dict[str, str | None]:
    coins, runs = _url_prefixes()
    return {
        "history": f"{coins}{symbol}/history/",
        "supply": f"{coins}{symbol}/supply/",
        "attestations": f"{coins}{symbol}/attestations/",
        "runs": f"{coins}{symbol}/runs/",
        "run": f"{runs}{run_id}/" if run_id else None,
        "bundle": f"{runs}{run_id}/bundle/" if run_id else None,
    }


def coin_json(state: CoinState) -> dict[str, Any]:
    """One coin as ``GET /api/v1/stablecoins/{symbol}/`` answers it (and each item of the list)."""
    coin = state.coin
    p = state.publication
    figures = p.figures if p else {}
    freshness = state.freshness
    symbol = coin.symbol
    run_id = p.run_id if p else None
    return {
        "symbol": symbol,
        "name": coin.name,
        "issuer": coin.issuer.name,
        "currency": coin.currency,
        "par_value": str(coin.par_value),
        "status": state.verdict,
        "status_label": state.verdict_label,
        "status_reasons": state.reasons,
        "backing_ratio": figures.get("ratio"),
        "backing_ratio_display": figures.get("ratio_display"),
        "headroom": figures.get("headroom"),
        "outstanding": {
            "amount": figures.get("outstanding"),
            "par_value_amount": figures.get("par_outstanding"),
            "blocks": _blocks(p.blocks) if p else [],
        },
        "reserves": {
            "amount": figures.get("reserves"),
            "attestation_as_of": _iso(p.attestation_as_of) if p else None,
            "attestation_version": p.attestation_version if p else None,
            "attestation_status": state.review_status,
            "attestation_review": state.review_label,
        },
        "open_flags": [
            {
                "rule": f["rule"],
                "profile": f["profile"],
                "severity": f["severity"],
                "status": f["status"],
                "message": f["message"],
                "opened_at": f["opened_at"],
            }
            for f in state.findings
        ],
        "freshness": {
            "status": freshness.status,
            "age_seconds": freshness.age_seconds,
            "read_at": _iso(freshness.read_at),
            "max_age_seconds": freshness.max_age_seconds,
            "reason": freshness.reason,
        },
        "licences": [licence_json(s) for s in state.licences],
        "publication_id": p.pk if p else None,
        "published_at": _iso(p.published_at) if p else None,
        "evaluated_at": _iso(p.evaluated_at) if p else None,
        "run_id": run_id,
        "profile": p.profile if p else None,
        "rulepack_version": (p.rulepack_version or None) if p else None,
        "input_hash": (p.input_hash or None) if p else None,
        "links": _links(symbol, run_id),
    }


def history_point_json(p: Publication) -> dict[str, Any]:
    """One publication as a point of the coin's history."""
    return {
        "publication_id": p.pk,
        "published_at": _iso(p.published_at),
        "evaluated_at": _iso(p.evaluated_at),
        "profile": p.profile,
        "status": p.verdict,
        "status_reasons": p.reasons,
        **{k: v for k, v in _figures(p.figures).items() if k != "backing_ratio_display"},
        "attestation_version": p.attestation_version,
        "attestation_status": p.attestation_status,
        "run_id": p.run_id,
        "freshness": p.freshness,
        "blocks": _blocks(p.blocks),
    }
