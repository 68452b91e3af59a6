"""The public API's answers about coins, prepared when a coin is published, so reading one is a lookup.

Part of the read model (reserves/readmodel.py), for the hottest reads: the list of every coin, one
coin, and its history. The answer is built once, from the same ``CoinState`` every page renders, and
stored as JSON text twice: as it reads while the chain data is fresh, and as it reads once that data
is older than CHAIN_STALE_AFTER (verdicts "backed"/"at risk" turn "unverified"; reserves.verdict). A
request picks the variant the clock says and adds the only things that change by the second (the
freshness object with its age) and the links; it parses and serialises nothing else.

Why text and not JSON columns: a list of 1,000 coins is ~2 MB; decoding and re-encoding it costs
more than everything else in the request (bench/api.py).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from attest.logproofs import publication_log
from attest.models import Issuer, Stablecoin
from reserves.feeds.answer import current_answer
from reserves.feeds.selectors import feed_rows
from reserves.models import CoinDocument, Publication
from reserves.readmodel import CoinState, LicenceState, coin_state, state_of
from reserves.verdict import LABELS, live_freshness


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def answer_figures(figures: dict[str, Any]) -> dict[str, Any]:
    """A publication's figures under the names the API answers with (and the log entry records)."""
    return {
        "backing_ratio": figures.get("ratio"),
        "backing_ratio_display": figures.get("ratio_display"),
        "headroom": figures.get("headroom"),
        "outstanding": figures.get("outstanding"),
        "par_value_outstanding": figures.get("par_outstanding"),
        "reserves": figures.get("reserves"),
    }


def licence_fields(state: LicenceState, log: dict[str, Any] | None = None) -> dict[str, Any]:
    p = state.publication
    return {
        "profile": p.profile,
        "licence_id": p.licence_id,
        "regulator": p.regulator,
        "status": state.verdict,
        "status_label": LABELS[state.verdict],
        "status_reasons": state.reasons,
        **answer_figures(p.figures),
        "attestation_version": p.attestation_version,
        "attestation_status": p.attestation_status,
        "publication_id": p.pk,
        "run_id": p.run_id,
        "published_at": _iso(p.published_at),
        "log": log,
    }


def _indicative(p: Publication | None) -> dict[str, Any] | None:
    """The current indicative headroom beside the verdict (docs/api.md, "Coin"); null when there is none."""
    data = p.indicative if p else {}
    if not data:
        return None
    figures = data["figures"]
    return {
        "label": data["label"],
        "outstanding": figures.get("outstanding"),
        "par_value_outstanding": figures.get("par_outstanding"),
        "reserves": figures.get("reserves"),
        "headroom": figures.get("headroom"),
        "backing_ratio": figures.get("ratio"),
        "backing_ratio_display": figures.get("ratio_display"),
        "blocks": data["blocks"],
        "run_id": data["run"],
    }


def coin_fields(state: CoinState, feeds: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A coin's answer without ``freshness`` and ``links`` (added per request): docs/api.md, "Coin".

    ``feeds`` are the coin's on-chain feeds (reserves.feeds.selectors.feed_rows); each gets the answer
    the coin's publication gives it now, or why the ripcord holds it back.
    """
    coin = state.coin
    p = state.publication
    figures = p.figures if p else {}
    # Each licence's figures with the signed log entry that recorded them (attest/logproofs.py).
    logs = publication_log([s.publication.pk for s in state.licences]) if state.licences else {}
    return {
        "symbol": coin.symbol,
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
            "blocks": p.blocks if p else [],  # as reserves.publish.blocks_of stored them
        },
        "figures_basis": {"basis": state.readings_basis or None, "label": state.basis_label or None},
        "indicative": _indicative(p),
        "reserves": {
            "amount": figures.get("reserves"),
            "attestation_as_of": _iso(p.attestation_as_of) if p else None,
            "attestation_version": p.attestation_version if p else None,
            "attestation_status": state.review_status,
            "attestation_review": state.review_label,
        },
        "open_flags": [
            {k: f[k] for k in ("rule", "profile", "severity", "status", "message", "opened_at")} for f in state.findings
        ],
        "licences": [licence_fields(s, logs.get(s.publication.pk)) for s in state.licences],
        "publication_id": p.pk if p else None,
        "published_at": _iso(p.published_at) if p else None,
        "evaluated_at": _iso(p.evaluated_at) if p else None,
        "run_id": p.run_id if p else None,
        "profile": p.profile if p else None,
        "rulepack_version": (p.rulepack_version or None) if p else None,
        "input_hash": (p.input_hash or None) if p else None,
        "feeds": [_feed(state, f) for f in feeds or []],
    }


def _feed(state: CoinState, row: dict[str, Any]) -> dict[str, Any]:
    answer, held_back = current_answer(state, row["decimals"])
    shown = {k: v for k, v in row.items() if k not in {"symbol", "rpc_url"}}
    return {**shown, "current_answer": None if answer is None else str(answer), "held_back": held_back or None}


def history_point(p: Publication, log_index: int | None = None) -> dict[str, Any]:
    """One publication as a point of the coin's history (docs/api.md, "History point"). ``log_index``: the
    log entry recording it; the head signed with it covers ``log_index + 1`` entries."""
    return {
        "publication_id": p.pk,
        "published_at": _iso(p.published_at),
        "evaluated_at": _iso(p.evaluated_at),
        "profile": p.profile,
        "status": p.verdict,
        "status_reasons": p.reasons,
        **{k: v for k, v in answer_figures(p.figures).items() if k != "backing_ratio_display"},
        "attestation_version": p.attestation_version,
        "attestation_status": p.attestation_status,
        "run_id": p.run_id,
        "freshness": p.freshness,
        "blocks": p.blocks,
        "log_index": log_index,
        "tree_size": None if log_index is None else log_index + 1,
    }


def history_point_text(p: Publication, log_index: int | None = None) -> str:
    return _text(history_point(p, log_index))


def _members(fields: dict[str, Any]) -> str:
    """The object's members without its braces, so a request can append its own."""
    return _text(fields)[1:-1]


def coin_document_refresh(*, stablecoin: Stablecoin) -> bool:
    """Prepare the coin's stored answer from its current publications; True when it changed.

    Called after the coin is published (and by every reconciliation of it, which also catches a
    renamed coin or issuer). Idempotent: an unchanged answer is not written again.
    """
    state = coin_state(symbol=stablecoin.symbol, published_only=False)
    if state is None:
        return False
    reads = [s.publication.read_at for s in state.licences if s.publication.read_at is not None]
    read_at = min(reads) if reads else None
    feeds = feed_rows(stablecoin)
    fresh = _members(coin_fields(state, feeds))
    stale = fresh
    if read_at is not None:
        # The same state as the pages will show it once the chain data is older than the limit.
        later = read_at + timedelta(seconds=int(settings.CHAIN_STALE_AFTER) + 1)
        aged = state_of(state.coin, [s.publication for s in state.licences], now=later)
        stale = _members(coin_fields(aged, feeds))
    headline = state.headline
    row = {
        "body_fresh": fresh,
        "body_stale": stale,
        "read_at": read_at,
        "read_at_text": _iso(read_at) or "",
        "freshness": headline.publication.freshness if headline else "no_data",
        "freshness_reason": headline.publication.freshness_reason if headline else "not yet reconciled",
        "single_source": headline.publication.single_source if headline else "",
        "published_at": headline.publication.published_at if headline else None,
        "run_id": headline.publication.run_id if headline else None,
    }
    digest = hashlib.sha256(_text({k: str(v) for k, v in row.items()}).encode()).hexdigest()
    current = CoinDocument.objects.filter(stablecoin=stablecoin).values_list("digest", flat=True).first()
    if current == digest:
        return False
    CoinDocument.objects.update_or_create(stablecoin=stablecoin, defaults={**row, "digest": digest})
    return True


@dataclass(frozen=True)
class CoinAnswer:
    """One coin's stored answer as of now: ``body`` is the JSON members, ``freshness`` the live object."""

    symbol: str
    body: str
    freshness: dict[str, Any]
    run_id: int | None
    digest: str
    changed_at: int | None  # Unix seconds of the last change: its publication, or its data turning stale


def _answers_sql(*, one: bool) -> str:
    """One statement for every published coin (or one), its stored answer picked in its fresh or stale
    variant, so a list never ships both over the wire; a coin not yet published has no stored answer.

    Plain SQL: building the same query through the ORM costs more than the rest of a coin's answer
    (about 1 ms of query compilation per request; bench/api.py), and instants come back as whole
    seconds because decoding 2,000 time stamps costs more than the list's JSON. The age is
    ``age_seconds``'s (whole seconds, never negative); stale when the age is past the limit, as in
    ``live_freshness``.
    """
    quote = connection.ops.quote_name
    coins, issuers = quote(Stablecoin._meta.db_table), quote(Issuer._meta.db_table)
    documents = quote(CoinDocument._meta.db_table)
    where = "s.published AND s.symbol = %(symbol)s" if one else "s.published"
    if connection.vendor == "postgresql":
        age = "GREATEST(0, floor(extract(epoch FROM %(now)s - d.read_at)))::bigint"
        read_epoch = "floor(extract(epoch FROM d.read_at))::bigint"
        published_epoch = "floor(extract(epoch FROM d.published_at))::bigint"
    else:
        # SQLite (the embedded default) keeps instants as UTC text; julianday() reads them, and the
        # CAST truncates like age_seconds's int() (the difference is never negative past the MAX).
        age = "MAX(0, CAST((julianday(%(now)s) - julianday(d.read_at)) * 86400.0 AS INTEGER))"
        read_epoch = "CAST(strftime('%%s', d.read_at) AS INTEGER)"
        published_epoch = "CAST(strftime('%%s', d.published_at) AS INTEGER)"
    # Only quoted model tables and fixed text are formatted in; every value is a parameter.
    return (
        f"SELECT s.symbol, s.name, i.name, s.currency, s.par_value, {age}, "  # noqa: S608
        f"CASE WHEN {age} > %(limit)s AND d.freshness IN ('fresh', 'degraded') THEN d.body_stale "
        f"ELSE d.body_fresh END, d.read_at_text, {read_epoch}, d.freshness, "
        f"d.freshness_reason, d.single_source, {published_epoch}, d.run_id, d.digest "
        f"FROM {coins} s JOIN {issuers} i ON i.id = s.issuer_id LEFT JOIN {documents} d ON d.stablecoin_id = s.id "
        f"WHERE {where} ORDER BY s.symbol"
    )


def _unpublished_body(symbol: str, name: str, issuer: str, currency: str, par_value: Decimal) -> str:
    """The answer of a coin with nothing published yet: "unverified", not yet reconciled, no figures."""
    coin = Stablecoin(symbol=symbol, name=name, currency=currency, par_value=par_value, issuer=Issuer(name=issuer))
    return _members(coin_fields(CoinState(coin, [])))


def _sqlite_instant(value: datetime) -> str:
    """An instant as SQLite holds Django's: naive UTC text, which julianday() reads."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def coin_answers(*, symbol: str | None = None, now: datetime | None = None) -> list[CoinAnswer]:
    """Every published coin's answer (or one), by symbol, in one query."""
    limit = int(settings.CHAIN_STALE_AFTER)
    instant = now or timezone.now()
    params: dict[str, datetime | int | str | None] = {
        "now": instant if connection.vendor == "postgresql" else _sqlite_instant(instant),
        "limit": limit,
        "symbol": symbol,
    }
    with connection.cursor() as cursor:
        cursor.execute(_answers_sql(one=symbol is not None), params)
        rows = cursor.fetchall()
    answers = []
    for row in rows:
        sym, name, issuer, currency, par, age, body, read_at, read_epoch, stored, why, single = row[:12]
        published, run, digest = row[12:]
        if body is None:
            body = _unpublished_body(sym, name, issuer, currency, Decimal(par))  # text on SQLite
            stored, why, digest = "no_data", "not yet reconciled", hashlib.sha256(body.encode()).hexdigest()
        status, reason = live_freshness(read_at_age=age, max_age=limit, stored=stored, stored_reason=why)
        stale_since = read_epoch + limit if status == "stale" and stored != "stale" else None
        freshness = {
            "status": status,
            "age_seconds": age,
            "read_at": read_at,
            "max_age_seconds": limit,
            "reason": reason,
            "cross_checked": None if status == "no_data" else not single,
            "single_source": single or "",
        }
        changed = max((t for t in (published, stale_since) if t is not None), default=None)
        answers.append(CoinAnswer(sym, body, freshness, run, digest, changed))
    return answers
