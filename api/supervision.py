"""Issuer redemptions and custodian confirmations over the token-authenticated API (docs/supervision.md).

- ``/api/v1/issuer/redemptions/``: GET the issuer's redemptions (``?stablecoin=SYM``); POST a batch as
  JSON ``{"stablecoin", "redemptions": [...]}`` or multipart ``stablecoin`` + ``file`` (CSV).
- ``/api/v1/custodian/confirmations/``: GET the custodian's confirmations; POST one
  ``{"stablecoin", "cut_off", "balances": [{"account", "currency", "amount"}], "signature"?}``.
- ``/api/v1/custodian/confirmations/typed-data/``: POST the same body, get the EIP-712 message to sign.

Errors are ``{"errors": {key: [message]}}`` like the attestation API; amounts are strings.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from api.issuer import ERRORS, FREE_FORM, _Api, _flatten, error_response
from api.issuer_serializers import AmountField
from attest.confirmations import (
    BalanceInput,
    confirmation_payload,
    confirmation_typed_data,
    custodian_membership,
    stablecoins_confirmable_by,
)
from attest.models import CustodianConfirmation, Redemption, Role, Stablecoin
from attest.redemptions import RedemptionInput, redemptions_from_csv
from attest.selectors import stablecoins_attestable_by, user_role
from attest.signing import payload_sha256
from jobs.workflows import confirmation_submit, redemptions_report


class IsIssuerStaff(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return user_role(request.user) == Role.ISSUER


class IsCustodian(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return user_role(request.user) == Role.CUSTODIAN


class RedemptionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    request_id = serializers.CharField(max_length=100, help_text="the issuer's own reference, unique per coin")
    received_at = serializers.DateTimeField(help_text="when the request was received, ISO 8601 with an offset")
    amount = AmountField(help_text="tokens to redeem, a decimal string")
    settled_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="when it was paid out; null while open"
    )
    fee = AmountField(
        required=False, allow_null=True, default=None, help_text="the fee charged in the coin's currency, or null"
    )


def redemption_json(r: Redemption) -> dict[str, Any]:
    return {
        "stablecoin": r.stablecoin.symbol,
        "request_id": r.request_id,
        "received_at": r.received_at.isoformat(),
        "amount": format(r.amount, "f"),
        "settled_at": r.settled_at.isoformat() if r.settled_at else None,
        "fee": None if r.fee is None else format(r.fee, "f"),
    }


class RedemptionOutputSerializer(RedemptionSerializer):
    stablecoin = serializers.CharField(help_text="the coin's symbol")


class RedemptionBatchSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stablecoin = serializers.CharField(help_text="the coin's symbol")
    redemptions = RedemptionSerializer(many=True, help_text="the batch, recorded all or nothing")


class RedemptionsApi(_Api):
    permission_classes = [IsAuthenticated, IsIssuerStaff]
    parser_classes = [JSONParser, MultiPartParser]

    @extend_schema(
        summary="Redemptions the issuer reported, newest first (``?stablecoin=SYMBOL`` for one coin)",
        responses={200: RedemptionOutputSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        rows = Redemption.objects.filter(stablecoin__in=stablecoins_attestable_by(request.user)).select_related(
            "stablecoin"
        )
        if symbol := request.query_params.get("stablecoin"):
            rows = rows.filter(stablecoin__symbol=symbol)
        return Response([redemption_json(r) for r in rows[:1000]])

    @extend_schema(
        summary="Report a batch of redemptions (JSON, or multipart with a CSV file), all or nothing",
        request=RedemptionBatchSerializer,
        responses={201: FREE_FORM, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        coin = stablecoins_attestable_by(request.user).filter(symbol=request.data.get("stablecoin", "")).first()
        if coin is None:
            return error_response({"stablecoin": ["No such stablecoin of your issuer."]})
        if "file" in request.FILES:
            rows = redemptions_from_csv(request.FILES["file"].read())
        else:
            serializer = RedemptionSerializer(data=request.data.get("redemptions"), many=True)
            if not serializer.is_valid():
                return error_response(_flatten({"redemptions": serializer.errors}))
            rows = [RedemptionInput(**r) for r in serializer.validated_data]
        counts = redemptions_report(user=request.user, stablecoin=coin, rows=rows)
        return Response(counts, status=status.HTTP_201_CREATED)


class BalanceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    account = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100, help_text="the account at the custodian"
    )
    currency = serializers.CharField(max_length=3, help_text="ISO 4217 currency of the balance")
    amount = AmountField(help_text="the balance at the cut-off, a decimal string")


class ConfirmationSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stablecoin = serializers.CharField(help_text="symbol of the coin whose reserves the custodian holds")
    cut_off = serializers.DateTimeField(help_text="the instant the balances are confirmed at")
    balances = BalanceSerializer(many=True, help_text="every account's balance at the cut-off")
    signature = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="optional EIP-712 signature of the typed data"
    )


def _confirmation_args(request: Request) -> tuple[Stablecoin, dict[str, Any]]:
    serializer = ConfirmationSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    coin = stablecoins_confirmable_by(request.user).filter(symbol=data["stablecoin"]).first()
    if coin is None:
        raise serializers.ValidationError({"stablecoin": ["No filed statement of this coin names your institution."]})
    balances = [BalanceInput(b["currency"].upper(), b["amount"], b["account"].strip()) for b in data["balances"]]
    return coin, {"cut_off": data["cut_off"], "balances": balances, "signature": data["signature"]}


def confirmation_json(c: CustodianConfirmation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "stablecoin": c.stablecoin.symbol,
        "custodian": c.custodian,
        "cut_off": c.cut_off.isoformat(),
        "payload_sha256": c.payload_sha256,
        "signer_address": c.signer_address,
        "balances": [
            {"account": b.account, "currency": b.currency, "amount": format(b.amount, "f")} for b in c.balances.all()
        ],
    }


CONFIRMATION_LIST = OpenApiResponse(
    build_array_type(build_basic_type(OpenApiTypes.OBJECT) or {}), description="the confirmations, newest first"
)


class ConfirmationsApi(_Api):
    permission_classes = [IsAuthenticated, IsCustodian]

    @extend_schema(summary="The custodian's confirmations", responses={200: CONFIRMATION_LIST, **ERRORS})
    def get(self, request: Request) -> Response:
        rows = CustodianConfirmation.objects.filter(confirmed_by_id=request.user.pk).select_related("stablecoin")
        return Response([confirmation_json(c) for c in rows.prefetch_related("balances")[:1000]])

    @extend_schema(
        summary="Confirm balances at a cut-off", request=ConfirmationSerializer, responses={201: FREE_FORM, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        coin, args = _confirmation_args(request)
        confirmation = confirmation_submit(user=request.user, stablecoin=coin, **args)
        return Response(confirmation_json(confirmation), status=status.HTTP_201_CREATED)


class ConfirmationTypedDataApi(_Api):
    permission_classes = [IsAuthenticated, IsCustodian]

    @extend_schema(
        summary="The EIP-712 typed data to sign for a confirmation",
        request=ConfirmationSerializer,
        responses={200: FREE_FORM, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        coin, args = _confirmation_args(request)
        membership = custodian_membership(request.user)
        payload = confirmation_payload(
            stablecoin=coin, custodian=membership.custodian_name, cut_off=args["cut_off"], balances=args["balances"]
        )
        return Response(
            {
                "payload": payload,
                "payload_sha256": payload_sha256(payload),
                "typed_data": confirmation_typed_data(payload),
            }
        )
