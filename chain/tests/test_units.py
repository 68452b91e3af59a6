from decimal import Decimal

from chain.units import exact_arithmetic, tokens


def test_scaling_a_uint256_loses_no_digit():
    assert tokens(10**30 + 1, 18) == Decimal("1000000000000.000000000000000001")
    assert str(tokens(2**256 - 1, 6)).replace(".", "") == str(2**256 - 1)


def test_sums_of_token_amounts_are_exact_inside_exact_arithmetic():
    with exact_arithmetic():
        total = tokens(140 * 10**27 + 1, 18) + tokens(10**27, 18)
    assert total == Decimal("141000000000.000000000000000001")
