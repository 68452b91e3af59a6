"""The issuer API under /api/v1/issuer/: everything the form does, with token authentication.

Error bodies are ``{"errors": {key: [message, ...]}}`` with the same keys and messages as the form
(attest/validation.py): ``as_of``, ``holdings.2.market_value``, ``issuer_figures.0.chain_id``, ``__all__``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.auth import ExpiringTokenAuthentication
from api.errors import ErrorSerializer
from api.issuer_serializers import (
    AmendInputSerializer,
    AttestationInputSerializer,
    AttestationOutputSerializer,
    AttestationSummarySerializer,
    DocumentOutputSerializer,
    FieldErrorsSerializer,
    FileUploadSerializer,
    HoldingSerializer,
    LinesSerializer,
    SignatureInputSerializer,
    SignatureSummarySerializer,
)
from attest.csvimport import holdings_from_csv
from attest.evidence import attestation_document_attach, attestation_sign
from attest.models import Attestation, Role, Stablecoin
from attest.selectors import attestations_visible_to, user_role
from attest.services import (
    attestation_amend,
    attestation_create,
    attestation_holdings_add,
    attestation_update,
    errors_as_dict,
)
from attest.signing import attestation_bundle, attestation_payload, payload_sha256, typed_data
from attest.validation import HOLDING_FIELDS, MAX_HOLDINGS, AttestationDetails, HoldingInput, IssuerFigureInput
from jobs.workflows import attestation_submit


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


def _holding(data: dict[str, Any]) -> HoldingInput:
    values = {name: data[name] for name in HOLDING_FIELDS}
    values["currency"] = values["currency"].upper()
    values["custodian_country"] = values["custodian_country"].upper()
    return HoldingInput(**values)


class IsMember(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return user_role(request.user) in {Role.ISSUER, Role.AUDITOR, Role.REGULATOR}


class _Api(APIView):
    authentication_classes = [ExpiringTokenAuthentication]
    permission_classes = [IsAuthenticated, IsMember]

    def visible(self, pk: int) -> Attestation:
        return get_object_or_404(attestations_visible_to(self.request.user), pk=pk)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ValidationError):
            return error_response(errors_as_dict(exc))
        if isinstance(exc, serializers.ValidationError):
            return error_response(_flatten(exc.detail))
        if isinstance(exc, exceptions.ParseError):  # a body that is not JSON: a 400 like any other
            return error_response({"__all__": [str(exc.detail)]})
        return super().handle_exception(exc)


# Every answer but a success: 400 with the form's keys, the rest in the public API's error body.
ERRORS: dict[int, OpenApiResponse] = {
    400: OpenApiResponse(FieldErrorsSerializer, description="the input is invalid: messages per field"),
    401: OpenApiResponse(ErrorSerializer, description="no valid token"),
    403: OpenApiResponse(ErrorSerializer, description="the user may not do this"),
    404: OpenApiResponse(ErrorSerializer, description="no such attestation visible to the user"),
    405: OpenApiResponse(ErrorSerializer, description="method not allowed"),
    406: OpenApiResponse(ErrorSerializer, description="the requested format cannot be produced"),
    415: OpenApiResponse(ErrorSerializer, description="unsupported media type"),
    429: OpenApiResponse(ErrorSerializer, description="too many requests"),
}
FREE_FORM = OpenApiResponse(OpenApiTypes.OBJECT, description="a JSON object (docs/attestations.md)")


def _service_args(data: dict[str, Any]) -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    auditor_id = None
    if data["auditor"]:
        auditor = get_user_model().objects.filter(username=data["auditor"], membership__role=Role.AUDITOR).first()
        if auditor is None:
            # The same words as for a user who is no auditor (attest/services.py): no way to learn usernames.
            raise ValidationError({"auditor": ["Choose a registered auditor."]})
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

    @extend_schema(
        summary="Attestations visible to the user", responses={200: AttestationSummarySerializer(many=True), **ERRORS}
    )
    def get(self, request: Request) -> Response:
        rows = attestations_visible_to(request.user).order_by("-created_at")
        return Response(
            [{"id": a.pk, "stablecoin": a.stablecoin.symbol, "version": a.version, "status": a.status} for a in rows]
        )

    @extend_schema(
        summary="Create a draft",
        request=AttestationInputSerializer,
        responses={201: AttestationOutputSerializer, **ERRORS},
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

    @extend_schema(summary="One attestation", responses={200: AttestationOutputSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(_output(self.visible(pk)))

    @extend_schema(
        summary="Replace a draft's contents (its stablecoin stays)",
        request=AttestationInputSerializer,
        responses={200: AttestationOutputSerializer, **ERRORS},
    )
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

    @extend_schema(
        summary="Add holding lines to a draft",
        request={
            "application/json": serializers.ListSerializer(
                child=HoldingSerializer(), allow_empty=False, max_length=MAX_HOLDINGS
            ),
            "multipart/form-data": FileUploadSerializer,
        },
        responses={201: LinesSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        if "file" in request.FILES:
            holdings = holdings_from_csv(request.FILES["file"].read())
        elif not isinstance(request.data, list):
            return error_response(
                {"holdings": ["Send a JSON list of holdings, or a CSV as a multipart field named file."]}
            )
        else:
            serializer: serializers.ListSerializer[Any] = serializers.ListSerializer(
                child=HoldingSerializer(), data=request.data, max_length=MAX_HOLDINGS, allow_empty=False
            )
            if not serializer.is_valid():
                return error_response(_flatten({"holdings": serializer.errors}))
            holdings = [_holding(h) for h in serializer.validated_data]
        created = attestation_holdings_add(user=request.user, attestation=attestation, holdings=holdings)
        return Response({"lines": [h.line for h in created]}, status=status.HTTP_201_CREATED)


class AttestationDocumentApi(_Api):
    """PUT the accountant's report as a multipart `file`."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Attach the accountant's report (PDF)",
        request={"multipart/form-data": FileUploadSerializer},
        responses={200: DocumentOutputSerializer, **ERRORS},
    )
    def put(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        upload = request.FILES.get("file")
        if upload is None:
            return error_response({"document": ["Send the PDF as a multipart field named file."]})
        attestation = attestation_document_attach(user=request.user, attestation=attestation, content=upload.read())
        return Response({"document_sha256": attestation.document_sha256})


class AttestationTypedDataApi(_Api):
    @extend_schema(summary="The EIP-712 typed data to sign", responses={200: FREE_FORM, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(typed_data(attestation_payload(self.visible(pk))))


class AttestationSignApi(_Api):
    InputSerializer = SignatureInputSerializer

    @extend_schema(
        summary="Sign (issuer) or countersign (assigned auditor)",
        request=SignatureInputSerializer,
        responses={201: SignatureSummarySerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        attestation = self.visible(pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = attestation_sign(
            user=request.user, attestation=attestation, signature=serializer.validated_data["signature"]
        )
        return Response({"role": record.role, "address": record.signer_address}, status=status.HTTP_201_CREATED)


class AttestationSubmitApi(_Api):
    @extend_schema(
        summary="Submit a signed draft", request=None, responses={200: AttestationOutputSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        attestation = attestation_submit(user=request.user, attestation=self.visible(pk))
        return Response(_output(attestation))


class AttestationAmendApi(_Api):
    InputSerializer = AmendInputSerializer

    @extend_schema(
        summary="Amend a submitted attestation: a new draft version",
        request=AmendInputSerializer,
        responses={201: AttestationOutputSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        amended = attestation_amend(
            user=request.user, attestation=self.visible(pk), reason=serializer.validated_data["reason"]
        )
        return Response(_output(amended), status=status.HTTP_201_CREATED)


class AttestationBundleApi(_Api):
    @extend_schema(summary="The signed attestation bundle", responses={200: FREE_FORM, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(attestation_bundle(self.visible(pk)))
