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
    asset_class = Text(help_text="reserve class: cash, demand_deposit, tbill, govt_mmf, ... (docs/attestations.md)")
    custodian = Text(help_text="who holds it")
    currency = Text(max_length=3, help_text="ISO 4217 code of the holding")
    market_value = AmountField(help_text="value in the holding's currency, a decimal string")
    instrument_id = Text(required=False, allow_blank=True, default="", help_text="CUSIP or ISIN")
    instrument_issuer = Text(required=False, allow_blank=True, default="", help_text="who issued the instrument")
    custodian_type = Text(
        required=False,
        allow_blank=True,
        default="",
        help_text="central_bank, bank, trust_company, custodian, broker_dealer, other",
    )
    custodian_country = Text(
        required=False, allow_blank=True, default="", max_length=2, help_text="ISO 3166 country of custody, two letters"
    )
    account_type = Text(
        required=False, allow_blank=True, default="", help_text="trust, fbo, segregated_custody, omnibus, other"
    )
    face_value = AmountField(required=False, allow_null=True, default=None, help_text="face value, a decimal string")
    fx_rate = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="units of the coin's currency per unit of the holding's",
    )
    regulator_approval_ref = Text(
        required=False, allow_blank=True, default="", help_text="approval of a currency mismatch (R8)"
    )
    valuation_method = Text(required=False, default="market", help_text="market (default), amortised_cost, nav")
    issue_date = DayField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD")
    acquisition_date = DayField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD")
    maturity_date = DayField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD")
    segregated = serializers.BooleanField(
        required=False, default=True, help_text="held apart from the issuer's own assets (default true)"
    )
    encumbered = serializers.BooleanField(
        required=False, default=False, help_text="pledged or otherwise encumbered (default false)"
    )
    encumbrance_description = Text(
        required=False, allow_blank=True, default="", help_text="what encumbers it (required when encumbered)"
    )
    repo_counterparty = Text(required=False, allow_blank=True, default="", help_text="a repo's counterparty")
    repo_collateral_type = Text(required=False, allow_blank=True, default="", help_text="a repo's collateral")
    repo_collateral_value = AmountField(
        required=False, allow_null=True, default=None, help_text="a repo's collateral value, a decimal string"
    )
    mmf_is_government = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="a money-market fund: is it a government fund"
    )
    mmf_invests_solely_in_eligible = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="a money-market fund: does it hold only eligible assets",
    )


class IssuerFigureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    chain_id = ChainIdField(help_text="EIP-155 chain id")
    outstanding = AmountField(help_text="tokens outstanding on that chain, a decimal string")


class AttestationInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    stablecoin = Text(max_length=16, help_text="the coin's symbol")
    report_type = Text(
        default="attestation",
        help_text="daily_statement, weekly_disclosure, monthly_report, attestation (default), audit",
    )
    as_of = Text(help_text="ISO 8601; without an offset it is read in as_of_timezone")
    as_of_timezone = Text(default="UTC", help_text="IANA time zone the as-of time is stated in (default UTC)")
    period_start = DayField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD")
    period_end = DayField(required=False, allow_null=True, default=None, help_text="YYYY-MM-DD")
    assurer_name = Text(required=False, allow_blank=True, default="", help_text="the accounting firm")
    assurer_registration = Text(required=False, allow_blank=True, default="", help_text="PCAOB / HKICPA / ... number")
    auditor = Text(required=False, allow_blank=True, default="", max_length=150, help_text="auditor's username")
    standard = Text(required=False, allow_blank=True, default="", help_text="e.g. AICPA AT-C 205, ISAE 3000 (Revised)")
    engagement_type = Text(
        required=False, allow_blank=True, default="", help_text="examination, review, agreed_upon_procedures, audit"
    )
    assurance_level = Text(required=False, allow_blank=True, default="", help_text="reasonable, limited, none")
    opinion = Text(required=False, allow_blank=True, default="", help_text="unmodified, qualified, adverse, disclaimer")
    report_signed_at = InstantField(required=False, allow_null=True, default=None, help_text="ISO 8601 date-time")
    stated_total_reserves = AmountField(
        required=False,
        allow_null=True,
        default=None,
        help_text="the issuer's own total in the coin's currency; must equal the sum of the lines",
    )
    pays_holder_interest = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="holders are paid interest or yield (R31)"
    )
    ceo_name = Text(required=False, allow_blank=True, default="", help_text="the certifying CEO (GENIUS Act)")
    ceo_certified_at = InstantField(required=False, allow_null=True, default=None, help_text="ISO 8601 date-time")
    cfo_name = Text(required=False, allow_blank=True, default="", help_text="the certifying CFO (GENIUS Act)")
    cfo_certified_at = InstantField(required=False, allow_null=True, default=None, help_text="ISO 8601 date-time")
    holdings: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=HoldingSerializer(),
        required=False,
        default=list,
        max_length=MAX_HOLDINGS,
        help_text="the holding lines, at most 500",
    )
    issuer_figures: serializers.ListSerializer[Any] = serializers.ListSerializer(
        child=IssuerFigureSerializer(),
        required=False,
        default=list,
        max_length=MAX_ISSUER_FIGURES,
        help_text="tokens outstanding per chain, at most 50",
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
    id = serializers.IntegerField(help_text="the attestation's id")
    status = serializers.CharField(help_text="draft, submitted, accepted, rejected or changes_requested")
    supersedes = serializers.IntegerField(allow_null=True, help_text="the id of the version this one amends")
    payload_sha256 = serializers.CharField(help_text="SHA-256 of the canonical payload that is signed")
    signatures = SignatureSummarySerializer(many=True, help_text="the signatures over the current payload")
    payload = serializers.DictField(help_text="the canonical payload (docs/attestations.md)")


class AttestationSummarySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField(help_text="the attestation's id")
    stablecoin = serializers.CharField(help_text="the coin's symbol")
    version = serializers.IntegerField(help_text="its version number")
    status = serializers.CharField(help_text="draft, submitted, accepted, rejected or changes_requested")


class LinesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    lines = serializers.ListField(child=serializers.IntegerField(), help_text="the line numbers added")


class FileUploadSerializer(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(help_text="the file, as a multipart field named file")


class DocumentOutputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    document_sha256 = serializers.CharField(help_text="SHA-256 of the stored report")


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
