from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attest.csvimport import holdings_from_csv

GOOD = b"""asset_class,custodian,currency,market_value,maturity_date,acquisition_date,segregated,custodian_country
demand_deposit,First Bank,usd,1800000.00,,,yes,us
tbill,Example Custody,USD,3000000.000001,2027-01-15,2026-10-15,,US
"""


def test_it_reads_a_csv_of_holdings():
    lines = holdings_from_csv(GOOD)
    assert [h.market_value for h in lines] == [Decimal("1800000.00"), Decimal("3000000.000001")]
    assert lines[0].currency == "USD" and lines[0].custodian_country == "US" and lines[1].segregated is True
    assert str(lines[1].maturity_date) == "2027-01-15"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"asset_class,custodian,currency\n", "Missing required columns: market_value."),
        (b"asset_class,custodian,currency,market_value,colour\n", "Unknown columns: colour."),
        (b"asset_class,custodian,currency,market_value\n", "no rows"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_it_refuses_a_broken_file(content, expected):
    with pytest.raises(ValidationError) as exc:
        holdings_from_csv(content)
    assert expected in " ".join(exc.value.message_dict["csv"])


def test_it_reports_every_bad_row():
    content = b"""asset_class,custodian,currency,market_value,maturity_date,acquisition_date
cash,Bank,USD,1.5,,
gold,Bank,USD,1,,
cash,Bank,ABC,"1,000",,
cash,,USD,-3,2026-01-01,2026-02-01
"""
    with pytest.raises(ValidationError) as exc:
        holdings_from_csv(content)
    messages = exc.value.message_dict["csv"]
    assert any(m.startswith("Row 2 (line 3), asset_class:") for m in messages)
    assert any(m.startswith("Row 3 (line 4), market_value: '1,000' is not a decimal") for m in messages)
    assert any(m.startswith("Row 4 (line 5), custodian:") for m in messages)
    assert any(m.startswith("Row 4 (line 5), market_value: Must not be negative") for m in messages)
    assert any(m.startswith("Row 4 (line 5), maturity_date:") for m in messages)
    assert not any("Row 1 " in m for m in messages)
