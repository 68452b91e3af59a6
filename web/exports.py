"""CSV exports of the regulator tables. Amounts are exact decimal strings, times ISO 8601 in UTC."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

from attest.csvexport import csv_text
from attest.models import Holding
from reserves.composition import Composition
from reserves.models import Flag, ReconciliationRun
from web.overview import SEVERITIES, OverviewRow


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def overview_csv(rows: list[OverviewRow]) -> HttpResponse:
    """The overview as filtered and sorted: each coin's current publication, figures as exact decimal strings."""
    header = [
        "symbol",
        "name",
        "issuer",
        "currency",
        "status",
        "status_reasons",
        "backing_ratio",
        "backing_ratio_display",
        "headroom",
        "outstanding",
        "eligible_reserves",
        "attestation_as_of",
        "attestation_version",
        "attestation_status",
        "attestation_age_seconds",
        "chain_data",
        "chain_data_age_seconds",
        *[f"open_flags_{s}" for s in SEVERITIES],
        "publication_id",
        "published_at",
        "run_id",
        "blocks",
    ]
    body = []
    for r in rows:
        state, p = r.state, r.state.publication
        body.append(
            [
                state.coin.symbol,
                state.coin.name,
                state.coin.issuer.name,
                state.coin.currency,
                state.verdict,
                "; ".join(reason["text"] for reason in state.reasons),
                state.ratio,
                state.ratio_display,
                state.headroom,
                state.outstanding,
                state.reserves,
                p.attestation_as_of if p else None,
                p.attestation_version if p else None,
                state.review_status,
                r.attestation_age,
                state.freshness.status,
                state.freshness.age_seconds,
                *[state.finding_counts[sev] for sev in SEVERITIES],
                p.pk if p else None,
                p.published_at if p else None,
                p.run_id if p else None,
                " ".join(f"{b['chain_id']}:{b['block_number']}:{b['block_hash']}" for b in state.blocks),
            ]
        )
    return csv_response("attest-overview.csv", header, body)


def runs_csv(runs: list[ReconciliationRun], filename: str) -> HttpResponse:
    header = [
        "run_id",
        "stablecoin",
        "profile",
        "created_at",
        "trigger",
        "status",
        "backing_ratio",
        "outstanding",
        "par_outstanding",
        "reserves",
        "headroom",
        "attestation_id",
        "rulepack_version",
        "input_hash",
        "blocks",
    ]
    body = [
        [
            run.pk,
            run.inputs.get("stablecoin", ""),
            run.profile,
            run.created_at,
            run.trigger,
            run.status,
            run.ratio,
            run.outstanding,
            run.par_outstanding,
            run.reserves,
            run.headroom,
            run.attestation_id,
            run.rulepack_version,
            run.input_hash,
            " ".join(f"{r['chain_id']}:{r['block_number']}:{r['block_hash']}" for r in run.inputs.get("readings", [])),
        ]
        for run in runs
    ]
    return csv_response(filename, header, body)


def flags_csv(flags: list[Flag], filename: str) -> HttpResponse:
    header = ["flag_id", "stablecoin", "rule", "profile", "severity", "status", "opened_at", "resolved_at", "message"]
    body = [
        [f.pk, f.stablecoin.symbol, f.rule, f.profile, f.severity, f.status, f.opened_at, f.resolved_at, f.message]
        for f in flags
    ]
    return csv_response(filename, header, body)


def holdings_csv(holdings: list[Holding], filename: str) -> HttpResponse:
    header = [
        "attestation_id",
        "line",
        "asset_class",
        "instrument_id",
        "custodian",
        "custodian_country",
        "currency",
        "market_value",
        "fx_rate",
        "maturity_date",
        "segregated",
        "encumbered",
    ]
    body = [
        [
            h.attestation_id,
            h.line,
            h.asset_class,
            h.instrument_id,
            h.custodian,
            h.custodian_country,
            h.currency,
            h.market_value,
            h.fx_rate,
            h.maturity_date,
            h.segregated,
            h.encumbered,
        ]
        for h in holdings
    ]
    return csv_response(filename, header, body)


def composition_csv(composition: Composition, filename: str) -> HttpResponse:
    body = [
        [dimension, label, value, composition.currency]
        for dimension, _, rows in composition.tables()
        for label, value in rows
    ]
    return csv_response(filename, ["dimension", "bucket", "value", "currency"], body)
