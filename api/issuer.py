"""The issuer API under /api/v1/issuer/: everything the form does, with token authentication.

Error bodies are ``{"errors": {key: [message, ...]}}`` with the same keys and messages as the form
(attest/validation.py): ``as_of``, ``holdings.2.market_value``, ``issuer_figures.0.chain_id``, ``__all__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from attest.csvimport import holdings_from_csv
from attest.evidence import attestation_document_attach, attestation_sign
from attest.models import Attestation, Role, Stablecoin
from attest.parsing import TEXT_MAX_CHARS, as_utc, parse_amount, parse_date, parse_instant, parse_integer, shown
from attest.selectors import attestations_visible_to, user_role
from attest.services import (
    attestation_amend,
    attestation_create,
    attestation_holdings_add,
    attestation_update,
    errors_as_dict,
)
from attest.signing import attestation_bundle, attestation_payload, payload_sha256, typed_data
from attest.validation import (
    CHAIN_ID_MAX,
    HOLDING_FIELDS,
    MAX_HOLDINGS,
    MAX_ISSUER_FIGURES,
    AttestationDetails,
    HoldingInput,
    IssuerFigureInput,
    time_zones,
)
from jobs.workflows import attestation_submit


def _parsed(parse: Callable[[str], Any], data: Any, what: str) -> Any:
    if not isinstance(data, str):
        raise serializers.ValidationError(f"Send {what} as a string.")
    try:
        return parse(data)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


# The fields below parse with attest/parsing.py, as the form and the CSV import do: the same text
# is accepted or refused alike everywhere (DRF's own fields take fullwidth digits, NaN and exponents).
class AmountField(serializers.Field):  # type: ignore[type-arg]
    """A decimal amount sent as a JSON string: a JSON number would have passed through a float."""

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            raise serializers.ValidationError('Send amounts as strings, e.g. "1800000.00".')
        amount: Decimal = _parsed(parse_amount, data, "amounts")
        return amount

    def to_representation(self, value: Any) -> str:
        return format(value, "f")


class DayField(serializers.Field):  # type: ignore[type-arg]
    """A date, "YYYY-MM-DD"."""

    def to_internal_value(self, data: Any) -> date:
        day: date = _parsed(parse_date, data, "dates")
        return day

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


class InstantField(serializers.Field):  # type: ignore[type-arg]
    """An ISO 8601 date-time; UTC when it has no offset."""

    def to_internal_value(self, data: Any) -> datetime:
        return as_utc(_parsed(parse_instant, data, "date-times"))

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


class ChainIdField(serializers.Field):  # type: ignore[type-arg]
    """A chain id: a JSON whole number, or one written in ASCII digits."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            raise serializers.ValidationError("A chain id is a whole number.")
        value: int = data if isinstance(data, int) else _parsed(parse_integer, data, "chain ids")
        if not 0 < value <= CHAIN_ID_MAX:
            raise serializers.ValidationError(f"A chain id is a whole number from 1 to {CHAIN_ID_MAX}.")
        return value

    def to_representation(self, value: Any) -> int:
        return int(value)


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested serializer errors as the flat keys the form uses."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            if key == "non_field_errors":  # about the whole: "__all__" at the top, else the list's own key
                flat.update(_flatten(value, prefix or "__all__."))
            else:
                flat.update(_flatten(value, f"{prefix}{key}."))
    elif isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        for i, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}{i}."))
    elif isinstance(errors, list):
        flat[prefix.rstrip(".")] = [str(e) for e in errors]
    else:
        flat[prefix.rstrip(".")] = [str(errors)]
    return flat


def error_response(errors: dict[str, list[str]], code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({"errors": errors}, status=code)


class HoldingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    asset_class = serializers.CharField()
    custodian = serializers.CharField()
    currency = serializers.CharField(max_length=3)
    market_value = AmountField()
    instrument_id = serializers.CharField(required=False, allow_blank=True, default="")
    instrument_issuer = serializers.CharField(required=False, allow_blank=True, default="")
    custodian_type = serializers.CharField(required=False, allow_blank=True, default="")
    custodian_country = serializers.CharField(required=False, allow_blank=True, default="", max_length=2)
    account_type = serializers.CharField(required=False, allow_blank=True, default="")
    face_value = AmountField(required=False, allow_null=True, default=None)
    fx_rate = AmountField(required=False, allow_null=True, default=None)
    regulator_approval_ref = serializers.CharField(required=False, allow_blank=True, default="")
    valuation_method = serializers.CharField(required=False, default="market")
    issue_date = DayField(required=False, allow_null=True, default=None)
    acquisition_date = DayField(required=False, allow_null=True, default=None)
    maturity_date = DayField(required=False, allow_null=True, default=None)
    segregated = serializers.BooleanField(required=False, default=True)
    encumbered = serializers.BooleanField(required=False, default=False)
    encumbrance_description = serializers.CharField(required=False, allow_blank=True, default="")
    repo_counterparty = serializers.CharField(required=False, allow_blank=True, default="")
    repo_collateral_type = serializers.CharField(required=False, allow_blank=True, default="")
    repo_collateral_value = AmountField(required=False, allow_null=True, default=None)
    mmf_is_government = serializers.BooleanField(required=False, allow_null=True, default=None)
    mmf_invests_solely_in_eligible = serializers.BooleanField(required=False, allow_null=True, default=None)


def _holding(data: dict[str, Any]) -> HoldingInput:
    values = {name: data[name] for name in HOLDING_FIELDS}
    values["currency"] = values["currency"].upper()
    values["custodian_country"] = values["custodian_country"].upper()
    return HoldingInput(**values)


class IssuerFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = ChainIdField()
    outstanding = AmountField()


class IsMember(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return user_role(request.user) in {Role.ISSUER, Role.AUDITOR, Role.REGULATOR}


class _Api(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated, IsMember]

    def visible(self, pk: int) -> Attestation:
        return get_object_or_404(attestations_visible_to(self.request.user), pk=pk)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ValidationError):
            return error_response(errors_as_dict(exc))
        if isinstance(exc, serializers.ValidationError):
            return error_response(_flatten(exc.detail))
        return super().handle_exception(exc)


class AttestationInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stablecoin = serializers.CharField(max_length=16, help_text="the coin's symbol")
    report_type = serializers.CharField(default="attestation")
    as_of = serializers.CharField(help_text="ISO 8601; without an offset it is read in as_of_timezone")
    as_of_timezone = serializers.CharField(default="UTC")
    period_start = DayField(required=False, allow_null=True, default=None)
    period_end = DayField(required=False, allow_null=True, default=None)
    assurer_name = serializers.CharField(required=False, allow_blank=True, default="")
    assurer_registration = serializers.CharField(required=False, allow_blank=True, default="")
    auditor = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=150, help_text="auditor's username"
    )
    standard = serializers.CharField(required=False, allow_blank=True, default="")
    engagement_type = serializers.CharField(required=False, allow_blank=True, default="")
    assurance_level = serializers.CharField(required=False, allow_blank=True, default="")
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    report_signed_at = InstantField(required=False, allow_null=True, default=None)
    stated_total_reserves = AmountField(required=False, allow_null=True, default=None)
    pays_holder_interest = serializers.BooleanField(required=False, allow_null=True, default=None)
    ceo_name = serializers.CharField(required=False, allow_blank=True, default="")
    ceo_certified_at = InstantField(required=False, allow_null=True, default=None)
    cfo_name = serializers.CharField(required=False, allow_blank=True, default="")
    cfo_certified_at = InstantField(required=False, allow_null=True, default=None)
    holdings: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=HoldingSerializer(), required=False, default=list, max_length=MAX_HOLDINGS
    )
    issuer_figures: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=IssuerFigureSerializer(), required=False, default=list, max_length=MAX_ISSUER_FIGURES
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["as_of_timezone"] not in time_zones():
            message = f"{shown(attrs['as_of_timezone'])} is not a time zone."
            raise serializers.ValidationError({"as_of_timezone": message})
        try:
            as_of = parse_instant(attrs["as_of"])
        except ValueError as exc:
            raise serializers.ValidationError({"as_of": str(exc)}) from None
        attrs["as_of"] = as_of if as_of.tzinfo else as_of.replace(tzinfo=ZoneInfo(attrs["as_of_timezone"]))
        return attrs


def _service_args(data: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    auditor_id = None
    if data["auditor"]:
        auditor = get_user_model().objects.filter(username=data["auditor"]).first()
        if auditor is None:
            raise ValidationError({"auditor": [f"No user {shown(data['auditor'])}."]})
        auditor_id = auditor.pk
    names = [n for n in AttestationDetails.__dataclass_fields__ if n != "auditor_id"]
    return {
        "as_of": data["as_of"],
        "as_of_timezone": data["as_of_timezone"],
        "report_type": data["report_type"],
        "details": AttestationDetails(**{n: data[n] for n in names}, auditor_id=auditor_id),
        "holdings": [_holding(h) for h in data["holdings"]],
        "issuer_figures": [IssuerFigureInput(f["chain_id"], f["outstanding"]) for f in data["issuer_figures"]],
    }


def _output(attestation: Attestation) -> dict[str, Any]:
    payload = attestation_payload(attestation)
    return {
        "id": attestation.pk,
        "status": attestation.status,
        "supersedes": attestation.supersedes_id,
        "payload_sha256": payload_sha256(payload),
        "signatures": [{"role": s.role, "address": s.signer_address} for s in attestation.signatures.all()],
        "payload": payload,
    }


class AttestationListCreateApi(_Api):
    InputSerializer = AttestationInputSerializer

    def get(self, request: Request) -> Response:
        rows = attestations_visible_to(request.user).order_by("-created_at")
        return Response(
            [{"id": a.pk, "stablecoin": a.stablecoin.symbol, "version": a.version, "status": a.status} for a in rows]
        )

    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        coin = Stablecoin.objects.filter(symbol=serializer.validated_data["stablecoin"]).first()
        if coin is None:
            return error_response({"stablecoin": ["No such stablecoin."]})
        attestation = attestation_create(user=request.user, stablecoin=coin, **_service_args(serializer.validated_data))
        return Response(_output(attestation), status=status.HTTP_201_CREATED)


class AttestationDetailApi(_Api):
    InputSerializer = AttestationInputSerializer

    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(self.visible(pk)))

    def put(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        if not isinstance(request.data, Mapping):
            return error_response({"__all__": ["Send the attestation as a JSON object."]})
        serializer = self.InputSerializer(data={**request.data, "stablecoin": attestation.stablecoin.symbol})
        serializer.is_valid(raise_exception=True)
        attestation = attestation_update(
            user=request.user, attestation=attestation, **_service_args(serializer.validated_data)
        )
        return Response(_output(attestation))


class AttestationHoldingsAddApi(_Api):
    """POST a JSON list of holdings, or a multipart `file` holding a CSV of them."""

    parser_classes = [JSONParser, MultiPartParser]

    def post(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        if "file" in request.FILES:
            holdings = holdings_from_csv(request.FILES["file"].read())
        else:
            serializer: serializers.ListSerializer[Any] = serializers.ListSerializer(
                child=HoldingSerializer(), data=request.data, max_length=MAX_HOLDINGS
            )
            if not serializer.is_valid():
                return error_response(_flatten({"holdings": serializer.errors}))
            holdings = [_holding(h) for h in serializer.validated_data]
        created = attestation_holdings_add(user=request.user, attestation=attestation, holdings=holdings)
        return Response({"lines": [h.line for h in created]}, status=status.HTTP_201_CREATED)


class AttestationDocumentApi(_Api):
    """PUT the accountant's report as a multipart `file`."""

    parser_classes = [MultiPartParser]

    def put(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        upload = request.FILES.get("file")
        if upload is None:
            return error_response({"document": ["Send the PDF as a multipart field named file."]})
        attestation = attestation_document_attach(user=request.user, attestation=attestation, content=upload.read())
        return Response({"document_sha256": attestation.document_sha256})


class AttestationTypedDataApi(_Api):
    def get(self, request: Request, pk: int) -> Response:
        return Response(typed_data(attestation_payload(self.visible(pk))))


class AttestationSignApi(_Api):
    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        signature = serializers.CharField(max_length=200)

    def post(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = attestation_sign(
            user=request.user, attestation=attestation, signature=serializer.validated_data["signature"]
        )
        return Response({"role": record.role, "address": record.signer_address}, status=status.HTTP_201_CREATED)


class AttestationSubmitApi(_Api):
    def post(self, request: Request, pk: int) -> Response:
        attestation = attestation_submit(user=request.user, attestation=self.visible(pk))
        return Response(_output(attestation))


class AttestationAmendApi(_Api):
    class InputSerializer(serializers.Serializer):  # type: ignore[type-arg]
        reason = serializers.CharField(max_length=TEXT_MAX_CHARS)

    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amended = attestation_amend(
            user=request.user, attestation=self.visible(pk), reason=serializer.validated_data["reason"]
        )
        return Response(_output(amended), status=status.HTTP_201_CREATED)


class AttestationBundleApi(_Api):
    def get(self, request: Request, pk: int) -> Response:
        return Response(attestation_bundle(self.visible(pk)))
