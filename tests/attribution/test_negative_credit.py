"""Models that can give negative credit say so (conversion-rate Shapley)."""

import numpy as np

from touchpath.attribution.compare import compare
from touchpath.attribution.shapley import ShapleyConversionRate
from touchpath.data.paths import PathTable


def low_converting_x() -> PathTable:
    # a and b alone convert half their journeys; every journey with x converts 2 in 100:
    # adding x lowers the rate of every coalition it joins, so the rate game charges it.
    return PathTable.from_paths([["a"], ["b"], ["a", "x"], ["b", "x"]],
                                conversions=[50, 50, 2, 2], nulls=[50, 50, 98, 98])


def test_shapley_rate_warns_about_the_channel_it_gives_negative_credit():
    pt = low_converting_x()
    # independent: x's journeys convert 4 / 200 = 2 %, the others 100 / 200 = 50 %
    x_rate = 4 / 200
    rest_rate = 100 / 200
    assert x_rate < rest_rate
    result = ShapleyConversionRate().attribute(pt)
    credit = dict(zip(result.channels, result.conversions, strict=True))
    assert credit["x"] < 0 < credit["a"]
    assert len(result.warnings) == 1
    (warning,) = result.warnings
    assert "negative credit to x" in warning and "relative signal" in warning
    share = credit["x"] / 104 * 100
    assert f"{share:.1f}".replace("-", "−") + " %" in warning
    assert "to a " not in warning and "to b " not in warning


def test_no_warning_when_every_credit_is_positive():
    pt = PathTable.from_paths([["a"], ["a", "b"]], conversions=[1, 1], nulls=[1, 0])
    result = ShapleyConversionRate(prior_journeys=0).attribute(pt)
    assert np.all(result.conversions > 0)
    assert result.warnings == ()


def test_the_comparison_carries_the_warning_and_the_chart_says_so():
    comparison = compare(["linear", "shapley_rate"], low_converting_x())
    assert len(comparison.warnings) == 1 and "negative credit to x" in comparison.warnings[0]
    assert comparison.negative_credit() == [("shapley_rate", ["x"])]
    fig = comparison.plot()
    ax = fig.axes[0]
    assert "negative credit" in ax.get_title() and "shapley_rate on x" in ax.get_title()
    heights = [p.get_height() for p in ax.patches]
    assert min(heights) < 0  # drawn below zero, not clipped
