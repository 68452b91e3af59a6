"""What an attestation must satisfy, as plain functions the form, the API and the CSV import all call.

Errors come back as ``{key: [message, ...]}`` where a key is a header field name (``as_of``),
``holdings.<index>.<field>`` for a holding line (index from 0), ``issuer_figures.<index>.<field>``,
or ``holdings`` / ``__all__`` for errors about the whole set. Services raise them as one
``ValidationError`` so a bad submission saves nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import available_timezones

from iso3166 import countries_by_alpha2

from attest.exact import exact_arithmetic
from attest.models import (
    MONEY_DIGITS,
    MONEY_PLACES,
    AccountType,
    AssetClass,
    AssuranceLevel,
    Attestation,
    CustodianType,
    EngagementType,
    Holding,
    Opinion,
    Profile,
    ReportType,
    ValuationMethod,
)
from attest.parsing import date_problem, instant_problem, shown, text_problem

Errors = dict[str, list[str]]

FX_DIGITS, FX_PLACES = 20, 10
# A token amount: 2**256-1 base units has 78 digits, whole at 0 decimals, and up to 77 places at 77 decimals.
TOKEN_DIGITS, TOKEN_PLACES = 78 + 77, 77
REPO_CLASSES = {AssetClass.OVERNIGHT_REVERSE_REPO, AssetClass.TERM_REVERSE_REPO, AssetClass.REPO_CASH}
MMF_CLASSES = {AssetClass.GOVT_MMF}
# The most lines one attestation holds, however they arrive (form rows, JSON, CSV), and issuer figures.
MAX_HOLDINGS = 500
MAX_ISSUER_FIGURES = 50
CHAIN_ID_MAX = 2**63 - 1  # the column is a bigint
# Profiles whose reports need the CEO's and CFO's certification (GENIUS Act monthly reports, regulation.md §11.5).
CERTIFYING_PROFILES = {Profile.US_GENIUS}
# Dates outside these bounds are typing slips (an issue date in 1066, a maturity in 3024), not reserves.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_MATURITY_YEARS = 100
OLDEST_AS_OF_YEARS = 10


@cache
def iso4217_codes() -> frozenset[str]:
    """The active ISO 4217 codes shipped in attest/data/iso4217.txt."""
    text = (Path(__file__).parent / "data" / "iso4217.txt").read_text()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the zoneinfo tree from disk: once per process


@dataclass(frozen=True)
class HoldingInput:
    """One holding line. The first four fields keep their positions; the rest are optional."""

    asset_class: str
    custodian: str
    currency: str
    market_value: Decimal
    instrument_id: str = ""
    instrument_issuer: str = ""
    custodian_type: str = ""
    custodian_country: str = ""
    account_type: str = ""
    face_value: Decimal | None = None
    fx_rate: Decimal | None = None
    regulator_approval_ref: str = ""
    valuation_method: str = ValuationMethod.MARKET
    issue_date: date | None = None
    acquisition_date: date | None = None
    maturity_date: date | None = None
    segregated: bool = True
    encumbered: bool = False
    encumbrance_description: str = ""
    repo_counterparty: str = ""
    repo_collateral_type: str = ""
    repo_collateral_value: Decimal | None = None
    mmf_is_government: bool | None = None
    mmf_invests_solely_in_eligible: bool | None = None


HOLDING_FIELDS = list(HoldingInput.__dataclass_fields__)


@dataclass(frozen=True)
class IssuerFigureInput:
    chain_id: int
    outstanding: Decimal


@dataclass(frozen=True)
class AttestationDetails:
    """The header beyond stablecoin, as-of time and report type (regulation.md §11.1 and §11.5)."""

    period_start: date | None = None
    period_end: date | None = None
    assurer_name: str = ""
    assurer_registration: str = ""
    standard: str = ""
    engagement_type: str = ""
    assurance_level: str = ""
    opinion: str = ""
    report_signed_at: datetime | None = None
    stated_total_reserves: Decimal | None = None
    pays_holder_interest: bool | None = None
    ceo_name: str = ""
    ceo_certified_at: datetime | None = None
    cfo_name: str = ""
    cfo_certified_at: datetime | None = None
    auditor_id: int | None = None


@dataclass
class AttestationInput:
    """Everything a draft holds, as typed values; what the validators check."""

    as_of: datetime
    as_of_timezone: str
    report_type: str
    currency: str
    details: AttestationDetails = field(default_factory=AttestationDetails)
    holdings: Sequence[HoldingInput] = ()
    issuer_figures: Sequence[IssuerFigureInput] = ()


def amount_error(value: Decimal | None, *, digits: int = MONEY_DIGITS, places: int = MONEY_PLACES) -> str | None:
    """Why an amount is not acceptable, or None: finite, not negative, at most `places` decimals."""
    if value is None:
        return None
    if not value.is_finite():
        return "Enter a number."
    if value < 0:
        return "Must not be negative."
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    with exact_arithmetic():
        if -exponent > places and value != value.quantize(Decimal(1).scaleb(-places)):
            return f"At most {places} decimal places."
        if value >= Decimal(10) ** (digits - places):
            return f"At most {digits - places} digits before the decimal point."
    return None


def _choice(value: str, choices: list[tuple[str, str]], *, required: bool) -> str | None:
    if not value:
        return "This field is required." if required else None
    if value not in {c for c, _ in choices}:
        return f"{shown(value)} is not one of: {', '.join(c for c, _ in choices)}."
    return None


def _max_length(model: type[Holding] | type[Attestation], name: str) -> int | None:
    length: int | None = getattr(model._meta.get_field(name), "max_length", None)
    return length


def _text_and_date_errors(record: object, model: type[Holding] | type[Attestation], *, dates: bool = True) -> Errors:
    """Every text field within its column and free of control characters; every date within range."""
    errors: Errors = {}
    for name in record.__dataclass_fields__:  # type: ignore[attr-defined]
        value = getattr(record, name)
        if isinstance(value, str):
            message = text_problem(value, max_length=_max_length(model, name))
        elif isinstance(value, datetime) and dates:
            message = instant_problem(value)
        elif isinstance(value, date) and dates:
            message = date_problem(value)
        else:
            continue
        if message:
            errors[name] = [message]
    return errors


def holding_errors(h: HoldingInput, *, as_of: datetime | None = None) -> Errors:
    """A single line's errors, keyed by field name."""
    errors: Errors = _text_and_date_errors(h, Holding, dates=False)
    if errors:
        return errors  # the other checks compare these values; refused ones would only add noise

    def add(name: str, message: str | None) -> None:
        if message:
            errors.setdefault(name, []).append(message)

    add("asset_class", _choice(h.asset_class, AssetClass.choices, required=True))
    if not h.custodian.strip():
        add("custodian", "This field is required.")
    add("custodian_type", _choice(h.custodian_type, CustodianType.choices, required=False))
    add("account_type", _choice(h.account_type, AccountType.choices, required=False))
    add("valuation_method", _choice(h.valuation_method, ValuationMethod.choices, required=True))
    if h.currency not in iso4217_codes():
        add("currency", f"{shown(h.currency)} is not an ISO 4217 currency code.")
    if h.custodian_country and h.custodian_country not in countries_by_alpha2:
        add(
            "custodian_country",
            f"{shown(h.custodian_country)} is not an ISO 3166 country code (two capitals, e.g. US or HK).",
        )
    for name in ("issue_date", "acquisition_date", "maturity_date"):
        # Plausible against the as-of first; the hard bound (attest/parsing.py) when there is no as-of (CSV rows).
        value = getattr(h, name)
        add(name, _implausible(value, as_of) or (date_problem(value) if value else None))
    add("market_value", amount_error(h.market_value))
    add("face_value", amount_error(h.face_value))
    add("repo_collateral_value", amount_error(h.repo_collateral_value))
    fx_error = amount_error(h.fx_rate, digits=FX_DIGITS, places=FX_PLACES)
    add("fx_rate", fx_error)
    if not fx_error and h.fx_rate is not None and h.fx_rate == 0:
        add("fx_rate", "Must be more than zero.")
    if h.acquisition_date and h.maturity_date and h.maturity_date <= h.acquisition_date:
        add("maturity_date", "The maturity date must be after the acquisition date.")
    if h.issue_date and h.maturity_date and h.maturity_date <= h.issue_date:
        add("maturity_date", "The maturity date must be after the issue date.")
    if as_of is not None and h.acquisition_date and h.acquisition_date > as_of.date():
        add("acquisition_date", "Acquired after the as-of time.")
    if h.encumbered and not h.encumbrance_description.strip():
        add("encumbrance_description", "Describe the encumbrance of an encumbered holding.")
    if h.asset_class in REPO_CLASSES:
        if not h.repo_counterparty.strip():
            add("repo_counterparty", "A repo needs its counterparty.")
    elif h.repo_counterparty or h.repo_collateral_type or h.repo_collateral_value is not None:
        add("repo_counterparty", "Repo details apply only to repo holdings.")
    if h.asset_class in MMF_CLASSES:
        if h.mmf_is_government is None:
            add("mmf_is_government", "Say whether the fund is a government money-market fund.")
    elif h.mmf_is_government is not None or h.mmf_invests_solely_in_eligible is not None:
        add("mmf_is_government", "Money-market fund details apply only to money-market fund holdings.")
    return errors


def stated_total_errors(*, currency: str, stated: Decimal | None, holdings: Sequence[HoldingInput]) -> Errors:
    """The issuer's stated total must equal the sum of the lines, in the coin's currency."""
    if stated is None:
        return {}
    total = Decimal(0)
    errors: Errors = {}
    with exact_arithmetic():
        for i, h in enumerate(holdings):
            if h.currency == currency:
                total += h.market_value
            elif h.fx_rate is not None:
                total += h.market_value * h.fx_rate
            else:
                errors[f"holdings.{i}.fx_rate"] = [
                    f"A {h.currency} line needs an FX rate to {currency} to be totalled."
                ]
        if errors:
            return errors
        total = total.quantize(Decimal(1).scaleb(-MONEY_PLACES))
    if total != stated:
        return {"stated_total_reserves": [f"The stated total {stated} does not equal the sum of the lines, {total}."]}
    return {}


def _implausible(value: date | None, as_of: datetime | None) -> str | None:
    if value is None:
        return None
    if value < EARLIEST_DATE:
        return f"{value.isoformat()} is before {EARLIEST_DATE.year}: check the year."
    if as_of is None:
        return None
    anchor = as_of.date()
    latest = anchor.replace(year=anchor.year + LATEST_MATURITY_YEARS, day=min(anchor.day, 28))
    if value > latest:
        return f"{value.isoformat()} is more than {LATEST_MATURITY_YEARS} years after the as-of date: check the year."
    return None


def draft_errors(data: AttestationInput, *, now: datetime) -> Errors:
    """Everything a draft must satisfy to be saved: each field and each line on its own terms."""
    d = data.details
    errors: Errors = _text_and_date_errors(d, Attestation)
    if len(data.holdings) > MAX_HOLDINGS:
        errors["holdings"] = [
            f"At most {MAX_HOLDINGS} holding lines (this has {len(data.holdings)}); file them as one CSV."
        ]
    if len(data.issuer_figures) > MAX_ISSUER_FIGURES:
        errors["issuer_figures"] = [
            f"At most {MAX_ISSUER_FIGURES} issuer figures (this has {len(data.issuer_figures)})."
        ]
    if "holdings" in errors or "issuer_figures" in errors:
        return errors  # not worth checking line by line
    if data.as_of.tzinfo is None:
        errors["as_of"] = ["The as-of time needs a time zone."]
    elif message := instant_problem(data.as_of):
        errors["as_of"] = [message]
    elif data.as_of > now:
        errors["as_of"] = ["The as-of time is in the future."]
    elif data.as_of.year < now.year - OLDEST_AS_OF_YEARS:
        errors["as_of"] = [f"The as-of time is more than {OLDEST_AS_OF_YEARS} years ago: check the year."]
    if message := text_problem(data.as_of_timezone, max_length=_max_length(Attestation, "as_of_timezone")):
        errors["as_of_timezone"] = [message]
    elif data.as_of_timezone not in time_zones():
        errors["as_of_timezone"] = [f"{shown(data.as_of_timezone)} is not an IANA time zone."]
    if message := _choice(data.report_type, ReportType.choices, required=True):
        errors["report_type"] = [message]
    for name, choices in (
        ("engagement_type", EngagementType.choices),
        ("assurance_level", AssuranceLevel.choices),
        ("opinion", Opinion.choices),
    ):
        if name not in errors and (message := _choice(getattr(d, name), choices, required=False)):
            errors[name] = [message]
    for name in ("period_start", "period_end"):
        if name not in errors and (
            message := _implausible(getattr(d, name), data.as_of if data.as_of.tzinfo else None)
        ):
            errors[name] = [message]
    if d.period_start and d.period_end and d.period_end < d.period_start:
        errors["period_end"] = ["The period ends before it starts."]
    if message := amount_error(d.stated_total_reserves):
        errors["stated_total_reserves"] = [message]
    for name in ("report_signed_at", "ceo_certified_at", "cfo_certified_at"):
        value = getattr(d, name)
        if value is not None and name not in errors and value > now:
            errors[name] = ["This time is in the future."]
    for i, h in enumerate(data.holdings):
        as_of = data.as_of if data.as_of.tzinfo and "as_of" not in errors else None
        for name, messages in holding_errors(h, as_of=as_of).items():
            errors[f"holdings.{i}.{name}"] = messages
    seen: set[int] = set()
    for i, f in enumerate(data.issuer_figures):
        if not 0 < f.chain_id <= CHAIN_ID_MAX:
            errors[f"issuer_figures.{i}.chain_id"] = [f"A chain id is a whole number from 1 to {CHAIN_ID_MAX}."]
        elif f.chain_id in seen:
            errors[f"issuer_figures.{i}.chain_id"] = [f"Chain {f.chain_id} is listed twice."]
        seen.add(f.chain_id)
        if message := amount_error(f.outstanding, digits=TOKEN_DIGITS, places=TOKEN_PLACES):
            errors[f"issuer_figures.{i}.outstanding"] = [message]
    if not any(k.startswith("holdings.") or k == "stated_total_reserves" for k in errors):
        for key, messages in stated_total_errors(
            currency=data.currency, stated=d.stated_total_reserves, holdings=data.holdings
        ).items():
            errors.setdefault(key, []).extend(messages)
    return errors


def submission_errors(data: AttestationInput, *, profiles: set[str], has_document: bool, now: datetime) -> Errors:
    """What a submission needs on top of a valid draft."""
    errors = draft_errors(data, now=now)
    if not data.holdings:
        errors.setdefault("holdings", []).append("An attestation needs at least one holding.")
    # A daily statement is the issuer's own internal figure (HK ¶ daily statements): no certification, no report.
    if profiles & CERTIFYING_PROFILES and data.report_type != ReportType.DAILY_STATEMENT:
        d = data.details
        for officer in ("ceo", "cfo"):
            if not getattr(d, f"{officer}_name").strip():
                errors.setdefault(f"{officer}_name", []).append(
                    f"A {officer.upper()} certification is required under the GENIUS Act."
                )
            if getattr(d, f"{officer}_certified_at") is None:
                errors.setdefault(f"{officer}_certified_at", []).append(
                    f"Give the time the {officer.upper()} certified the report."
                )
    if (
        data.report_type in {ReportType.ATTESTATION, ReportType.AUDIT}
        and data.details.assurer_name
        and not has_document
    ):
        errors.setdefault("document", []).append("Upload the accountant's report (PDF) named in the header.")
    return errors
