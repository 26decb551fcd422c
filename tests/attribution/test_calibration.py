"""The calibration arithmetic against hand computations (attribution/calibration.py)."""

import math
from datetime import date

import pytest

from touchpath.attribution.calibration import (
    CalibrationError,
    Factor,
    calibrate_credit,
    calibration_factor,
    nearest_window,
    precision_weighted,
    z_value,
)


def test_factor_is_incremental_over_attributed_with_the_experiments_interval():
    f = calibration_factor(34, 85, 25.5, 42.5)
    assert f.estimate == pytest.approx(0.4)
    assert (f.lower, f.upper) == (pytest.approx(0.3), pytest.approx(0.5))
    assert calibration_factor(30, 20).has_interval is False


def test_no_factor_without_attributed_credit_or_with_one_bound():
    with pytest.raises(CalibrationError, match="no attributed credit"):
        calibration_factor(10, 0)
    with pytest.raises(CalibrationError, match="both bounds"):
        calibration_factor(10, 20, lower=5)


def test_precision_weighted_mean_by_hand():
    # Widths 0.2 and 0.4: weights 1/width^2 in ratio 4 : 1, so the mean is
    # (4 * 0.4 + 1 * 0.6) / 5 = 0.44. With w_i = (2z / width_i)^2 the half-width
    # z / sqrt(sum w) = 1 / (2 sqrt(1/0.2^2 + 1/0.4^2)) = 1 / (2 sqrt(31.25)).
    mean = precision_weighted([Factor(0.4, 0.3, 0.5), Factor(0.6, 0.4, 0.8)])
    half = 1 / (2 * math.sqrt(31.25))
    assert mean.estimate == pytest.approx(0.44)
    assert mean.lower == pytest.approx(0.44 - half)
    assert mean.upper == pytest.approx(0.44 + half)
    assert half == pytest.approx(0.0894427, abs=1e-7)


def test_an_exact_factor_dominates_the_weighted_mean():
    mean = precision_weighted([Factor(0.5, 0.5, 0.5), Factor(0.9, 0.1, 1.7)])
    assert (mean.estimate, mean.lower, mean.upper) == (0.5, 0.5, 0.5)


def test_weighted_mean_needs_intervals():
    with pytest.raises(CalibrationError, match="interval"):
        precision_weighted([Factor(0.4), Factor(0.6, 0.5, 0.7)])


def test_z_of_95_percent():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert Factor(0.4, 0.3, 0.5).se() == pytest.approx(0.2 / (2 * 1.959964), rel=1e-6)


def test_nearest_window_by_midpoints():
    march = (date(2024, 3, 1), date(2024, 3, 31))
    june = (date(2024, 6, 1), date(2024, 6, 30))
    # January's midpoint is nearer March's; May's nearer June's.
    assert nearest_window([march, june], date(2024, 1, 1), date(2024, 2, 1)) == 0
    assert nearest_window([march, june], date(2024, 5, 1), date(2024, 6, 1)) == 1
    # The one day 2024-04-30: 45 days after March's midpoint (03-16), 46.5 before June's.
    assert nearest_window([march, june], date(2024, 4, 30), date(2024, 5, 1)) == 0
    # A tie goes to the earlier window: 03-03 is two days from 03-01 and from 03-05.
    one, five = (date(2024, 3, 1),) * 2, (date(2024, 3, 5),) * 2
    assert nearest_window([one, five], date(2024, 3, 3), date(2024, 3, 4)) == 0
    assert nearest_window([five, one], date(2024, 3, 3), date(2024, 3, 4)) == 0


def test_calibrated_credit_of_a_range_holding_a_whole_window():
    # C = 100 over the range; the window holds a = 85 of it (factor 0.4 [0.3, 0.5]);
    # the rest, 15, is scaled by the outside factor 0.6 [0.4, 0.8].
    inside, outside = Factor(0.4, 0.3, 0.5), Factor(0.6, 0.4, 0.8)
    c = calibrate_credit(100, [(inside, 85)], outside)
    assert c.calibrated == pytest.approx(0.4 * 85 + 0.6 * 15)      # 43
    assert c.lower == pytest.approx(0.3 * 85 + 0.4 * 15)           # 31.5
    assert c.upper == pytest.approx(0.5 * 85 + 0.8 * 15)           # 54.5
    assert c.freed == pytest.approx(100 - 43)
    assert c.outside == pytest.approx(15)


def test_no_interval_when_a_used_factor_has_none():
    c = calibrate_credit(100, [(Factor(0.4, 0.3, 0.5), 85)], Factor(0.6))
    assert c.calibrated == pytest.approx(43)
    assert c.lower is None and c.upper is None
    # The outside factor is not used when nothing lies outside the windows.
    c = calibrate_credit(85, [(Factor(0.4, 0.3, 0.5), 85)], Factor(0.6))
    assert (c.calibrated, c.lower, c.upper) == (pytest.approx(34), pytest.approx(25.5),
                                                pytest.approx(42.5))


def test_in_window_credit_above_the_range_credit_leaves_nothing_outside():
    c = calibrate_credit(80, [(Factor(0.5), 85)], Factor(2.0))
    assert c.outside == 0.0
    assert c.calibrated == pytest.approx(42.5)
