"""The public reserve API (read-only, anonymous)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reserves.selectors import coin_summaries


def amount_field(source: str, help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=40, decimal_places=18, source=source, allow_null=True, help_text=help_text
    )


class BlockSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = serializers.IntegerField()
    block_number = serializers.IntegerField()
    block_hash = serializers.CharField(help_text="0x-prefixed hash of the block the figure was read at")
    block_time = serializers.DateTimeField()


class OutstandingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    amount = amount_field("run.outstanding", "tokens, after deductions")
    par_value_amount = amount_field("run.par_outstanding", "outstanding x par value, in the reference currency")
    blocks = BlockSerializer(many=True, help_text="the pinned blocks the amount was read at")


class ReservesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    amount = amount_field("run.reserves", "attested reserves in the reference currency")
    attestation_as_of = serializers.DateTimeField(source="attestation.as_of", allow_null=True)
    attestation_version = serializers.IntegerField(source="attestation.version", allow_null=True)


class FlagSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rule = serializers.CharField()
    profile = serializers.CharField()
    severity = serializers.CharField()
    status = serializers.CharField()
    message = serializers.CharField()
    opened_at = serializers.DateTimeField()


class FreshnessSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.CharField(help_text="fresh, stale (chain data older than CHAIN_STALE_AFTER) or no_data")
    age_seconds = serializers.IntegerField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)


class StablecoinSerializer(serializers.Serializer):  # type: ignore[type-arg]
    symbol = serializers.CharField(source="coin.symbol")
    name = serializers.CharField(source="coin.name")
    issuer = serializers.CharField(source="coin.issuer.name")
    currency = serializers.CharField(source="coin.currency")
    par_value = serializers.DecimalField(source="coin.par_value", max_digits=20, decimal_places=6)
    status = serializers.CharField(help_text="backed, under_collateralised, no_attestation, no_supply or no_run")
    backing_ratio = serializers.DecimalField(
        max_digits=30,
        decimal_places=12,
        source="run.ratio",
        allow_null=True,
        help_text="eligible reserves / par value outstanding, cut to 12 places",
    )
    backing_ratio_display = serializers.CharField(
        source="run.ratio_display",
        allow_null=True,
        help_text="the backing ratio cut (never rounded up) to 4 places, for display; compare with backing_ratio",
    )
    headroom = amount_field("run.headroom", "reserves - par value outstanding (negative: shortfall)")
    outstanding = OutstandingSerializer(source="*")
    reserves = ReservesSerializer(source="*")
    open_flags = FlagSerializer(source="flags", many=True)
    freshness = FreshnessSerializer()
    run_id = serializers.IntegerField(source="run.pk", allow_null=True)
    computed_at = serializers.DateTimeField(source="run.created_at", allow_null=True)


class StablecoinListApi(APIView):
    @extend_schema(responses=StablecoinSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(StablecoinSerializer(coin_summaries(published_only=True), many=True).data)


class StablecoinDetailApi(APIView):
    @extend_schema(responses=StablecoinSerializer)
    def get(self, request: Request, symbol: str) -> Response:
        found = coin_summaries(published_only=True, symbol=symbol.upper())
        if not found:
            raise Http404(f"no published stablecoin {symbol}")
        return Response(StablecoinSerializer(found[0]).data)
