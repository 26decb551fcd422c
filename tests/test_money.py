"""The money rule (quantize half-to-even to the millionth) and largest remainder apportionment."""

import json
import random
from decimal import Decimal

import pytest

from touchpath.money import CURRENCY, apportion, money, money_float, money_text

U = Decimal("0.000001")


def test_money_reads_the_shortest_decimal_of_a_float_and_rounds_half_even():
    assert money(9464.099999999999) == Decimal("9464.1")
    assert money(1842.0299999999997) == Decimal("1842.03")
    assert money(13254.300000000001) == Decimal("13254.3")
    assert money(0.1 + 0.2) == Decimal("0.3")
    # ties to even at the seventh decimal (repr is exact here: 2.5e-06, 3.5e-06)
    assert money(0.0000025) == Decimal("0.000002")
    assert money(0.0000035) == Decimal("0.000004")
    assert money(Decimal("1.0000005")) == Decimal("1.000000")
    assert money(Decimal("1.0000015")) == Decimal("1.000002")
    assert str(money(5)) == "5.000000"
    with pytest.raises(ValueError, match="finite"):
        money(float("nan"))


def test_money_float_prints_the_amount_without_artifacts():
    for x in (9464.099999999999, 1842.0299999999997, 13254.300000000001, 0.1 + 0.2,
              123456789.123456):
        text = json.dumps(money_float(x))
        assert Decimal(text) == money(x)
        assert len(text.partition(".")[2]) <= 6, text
    assert money_float(None) is None and money_float(float("nan")) is None
    assert money_text(Decimal("1000.000000")) == "1000"
    assert money_text(9464.099999999999) == "9464.1"
    assert money_text(0.0) == "0"
    assert CURRENCY == "CNY"


def test_apportion_is_the_largest_remainder_method():
    # quotas 1/3 each of 1.000000 -> floors 0.333333 ×3, one unit left to the first tie
    assert apportion(Decimal(1), [1.0, 1.0, 1.0]) == [Decimal("0.333334"), Decimal("0.333333"),
                                                       Decimal("0.333333")]
    # remainders .2, .5, .3 (in units) -> the unit goes to the second part
    assert apportion(Decimal("0.000010"), [1.2, 5.5, 3.3]) == [
        Decimal("0.000001"), Decimal("0.000006"), Decimal("0.000003")]
    # negative credit: quotas -5 and 15 are exact
    assert apportion(10, [-1.0, 3.0]) == [Decimal(-5), Decimal(15)]
    assert apportion(0, [0.0, 0.0]) == [Decimal(0), Decimal(0)]
    with pytest.raises(ValueError, match="zero"):
        apportion(1, [0.0, 0.0])


def test_apportion_sums_exactly_and_stays_within_a_unit_of_the_quota():
    rng = random.Random(3)
    for _ in range(300):
        n = rng.randint(1, 12)
        weights = [rng.uniform(-50, 1000) for _ in range(n)]
        if abs(sum(weights)) < 1:
            continue
        total = Decimal(rng.randint(0, 10**12)) * U
        parts = apportion(total, weights)
        assert sum(parts) == total
        wsum = sum(Decimal(repr(w)) for w in weights)
        for p, w in zip(parts, weights, strict=True):
            quota = total * Decimal(repr(w)) / wsum
            assert abs(p - quota) < U
            assert p == p.quantize(U)


def test_money_of_any_magnitude_is_exact():
    assert money(1e300) == Decimal(repr(1e300))
    assert money_float(1e300) == 1e300
    assert money(1e-300) == 0
    big = apportion(Decimal(10) ** 40, [1e200, 3e200])
    assert big == [Decimal(10) ** 40 / 4, Decimal(10) ** 40 * 3 / 4]
