"""The issuer's attestation form: a header and a set of holding rows."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.forms import formset_factory

from attest.models import MONEY_DIGITS, MONEY_PLACES, AssetClass, ReportType, Stablecoin, currency_validator
from attest.selectors import stablecoins_attestable_by

COMMON_ZONES = [
    "UTC",
    "Asia/Hong_Kong",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Asia/Singapore",
    "Asia/Tokyo",
]
ZONE_CHOICES = [(z, z) for z in COMMON_ZONES] + [(z, z) for z in sorted(available_timezones() - set(COMMON_ZONES))]


class AttestationForm(forms.Form):
    stablecoin = forms.ModelChoiceField(queryset=Stablecoin.objects.none(), empty_label=None)
    report_type = forms.ChoiceField(choices=ReportType.choices, initial=ReportType.ATTESTATION)
    as_of = forms.DateTimeField(
        label="As of",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
        input_formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text="the instant the holdings are stated at, in the time zone below",
    )
    as_of_timezone = forms.ChoiceField(label="Time zone", choices=ZONE_CHOICES, initial="UTC")

    def __init__(self, *args: Any, user: AbstractBaseUser | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stablecoin"].queryset = stablecoins_attestable_by(user)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        as_of, zone = data.get("as_of"), data.get("as_of_timezone")
        if isinstance(as_of, datetime) and zone:
            # The browser sends a wall-clock time; it means that time in the zone the issuer chose.
            data["as_of"] = as_of.replace(tzinfo=ZoneInfo(zone))
        return data


class CurrencyField(forms.CharField):
    def to_python(self, value: Any) -> str:
        # Upper-cased before validation, so "usd" is accepted as USD.
        return str(super().to_python(value)).strip().upper()


class HoldingForm(forms.Form):
    # The blank first choice keeps an untouched extra row blank, so the formset skips it.
    asset_class = forms.ChoiceField(choices=[("", "— choose —"), *AssetClass.choices])
    custodian = forms.CharField(max_length=200)
    currency = CurrencyField(max_length=3, validators=[currency_validator])
    market_value = forms.DecimalField(min_value=Decimal(0), max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)


HoldingFormSet = formset_factory(HoldingForm, extra=2, min_num=1, validate_min=True, max_num=500, validate_max=True)
