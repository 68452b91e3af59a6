"""The issuer's attestation form: a header, holding rows, issuer figures, the report PDF and a CSV import.

The form fields only parse what the browser sent; every rule lives in attest/validation.py, which
the API uses too. Errors the services raise come back keyed as ``field`` or ``holdings.<i>.<field>``
and `attach_errors` puts each against its field.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import EMPTY_VALUES
from django.forms import BaseFormSet, formset_factory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attest.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    AccountType,
    AssetClass,
    AssuranceLevel,
    Attestation,
    CustodianType,
    EngagementType,
    Opinion,
    ReportType,
    Stablecoin,
    ValuationMethod,
)
from attest.parsing import parse_amount, parse_date, parse_instant, parse_integer
from attest.selectors import auditors, stablecoins_attestable_by
from attest.validation import (
    CHAIN_ID_MAX,
    MAX_HOLDINGS,
    MAX_ISSUER_FIGURES,
    TOKEN_DIGITS,
    TOKEN_PLACES,
    AttestationDetails,
    HoldingInput,
    IssuerFigureInput,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

COMMON_ZONES = [
    "UTC",
    "Asia/Hong_Kong",
    "America/New_York",
    "Europe/London",
    "Europe/Paris",
    "Asia/Singapore",
    "Asia/Tokyo",
]
ZONES = frozenset(available_timezones())
ZONE_CHOICES = COMMON_ZONES + sorted(ZONES - set(COMMON_ZONES))
BLANK = ("", "—")
YES_NO = [BLANK, ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))]


def _parsed(parse: Callable[[str], Any], value: Any, empty: Any) -> Any:
    if value in EMPTY_VALUES:
        return empty
    try:
        return parse(str(value))
    except ValueError as exc:
        raise forms.ValidationError(str(exc), code="invalid") from None


# The fields below parse with attest/parsing.py, as the issuer API and the CSV import do, so the
# same text is accepted or refused alike everywhere (Django's own parsers take fullwidth digits,
# NaN, sNaN and exponents).
class AmountField(forms.DecimalField):
    def to_python(self, value: Any) -> Any:
        return _parsed(parse_amount, value, None)


class WholeNumberField(forms.IntegerField):
    def to_python(self, value: Any) -> Any:
        return _parsed(parse_integer, value, None)


class DayField(forms.DateField):
    def to_python(self, value: Any) -> date | None:
        if isinstance(value, date):
            return value
        parsed: date | None = _parsed(parse_date, value, None)
        return parsed


class InstantField(forms.DateTimeField):
    """A wall-clock date-time; AttestationForm.clean puts it in the chosen zone."""

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, datetime):
            return value
        parsed: datetime | None = _parsed(parse_instant, value, None)
        return parsed


def _choices(choices: list[tuple[str, str]]) -> list[tuple[str, StrOrPromise]]:
    """A model's choices with their labels translated when the form is rendered (web/labels.py lists them)."""
    return [(value, gettext_lazy(label)) for value, label in choices]


def _datetime(label: StrOrPromise, *, required: bool = False, help_text: StrOrPromise = "") -> forms.DateTimeField:
    return InstantField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S"),
    )


def _date(label: StrOrPromise) -> forms.DateField:
    return DayField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _yes_no(label: StrOrPromise) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, required=False, choices=YES_NO, coerce=lambda v: v == "true", empty_value=None
    )


def _money(label: StrOrPromise, *, required: bool = False) -> forms.DecimalField:
    return AmountField(label=label, required=required, max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)


class AttestationForm(forms.Form):
    stablecoin = forms.ModelChoiceField(
        label=gettext_lazy("Coin"), queryset=Stablecoin.objects.none(), empty_label=None
    )
    report_type = forms.ChoiceField(
        label=gettext_lazy("Report type"), choices=_choices(ReportType.choices), initial=ReportType.ATTESTATION
    )
    as_of = _datetime(
        gettext_lazy("As of"),
        required=True,
        help_text=gettext_lazy("the instant the holdings are stated at, in the time zone below"),
    )
    # A text input with a <datalist> of IANA zones: a <select> of ~600 options is slow to render and to use.
    as_of_timezone = forms.CharField(
        label=gettext_lazy("Time zone"),
        initial="UTC",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "zones", "autocomplete": "off"}),
        help_text=gettext_lazy("an IANA zone such as Asia/Hong_Kong or America/New_York"),
    )
    period_start = _date(gettext_lazy("Period start"))
    period_end = _date(gettext_lazy("Period end"))
    assurer_name = forms.CharField(label=gettext_lazy("Assurer (accounting firm)"), max_length=200, required=False)
    assurer_registration = forms.CharField(
        label=gettext_lazy("Assurer registration"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("PCAOB / HKICPA / ... number"),
    )
    auditor = forms.ModelChoiceField(
        label=gettext_lazy("Auditor"),
        queryset=auditors(),
        required=False,
        help_text=gettext_lazy("the auditor who examines and countersigns this attestation"),
    )
    standard = forms.CharField(
        label=gettext_lazy("Standard"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("e.g. AICPA AT-C 205, ISAE 3000 (Revised)"),
    )
    engagement_type = forms.ChoiceField(
        label=gettext_lazy("Engagement type"), choices=[BLANK, *_choices(EngagementType.choices)], required=False
    )
    assurance_level = forms.ChoiceField(
        label=gettext_lazy("Assurance level"), choices=[BLANK, *_choices(AssuranceLevel.choices)], required=False
    )
    opinion = forms.ChoiceField(
        label=gettext_lazy("Opinion"), choices=[BLANK, *_choices(Opinion.choices)], required=False
    )
    report_signed_at = _datetime(gettext_lazy("Report signed at"))
    stated_total_reserves = _money(gettext_lazy("Stated total reserves"))
    pays_holder_interest = _yes_no(gettext_lazy("Pays holders interest"))
    ceo_name = forms.CharField(label=gettext_lazy("CEO"), max_length=200, required=False)
    ceo_certified_at = _datetime(gettext_lazy("CEO certified at"))
    cfo_name = forms.CharField(label=gettext_lazy("CFO"), max_length=200, required=False)
    cfo_certified_at = _datetime(gettext_lazy("CFO certified at"))
    document = forms.FileField(label=gettext_lazy("Accountant's report (PDF)"), required=False)
    holdings_csv = forms.FileField(
        label=gettext_lazy("Import holdings from CSV"),
        required=False,
        help_text=gettext_lazy("rows are added after the lines below"),
    )

    def __init__(self, *args: Any, user: AbstractBaseUser | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stablecoin"].queryset = stablecoins_attestable_by(user)  # type: ignore[attr-defined]
        self.fields["auditor"].queryset = auditors()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone = data.get("as_of_timezone")
        if zone and zone not in ZONES:
            self.add_error("as_of_timezone", f"{zone!r} is not an IANA time zone.")
        elif zone:
            # The browser sends wall-clock times; they mean that time in the zone the issuer chose.
            for name in ("as_of", "report_signed_at", "ceo_certified_at", "cfo_certified_at"):
                if isinstance(data.get(name), datetime):
                    data[name] = data[name].replace(tzinfo=ZoneInfo(zone))
        return data

    def details(self) -> AttestationDetails:
        d = self.cleaned_data
        names = [n for n in AttestationDetails.__dataclass_fields__ if n != "auditor_id"]
        values: dict[str, Any] = {n: d.get(n) if d.get(n) is not None else _empty(n) for n in names}
        return AttestationDetails(
            **values,
            auditor_id=d["auditor"].pk if d.get("auditor") else None,
        )


def _empty(name: str) -> Any:
    return "" if isinstance(AttestationDetails.__dataclass_fields__[name].default, str) else None


def attestation_initial(attestation: Attestation) -> dict[str, Any]:
    zone = ZoneInfo(attestation.as_of_timezone)
    initial: dict[str, Any] = {
        name: getattr(attestation, name)
        for name in AttestationForm.base_fields
        if name not in {"holdings_csv", "document"}
    }
    for name in ("as_of", "report_signed_at", "ceo_certified_at", "cfo_certified_at"):
        if initial[name] is not None:
            initial[name] = initial[name].astimezone(zone).replace(tzinfo=None)
    initial["stablecoin"] = attestation.stablecoin_id
    initial["auditor"] = attestation.auditor_id
    initial["pays_holder_interest"] = _yes_no_initial(attestation.pays_holder_interest)
    return initial


def _yes_no_initial(value: bool | None) -> str:
    return "" if value is None else ("true" if value else "false")


class CurrencyField(forms.CharField):
    def to_python(self, value: Any) -> str:
        # Upper-cased before validation, so "usd" is accepted as USD.
        return str(super().to_python(value)).strip().upper()


class HoldingForm(forms.Form):
    # No initial values: an untouched extra row stays unchanged, so the formset skips it.
    asset_class = forms.ChoiceField(
        label=gettext_lazy("Asset class"), choices=[("", gettext_lazy("— choose —")), *_choices(AssetClass.choices)]
    )
    instrument_id = forms.CharField(label=gettext_lazy("Instrument id (CUSIP/ISIN)"), max_length=64, required=False)
    instrument_issuer = forms.CharField(label=gettext_lazy("Instrument issuer"), max_length=200, required=False)
    custodian = forms.CharField(label=gettext_lazy("Custodian"), max_length=200)
    custodian_type = forms.ChoiceField(
        label=gettext_lazy("Custodian type"), choices=[BLANK, *_choices(CustodianType.choices)], required=False
    )
    custodian_country = CurrencyField(label=gettext_lazy("Custody country"), max_length=2, required=False)
    account_type = forms.ChoiceField(
        label=gettext_lazy("Account type"), choices=[BLANK, *_choices(AccountType.choices)], required=False
    )
    currency = CurrencyField(label=gettext_lazy("Currency"), max_length=3)
    face_value = _money(gettext_lazy("Face value"))
    market_value = _money(gettext_lazy("Market value"), required=True)
    fx_rate = AmountField(label=gettext_lazy("FX rate"), required=False, max_digits=20, decimal_places=10)
    regulator_approval_ref = forms.CharField(
        label=gettext_lazy("Currency approval ref"), max_length=100, required=False
    )
    valuation_method = forms.ChoiceField(
        label=gettext_lazy("Valuation method"),
        choices=[("", gettext_lazy("— market —")), *_choices(ValuationMethod.choices)],
        required=False,
        help_text=gettext_lazy("blank means market value"),
    )
    issue_date = _date(gettext_lazy("Issue date"))
    acquisition_date = _date(gettext_lazy("Acquired"))
    maturity_date = _date(gettext_lazy("Matures"))
    segregated = forms.TypedChoiceField(
        label=gettext_lazy("Segregated"),
        choices=[("", gettext_lazy("— yes —")), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))],
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
    )
    encumbered = forms.TypedChoiceField(
        label=gettext_lazy("Encumbered"),
        choices=[("", gettext_lazy("— no —")), ("true", gettext_lazy("Yes")), ("false", gettext_lazy("No"))],
        required=False,
        coerce=lambda v: v == "true",
        empty_value=None,
    )
    encumbrance_description = forms.CharField(label=gettext_lazy("Encumbrance"), max_length=300, required=False)
    repo_counterparty = forms.CharField(label=gettext_lazy("Repo counterparty"), max_length=200, required=False)
    repo_collateral_type = forms.CharField(label=gettext_lazy("Repo collateral type"), max_length=64, required=False)
    repo_collateral_value = _money(gettext_lazy("Repo collateral value"))
    mmf_is_government = _yes_no(gettext_lazy("Government MMF"))
    mmf_invests_solely_in_eligible = _yes_no(gettext_lazy("MMF holds only eligible assets"))

    def to_input(self) -> HoldingInput:
        d = dict(self.cleaned_data)
        d["valuation_method"] = d.get("valuation_method") or ValuationMethod.MARKET
        d["segregated"] = True if d.get("segregated") is None else d["segregated"]
        d["encumbered"] = bool(d.get("encumbered"))
        return HoldingInput(**{name: d[name] for name in HoldingInput.__dataclass_fields__})


def holding_initial(holding: Any) -> dict[str, Any]:
    initial = {name: getattr(holding, name) for name in HoldingForm.base_fields}
    for name in ("segregated", "encumbered", "mmf_is_government", "mmf_invests_solely_in_eligible"):
        initial[name] = _yes_no_initial(initial[name])
    return initial


class IssuerFigureForm(forms.Form):
    chain_id = WholeNumberField(label=gettext_lazy("Chain id"), min_value=1, max_value=CHAIN_ID_MAX)
    outstanding = AmountField(
        label=gettext_lazy("Tokens outstanding"), max_digits=TOKEN_DIGITS, decimal_places=TOKEN_PLACES
    )

    def to_input(self) -> IssuerFigureInput:
        return IssuerFigureInput(self.cleaned_data["chain_id"], self.cleaned_data["outstanding"])


HoldingFormSet = formset_factory(HoldingForm, extra=1, max_num=MAX_HOLDINGS, validate_max=True)
IssuerFigureFormSet = formset_factory(IssuerFigureForm, extra=1, max_num=MAX_ISSUER_FIGURES, validate_max=True)


def formset_inputs(formset: BaseFormSet[Any]) -> list[Any]:
    """The typed inputs of the rows the user filled in (untouched extra rows are skipped)."""
    return [f.to_input() for f in formset.forms if f.has_changed() and f.cleaned_data]


def attach_errors(
    errors: dict[str, list[str]],
    *,
    form: forms.Form,
    holdings: BaseFormSet[Any],
    figures: BaseFormSet[Any],
    holding_rows: list[int],
    figure_rows: list[int],
) -> None:
    """Put each service error against its field; `*_rows` map input index to formset form index."""
    for key, messages in errors.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] in {"holdings", "issuer_figures"}:
            index, name = int(parts[1]), parts[2]
            formset, rows = (holdings, holding_rows) if parts[0] == "holdings" else (figures, figure_rows)
            if index < len(rows):
                target = formset.forms[rows[index]]
                target.add_error(name if name in target.fields else None, messages)
            else:  # a CSV row
                form.add_error("holdings_csv", [f"CSV row {index - len(rows) + 1}, {name}: {m}" for m in messages])
        elif key == "csv":
            form.add_error("holdings_csv", messages)
        else:
            form.add_error(key if key in form.fields else None, messages)


def error_summary(form: forms.Form, holdings: BaseFormSet[Any], figures: BaseFormSet[Any]) -> list[dict[str, str]]:
    """Every error on the page, in page order, each linking to its field: the summary shown at the top."""
    rows: list[dict[str, str]] = []

    def add(where: str, message: object, href: str) -> None:
        rows.append({"where": where, "message": str(message), "href": href})

    for message in form.non_field_errors():
        add(str(_("The attestation")), message, "#attestation-form")
    for name in form.fields:
        for message in form.errors.get(name, []) if name != NON_FIELD_ERRORS else []:
            add(str(form[name].label), message, f"#{form[name].id_for_label}")
    for group, formset in ((_("Holding line %(n)s"), holdings), (_("Chain row %(n)s"), figures)):
        if not formset.is_bound:
            continue
        for message in formset.non_form_errors():
            add(str(group) % {"n": ""}, message, "#holdings-rows")
        for i, row in enumerate(formset.forms, start=1):
            for name, messages in row.errors.items():
                label = row[name].label if name in row.fields else ""
                href = f"#{row[name].id_for_label}" if name in row.fields else "#holdings-rows"
                for message in messages:
                    add(f"{group % {'n': i}}{', ' + str(label) if label else ''}", message, href)
    return rows
