"""CSV exports of the regulator tables. Amounts are exact decimal strings, times ISO 8601 in UTC."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse

from attest.models import Holding
from reserves.models import Flag, ReconciliationRun
from reserves.page_selectors import SEVERITIES, Composition, OverviewRow


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    text = str(value)
    # A cell starting with = + - @ would be read as a formula by spreadsheets (CSV injection); numbers are safe.
    if text[:1] in ("=", "+", "@") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def overview_csv(rows: list[OverviewRow]) -> HttpResponse:
    header = [
        "symbol",
        "name",
        "issuer",
        "currency",
        "status",
        "backing_ratio",
        "headroom",
        "outstanding",
        "eligible_reserves",
        "attestation_as_of",
        "attestation_version",
        "attestation_age_seconds",
        "chain_data",
        "chain_data_age_seconds",
        *[f"open_flags_{s}" for s in SEVERITIES],
        "run_id",
        "blocks",
    ]
    body = []
    for r in rows:
        s, run = r.summary, r.summary.run
        body.append(
            [
                s.coin.symbol,
                s.coin.name,
                s.coin.issuer.name,
                s.coin.currency,
                s.status,
                run.ratio if run else None,
                run.headroom if run else None,
                run.outstanding if run else None,
                run.reserves if run else None,
                s.attestation.as_of if s.attestation else None,
                s.attestation.version if s.attestation else None,
                r.attestation_age,
                s.freshness.status,
                s.freshness.age_seconds,
                *[r.flag_counts[sev] for sev in SEVERITIES],
                run.pk if run else None,
                " ".join(f"{b['chain_id']}:{b['block_number']}:{b['block_hash']}" for b in s.blocks),
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
