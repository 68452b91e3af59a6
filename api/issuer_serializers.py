"""The issuer API's request and answer shapes: what the views parse, and what the OpenAPI schema says.

The fields parse with attest/parsing.py, as the form and the CSV import do, so the same text is
accepted or refused alike everywhere (DRF's own fields take fullwidth digits, NaN and exponents, and
its CharField turns a JSON number into text).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attest.parsing import TEXT_MAX_CHARS, as_utc, parse_amount, parse_date, parse_instant, parse_integer, shown
from attest.validation import CHAIN_ID_MAX, MAX_HOLDINGS, MAX_ISSUER_FIGURES, time_zones


def _parsed(parse: Callable[[str], Any], data: Any, what: str) -> Any:
    if not isinstance(data, str):
        raise serializers.ValidationError(f"Send {what} as a string.")
    try:
        return parse(data)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


class Text(serializers.CharField):
    """Text that was sent as a JSON string: DRF's CharField would turn a number into text."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            raise serializers.ValidationError("Send text as a JSON string.")
        return str(super().to_internal_value(data))


@extend_schema_field({"type": "string", "pattern": r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"})
class AmountField(serializers.Field):  # type: ignore[type-arg]
    """A decimal amount sent as a JSON string: a JSON number would have passed through a float."""

    def to_internal_value(self, data: Any) -> Decimal:
        if not isinstance(data, str):
            raise serializers.ValidationError('Send amounts as strings, e.g. "1800000.00".')
        amount: Decimal = _parsed(parse_amount, data, "amounts")
        return amount

    def to_representation(self, value: Any) -> str:
        return format(value, "f")


@extend_schema_field(OpenApiTypes.DATE)
class DayField(serializers.Field):  # type: ignore[type-arg]
    """A date, "YYYY-MM-DD"."""

    def to_internal_value(self, data: Any) -> date:
        day: date = _parsed(parse_date, data, "dates")
        return day

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


@extend_schema_field(OpenApiTypes.DATETIME)
class InstantField(serializers.Field):  # type: ignore[type-arg]
    """An ISO 8601 date-time; UTC when it has no offset."""

    def to_internal_value(self, data: Any) -> datetime:
        return as_utc(_parsed(parse_instant, data, "date-times"))

    def to_representation(self, value: Any) -> str:
        return str(value.isoformat())


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": CHAIN_ID_MAX})
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


class HoldingSerializer(serializers.Serializer):  # type: ignore[type-arg]
    asset_class = Text()
    custodian = Text()
    currency = Text(max_length=3)
    market_value = AmountField()
    instrument_id = Text(required=False, allow_blank=True, default="")
    instrument_issuer = Text(required=False, allow_blank=True, default="")
    custodian_type = Text(required=False, allow_blank=True, default="")
    custodian_country = Text(required=False, allow_blank=True, default="", max_length=2)
    account_type = Text(required=False, allow_blank=True, default="")
    face_value = AmountField(required=False, allow_null=True, default=None)
    fx_rate = AmountField(required=False, allow_null=True, default=None)
    regulator_approval_ref = Text(required=False, allow_blank=True, default="")
    valuation_method = Text(required=False, default="market")
    issue_date = DayField(required=False, allow_null=True, default=None)
    acquisition_date = DayField(required=False, allow_null=True, default=None)
    maturity_date = DayField(required=False, allow_null=True, default=None)
    segregated = serializers.BooleanField(required=False, default=True)
    encumbered = serializers.BooleanField(required=False, default=False)
    encumbrance_description = Text(required=False, allow_blank=True, default="")
    repo_counterparty = Text(required=False, allow_blank=True, default="")
    repo_collateral_type = Text(required=False, allow_blank=True, default="")
    repo_collateral_value = AmountField(required=False, allow_null=True, default=None)
    mmf_is_government = serializers.BooleanField(required=False, allow_null=True, default=None)
    mmf_invests_solely_in_eligible = serializers.BooleanField(required=False, allow_null=True, default=None)


class IssuerFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = ChainIdField()
    outstanding = AmountField()


class AttestationInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stablecoin = Text(max_length=16, help_text="the coin's symbol")
    report_type = Text(default="attestation")
    as_of = Text(help_text="ISO 8601; without an offset it is read in as_of_timezone")
    as_of_timezone = Text(default="UTC")
    period_start = DayField(required=False, allow_null=True, default=None)
    period_end = DayField(required=False, allow_null=True, default=None)
    assurer_name = Text(required=False, allow_blank=True, default="")
    assurer_registration = Text(required=False, allow_blank=True, default="")
    auditor = Text(required=False, allow_blank=True, default="", max_length=150, help_text="auditor's username")
    standard = Text(required=False, allow_blank=True, default="")
    engagement_type = Text(required=False, allow_blank=True, default="")
    assurance_level = Text(required=False, allow_blank=True, default="")
    opinion = Text(required=False, allow_blank=True, default="")
    report_signed_at = InstantField(required=False, allow_null=True, default=None)
    stated_total_reserves = AmountField(required=False, allow_null=True, default=None)
    pays_holder_interest = serializers.BooleanField(required=False, allow_null=True, default=None)
    ceo_name = Text(required=False, allow_blank=True, default="")
    ceo_certified_at = InstantField(required=False, allow_null=True, default=None)
    cfo_name = Text(required=False, allow_blank=True, default="")
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


# Answers, for the schema (the views build them as plain dicts).
class SignatureSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    role = serializers.CharField(help_text="issuer or auditor")
    address = serializers.CharField(help_text="the address that signed")


class AttestationOutputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="draft, submitted, accepted, rejected or changes_requested")
    supersedes = serializers.IntegerField(allow_null=True, help_text="the id of the version this one amends")
    payload_sha256 = serializers.CharField(help_text="SHA-256 of the canonical payload that is signed")
    signatures = SignatureSummarySerializer(many=True)
    payload = serializers.DictField(help_text="the canonical payload (docs/attestations.md)")


class AttestationSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    stablecoin = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.CharField()


class LinesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    lines = serializers.ListField(child=serializers.IntegerField(), help_text="the line numbers added")


class FileUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="the file, as a multipart field named file")


class DocumentOutputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    document_sha256 = serializers.CharField()


class SignatureInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    signature = Text(max_length=200, help_text="0x and 130 hex digits: an EIP-712 signature of the typed data")


class AmendInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = Text(max_length=TEXT_MAX_CHARS, help_text="why the attestation is amended")


class FieldErrorsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    # The answer's key is "errors"; the metaclass takes the field off the class, so Serializer.errors is untouched.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="messages per field: as_of, holdings.2.market_value, __all__, ... (the form's keys)",
    )
