from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from attest.validation import (
    AttestationDetails,
    AttestationInput,
    HoldingInput,
    amount_error,
    draft_errors,
    holding_errors,
    iso4217_codes,
    stated_total_errors,
    submission_errors,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _line(**kw):
    return HoldingInput(
        **{"asset_class": "cash", "custodian": "Bank", "currency": "USD", "market_value": Decimal(1), **kw}
    )


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (Decimal("1.123456"), True),
        (Decimal("1.1234560"), True),
        (Decimal("1.1234567"), False),
        (Decimal("-0.01"), False),
        (Decimal("1e18"), True),  # reserves up to 10**18 currency units
        (Decimal("1e19"), False),
        (Decimal("9999999999999999999.999999"), True),
        (Decimal("NaN"), False),
    ],
)
def test_it_bounds_amounts(value, ok):
    assert (amount_error(value) is None) is ok


def test_it_ships_iso4217_codes():
    codes = iso4217_codes()
    assert {"USD", "HKD", "EUR", "JPY"} <= codes
    assert "XXX" not in codes and "ABC" not in codes
    assert "currency" in holding_errors(_line(currency="ABC"))


def test_it_requires_maturity_after_acquisition():
    errors = holding_errors(_line(acquisition_date=date(2026, 5, 1), maturity_date=date(2026, 5, 1)))
    assert errors == {"maturity_date": ["The maturity date must be after the acquisition date."]}


def test_it_asks_for_repo_and_mmf_details_only_where_they_apply():
    assert "repo_counterparty" in holding_errors(_line(asset_class="overnight_reverse_repo"))
    assert "repo_counterparty" in holding_errors(_line(repo_counterparty="X"))
    assert "mmf_is_government" in holding_errors(_line(asset_class="govt_mmf"))
    assert holding_errors(_line(asset_class="govt_mmf", mmf_is_government=True)) == {}
    assert "encumbrance_description" in holding_errors(_line(encumbered=True))


def test_it_checks_the_stated_total_against_the_lines_in_the_coin_currency():
    lines = [
        _line(market_value=Decimal("10")),
        _line(currency="HKD", market_value=Decimal("78"), fx_rate=Decimal("0.128")),
    ]
    assert stated_total_errors(currency="USD", stated=Decimal("19.984"), holdings=lines) == {}
    assert "stated_total_reserves" in stated_total_errors(currency="USD", stated=Decimal("20"), holdings=lines)
    no_fx = [_line(currency="HKD")]
    assert "holdings.0.fx_rate" in stated_total_errors(currency="USD", stated=Decimal("1"), holdings=no_fx)


def test_it_reports_every_error_at_once_keyed_by_field():
    data = AttestationInput(
        as_of=NOW + timedelta(minutes=1),
        as_of_timezone="Mars/Olympus",
        report_type="attestation",
        currency="USD",
        details=AttestationDetails(period_start=date(2026, 2, 1), period_end=date(2026, 1, 1)),
        holdings=[_line(), _line(market_value=Decimal("-1"), currency="usd")],
    )
    errors = draft_errors(data, now=NOW)
    assert set(errors) == {"as_of", "as_of_timezone", "period_end", "holdings.1.market_value", "holdings.1.currency"}


def test_it_requires_ceo_and_cfo_certification_under_genius():
    data = AttestationInput(
        as_of=NOW, as_of_timezone="UTC", report_type="attestation", currency="USD", holdings=[_line()]
    )
    errors = submission_errors(data, profiles={"US_GENIUS"}, has_document=False, now=NOW)
    assert set(errors) == {"ceo_name", "ceo_certified_at", "cfo_name", "cfo_certified_at"}
    assert submission_errors(data, profiles={"HK"}, has_document=False, now=NOW) == {}


def test_it_refuses_countries_that_do_not_exist_and_dates_centuries_away():
    assert holding_errors(_line(custodian_country="HK")) == {}
    assert holding_errors(_line(custodian_country="NA")) == {}  # Namibia
    assert "custodian_country" in holding_errors(_line(custodian_country="Na"))
    assert "custodian_country" in holding_errors(_line(custodian_country="XZ"))
    errors = holding_errors(_line(issue_date=date(1066, 10, 14), maturity_date=date(3026, 1, 1)), as_of=NOW)
    assert errors["issue_date"] == ["1066-10-14 is before 1900: check the year."]
    assert "more than 100 years after the as-of date" in errors["maturity_date"][0]
    assert holding_errors(_line(maturity_date=date(2056, 11, 15)), as_of=NOW) == {}  # a 30-year bond
    old = AttestationInput(NOW.replace(year=1999), "UTC", "attestation", "USD", AttestationDetails(), [])
    assert "10 years ago" in draft_errors(old, now=NOW)["as_of"][0]
