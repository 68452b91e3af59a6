"""Per-coin resources: the list, one coin, its history, supply, attestations and runs."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime

from django.db.models import BigIntegerField
from django.db.models.functions import Cast, Extract, Floor
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from api.http import ERROR_RESPONSES, FORMAT_PARAMETER, TABLE_RENDERERS, CachedApiView, Pagination, RawJSON
from api.serializers import (
    AttestationSerializer,
    HistoryPointSerializer,
    RunSummarySerializer,
    StablecoinSerializer,
    SupplySerializer,
)
from attest.models import Profile, Stablecoin
from attest.parsing import as_utc, parse_date, parse_instant, shown
from reserves import selectors as api_selectors
from reserves.documents import CoinAnswer, coin_answers
from reserves.readmodel import coin_state, publication_history, supply_table

# Cache-Control TTLs, each with its reason (docs/api.md, "Caching"):
# Current figures change when supply is read (every SUPPLY_READ_INTERVAL, 30 s by default) and the
# coin is reconciled; 15 s keeps a cached copy at most half a read interval behind, and bounds the
# error of a cached age_seconds to 15 s.
CURRENT_TTL = 15
# History and attestations grow by a point per reconciliation or a version per filing; a chart or a
# document list a minute behind is fine, and a minute saves most repeat work.
LISTING_TTL = 60

SYMBOL = OpenApiParameter("symbol", str, OpenApiParameter.PATH, description="the coin's ticker, e.g. USDX")


def _last_modified(answers: list[CoinAnswer]) -> datetime | None:
    """The newest instant the answer depends on, including the moment the data turned stale."""
    changed = max((a.changed_at for a in answers if a.changed_at is not None), default=None)
    return None if changed is None else datetime.fromtimestamp(changed, tz=UTC)


def _etag_basis(answers: list[CoinAnswer]) -> str:
    """What the answer says, without reading it again: each stored answer's digest and its live state."""
    return "\n".join(f"{a.digest}:{a.freshness['status']}" for a in answers)


@functools.cache
def _url_prefixes() -> tuple[str, str]:
    """The coin and run URL prefixes, resolved once: reversing six URLs per coin of a 1,000-coin list
    would cost more than the rest of the answer."""
    return reverse("api-stablecoin-list"), reverse("api-run-detail", args=[0]).removesuffix("0/")


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(int(value))


def _json_bool(value: bool | None) -> str:
    return "null" if value is None else ("true" if value else "false")


def _json_text(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def _coin_text(answer: CoinAnswer) -> str:
    """One coin's JSON: its prepared members, plus the live freshness and the links."""
    coins, runs = _url_prefixes()
    symbol, run = answer.symbol, answer.run_id  # a symbol is [A-Z0-9]{2,16}: nothing to escape
    run_links = f'"run":"{runs}{run}/","bundle":"{runs}{run}/bundle/"' if run else '"run":null,"bundle":null'
    links = (
        f'{{"history":"{coins}{symbol}/history/","supply":"{coins}{symbol}/supply/",'
        f'"attestations":"{coins}{symbol}/attestations/","runs":"{coins}{symbol}/runs/",{run_links}}}'
    )
    f = answer.freshness
    # Written out rather than json.dumps'd: a 1,000-coin list would spend more on 1,000 small dumps.
    freshness = (
        f'{{"status":"{f["status"]}","age_seconds":{_json_int(f["age_seconds"])},'
        f'"read_at":{_json_text(f["read_at"])},"max_age_seconds":{f["max_age_seconds"]},'
        f'"reason":{_json_text(f["reason"])},"cross_checked":{_json_bool(f["cross_checked"])},'
        f'"single_source":{_json_text(f["single_source"])}}}'
    )
    return f'{{{answer.body},"freshness":{freshness},"links":{links}}}'


def _coin_or_404(symbol: str) -> Stablecoin:
    coin = api_selectors.coin_public(symbol=symbol)
    if coin is None:
        raise exceptions.NotFound(f"no published stablecoin {symbol!r}")
    return coin


class StablecoinListApi(CachedApiView):
    """Every published coin with its current publication: verdict, figures, provenance and freshness."""

    renderer_classes = TABLE_RENDERERS
    cache_seconds = CURRENT_TTL

    @extend_schema(
        summary="All published stablecoins",
        parameters=[FORMAT_PARAMETER],
        responses={200: StablecoinSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request) -> Response:
        answers = coin_answers()
        self.last_modified = _last_modified(answers)
        self.etag_basis = _etag_basis(answers)
        return Response(RawJSON("[" + ",".join(_coin_text(a) for a in answers) + "]"))


class StablecoinDetailApi(CachedApiView):
    """One coin: verdict with its reasons, each licence's answer, figures, findings, blocks and freshness."""

    cache_seconds = CURRENT_TTL

    @extend_schema(
        summary="One stablecoin", parameters=[SYMBOL], responses={200: StablecoinSerializer, **ERROR_RESPONSES}
    )
    def get(self, request: Request, symbol: str) -> Response:
        answers = coin_answers(symbol=symbol.upper())
        if not answers:
            raise exceptions.NotFound(f"no published stablecoin {symbol!r}")
        self.last_modified = _last_modified(answers)
        self.etag_basis = _etag_basis(answers)
        return Response(RawJSON(_coin_text(answers[0])))


def _instant(request: Request, name: str, *, end: bool) -> datetime | None:
    """A date-time or a whole day, parsed as every other input is (attest/parsing.py), in UTC."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        if len(raw.strip()) == len("YYYY-MM-DD"):
            day = parse_date(raw)
            return datetime.combine(day, datetime.max.time() if end else datetime.min.time(), tzinfo=UTC)
        return as_utc(parse_instant(raw))
    except ValueError as exc:
        raise exceptions.ValidationError({name: [f"expected an ISO 8601 date or date-time: {exc}"]}) from None


def _profile(request: Request) -> str | None:
    profile = request.query_params.get("profile")
    if profile is None or profile == "":
        return None
    if profile not in Profile.values:
        raise exceptions.ValidationError({"profile": [f"{shown(profile)} is not one of: {', '.join(Profile.values)}"]})
    return profile


INSTANT_HELP = (
    "ISO 8601 date or date-time (UTC when no offset), years 1900 to 2999, offset within ±14:00 (else 400); "
    "a date means the whole day"
)


class StablecoinHistoryApi(CachedApiView):
    """What was published about the coin over time, one point per publication, oldest first."""

    renderer_classes = TABLE_RENDERERS
    pagination_class = Pagination
    cache_seconds = LISTING_TTL

    @extend_schema(
        summary="Ratio, outstanding and reserves over time",
        parameters=[
            SYMBOL,
            OpenApiParameter("from", OpenApiTypes.DATETIME, description=f"first instant included; {INSTANT_HELP}"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description=f"last instant included; {INSTANT_HELP}"),
            OpenApiParameter(
                "profile",
                str,
                enum=Profile.values,
                description="only publications under this licence profile (HK, US_GENIUS, ...)",
            ),
            FORMAT_PARAMETER,
        ],
        responses={200: HistoryPointSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        since = _instant(request, "from", end=False)
        until = _instant(request, "to", end=True)
        coin = _coin_or_404(symbol)
        profile = _profile(request)
        # Tuples, and the instant as whole seconds: a year of points as model instances with decoded
        # time stamps costs more than the rest of the answer (bench/api.py).
        rows = publication_history(stablecoin=coin, since=since, until=until, profile=profile).values_list(
            "pk", "point", Cast(Floor(Extract("published_at", "epoch")), BigIntegerField())
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, view=self) or []
        newest = max((at for _, _, at in page), default=None)
        self.last_modified = None if newest is None else datetime.fromtimestamp(newest, tz=UTC)
        self.etag_basis = f"{paginator.count}:" + ",".join(str(pk) for pk, _, _ in page)
        return paginator.get_prepared_response([point for _, point, _ in page])


class StablecoinSupplyApi(CachedApiView):
    """Supply per chain and bucket: the readings behind the coin's published outstanding, each with its block."""

    renderer_classes = TABLE_RENDERERS
    cache_seconds = CURRENT_TTL

    @extend_schema(
        summary="On-chain supply per chain and bucket",
        parameters=[SYMBOL, FORMAT_PARAMETER],
        responses={200: SupplySerializer, **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        state = coin_state(symbol=_coin_or_404(symbol).symbol, published_only=True)
        assert state is not None  # published: _coin_or_404 found it
        coin = state.coin
        table = supply_table(state=state)
        self.last_modified = table.last_read
        data = {"symbol": coin.symbol, "freshness": table.freshness, "results": table.rows}
        return Response(SupplySerializer(data).data)


class StablecoinAttestationsApi(CachedApiView):
    """Published attestation versions, newest first, with the report's hash and signatures."""

    renderer_classes = TABLE_RENDERERS
    pagination_class = Pagination
    cache_seconds = LISTING_TTL

    @extend_schema(
        summary="Published attestations",
        parameters=[SYMBOL, FORMAT_PARAMETER],
        responses={200: AttestationSerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        coin = _coin_or_404(symbol)
        paginator = Pagination()
        page = paginator.paginate_queryset(api_selectors.attestations_published(stablecoin=coin), request, view=self)
        items = [api_selectors.attestation_public(a) for a in page or []]
        self.last_modified = max((a.submitted_at for a in items if a.submitted_at), default=None)
        return paginator.get_paginated_response(AttestationSerializer(items, many=True).data)


class StablecoinRunsApi(CachedApiView):
    """The coin's reconciliation runs, newest first (without inputs: see each run)."""

    renderer_classes = TABLE_RENDERERS
    pagination_class = Pagination
    cache_seconds = LISTING_TTL

    @extend_schema(
        summary="Reconciliation runs of a coin",
        parameters=[SYMBOL, FORMAT_PARAMETER],
        responses={200: RunSummarySerializer(many=True), **ERROR_RESPONSES},
    )
    def get(self, request: Request, symbol: str) -> Response:
        coin = _coin_or_404(symbol)
        paginator = Pagination()
        page = paginator.paginate_queryset(api_selectors.run_list(stablecoin=coin), request, view=self) or []
        self.last_modified = max((r.created_at for r in page), default=None)
        return paginator.get_paginated_response(RunSummarySerializer(page, many=True).data)
