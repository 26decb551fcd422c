"""Verdicts need evidence: minimum conversions and one-sided Poisson bounds on the ratio.

Fixture (as test_lifecycle.py): in every cycle the established channel ``est`` spends
100 for 300 of revenue on 30 conversions, so the baseline is 3.0; the admit bar is
1.15 × 3 = 3.45, the scale bar 3.9 and the exit bar 0.5 × 3.45 = 1.725 (ratio 0.575).
The test channel ``t`` spends 100 per cycle.

Expected bounds are computed here independently of :func:`poisson_bounds`: from the
chi-square form ``χ²⁻¹(q; 2n) / 2`` (real n) and, for whole n, by solving the Poisson
tail sums with the standard library (bisection on ``P(X ≥ n | μ) = α`` and
``P(X ≤ n | μ) = α``).
"""

import math

import pandas as pd
import pytest
from scipy.stats import chi2

from touchpath.attribution.lifecycle import (
    LifecycleError,
    LifecycleRules,
    evaluate,
    poisson_bounds,
)

CHANNELS = pd.DataFrame({"channel": ["est", "t"], "status": ["established", "test"]})


def _frame(revenue, conversions):
    rows = []
    for i, (rev, conv) in enumerate(zip(revenue, conversions, strict=True)):
        period, start = f"2026-{i + 1:02d}", pd.Timestamp(2026, i + 1, 1)
        rows.append({"period": period, "period_start": start, "channel": "est",
                     "spend": 100.0, "attributed_conversions": 30.0,
                     "attributed_revenue": 300.0})
        rows.append({"period": period, "period_start": start, "channel": "t", "spend": 100.0,
                     "attributed_conversions": float(conv), "attributed_revenue": float(rev)})
    return pd.DataFrame(rows)


def _one(frame, rules=None):
    (v,) = evaluate(frame, CHANNELS, rules)
    return v


def _poisson_cdf(k: int, mu: float) -> float:
    """P(X ≤ k) for X ~ Poisson(mu), summed term by term."""
    term, total = math.exp(-mu), 0.0
    for i in range(k + 1):
        total += term
        term *= mu / (i + 1)
    return total


def _solve(f, target: float) -> float:
    """The μ where the decreasing function ``f`` of μ crosses ``target`` (bisection)."""
    lo, hi = 0.0, 1000.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > target else (lo, mid)
    return (lo + hi) / 2


# ------------------------------------------------------------------------ the bound
@pytest.mark.parametrize("n", [1, 2, 5, 30, 300])
def test_bounds_equal_the_brute_force_poisson_tails_for_whole_counts(n):
    low, high = poisson_bounds(float(n), 0.90)
    # lower: the μ at which seeing n or more has probability 0.10, P(X ≥ n) = 1 − P(X ≤ n−1)
    # is increasing in μ, so solve on its complement P(X ≤ n−1) = 0.90
    assert low == pytest.approx(_solve(lambda mu: _poisson_cdf(n - 1, mu), 0.90), rel=1e-7)
    # upper: the μ at which seeing n or fewer has probability 0.10
    assert high == pytest.approx(_solve(lambda mu: _poisson_cdf(n, mu), 0.10), rel=1e-7)


@pytest.mark.parametrize("n", [0.3, 1.9, 2.5, 10.25, 287.6])
@pytest.mark.parametrize("level", [0.8, 0.9, 0.975])
def test_bounds_for_fractional_counts_equal_the_chi_square_form(n, level):
    low, high = poisson_bounds(n, level)
    assert low == pytest.approx(chi2.ppf(1 - level, 2 * n) / 2, rel=1e-10)
    assert high == pytest.approx(chi2.ppf(level, 2 * n + 2) / 2, rel=1e-10)
    assert low < n < high


def test_bounds_of_zero_and_the_checks():
    assert poisson_bounds(0.0, 0.9) == (0.0, pytest.approx(-math.log(0.1)))
    with pytest.raises(LifecycleError, match="non-negative"):
        poisson_bounds(-1.0, 0.9)
    for bad in (1.0, 0.3, -0.1):
        with pytest.raises(LifecycleError, match="level"):
            LifecycleRules(level=bad)


# --------------------------------------------------------------------- the verdicts
def test_a_tiny_sample_at_ratio_2_5_stays_in_test_with_its_interval():
    """2 conversions, ROI 7.5, ratio 2.5: the point estimate clears the scale bar (1.3)."""
    v = _one(_frame([750], [2]))
    assert v.ratio == pytest.approx(2.5) and v.conversions == 2.0 and v.level == 0.9
    assert v.verdict == "test" and v.rule == "insufficient_evidence"
    assert v.ratio_low == pytest.approx(2.5 * chi2.ppf(0.10, 4) / 2 / 2)
    assert v.ratio_high == pytest.approx(2.5 * chi2.ppf(0.90, 6) / 2 / 2)
    # at ratio 2.5 the bound clears 1.3 after a few conversions, min_conversions wants 30
    assert 2.5 * chi2.ppf(0.10, 60) / 2 / 30 >= 1.3
    assert v.conversions_needed == 28
    assert "2 attributed conversions < min_conversions 30" in v.reason
    assert "ratio 2.5, 90% bounds 0.665 – 6.65 on 2 conversions" in v.reason
    assert "not enough evidence to scale" in v.reason
    assert "about 28 more conversions needed" in v.reason
    d = v.to_dict()
    assert (d["ratio_low"], d["ratio_high"]) == (pytest.approx(v.ratio_low),
                                               pytest.approx(v.ratio_high))
    assert d["level"] == 0.9 and d["conversions"] == 2.0 and d["conversions_needed"] == 28
    assert d["cycles"][-1]["ratio_low"] == pytest.approx(v.ratio_low)


def test_the_same_ratio_on_300_conversions_scales():
    v = _one(_frame([750], [300]))
    assert v.ratio == pytest.approx(2.5)
    assert v.ratio_low == pytest.approx(2.5 * chi2.ppf(0.10, 600) / 2 / 300)
    assert v.ratio_low >= 1.3
    assert v.verdict == "scale" and v.rule == "scale_bar" and v.conversions_needed == 0
    assert "90% bounds" in v.reason


def test_a_bound_between_the_bars_admits_and_says_what_scaling_needs():
    """Ratio 1.35 on 300: lower bound 1.35 × 0.9265 = 1.251, between 1.15 and 1.3."""
    v = _one(_frame([405], [300]))
    low = 1.35 * chi2.ppf(0.10, 600) / 2 / 300
    assert 1.15 <= low < 1.3 and v.ratio_low == pytest.approx(low)
    assert v.verdict == "admit" and v.rule == "admit_bar"
    assert "not enough evidence to scale" in v.reason
    # the least whole number of conversions whose bound at ratio 1.35 reaches 1.3
    need = next(n for n in range(300, 100_000)
                if 1.35 * chi2.ppf(0.10, 2 * n) / 2 / n >= 1.3)
    assert v.conversions_needed == need - 300


def test_a_point_ratio_that_only_reaches_the_bar_has_no_conversion_estimate():
    """ROI 3.9 = scale bar exactly: no finite sample makes a lower bound reach it."""
    v = _one(_frame([390], [5000]))
    assert v.verdict == "admit" and v.conversions_needed is None
    below = _one(_frame([300], [5000]))  # ratio 1.0, under the admit bar
    assert below.verdict == "test" and below.rule == "below_admit"
    assert below.conversions_needed is None and "90% bounds" in below.reason


def test_enough_conversions_but_a_low_bound_stays_in_test():
    # 40 conversions at ratio 1.2: lower bound 1.2 × χ²⁻¹(0.1; 80)/2/40 = 0.96 < 1.15
    v = _one(_frame([360], [40]))
    assert v.ratio_low == pytest.approx(1.2 * chi2.ppf(0.10, 80) / 80)
    assert v.verdict == "test" and v.rule == "insufficient_evidence"
    assert "min_conversions" not in v.reason and "not enough evidence to admit" in v.reason


def test_exit_needs_the_upper_bound_under_the_exit_bar_not_the_point_estimate():
    """ROI 1.5 (ratio 0.5) under the exit bar 1.725 in three cycles.

    On 3 conversions a cycle the upper bound 1.5 × χ²⁻¹(0.9; 8)/2/3 = 3.34 is above the
    bar: no exit. On 300 a cycle it is 1.5 × χ²⁻¹(0.9; 602)/2/300 = 1.61 < 1.725: exit.
    """
    few = _one(_frame([150] * 3, [3] * 3))
    high = 1.5 * chi2.ppf(0.90, 8) / 2 / 3
    assert high > 1.725 and few.cycles["roi_high"].tolist() == pytest.approx([high] * 3)
    assert few.verdict == "test" and few.low_streak == 0
    # the point estimate alone would have exited it
    assert _one(_frame([150] * 3, [3] * 3), LifecycleRules(level=0)).verdict == "exit"
    many = _one(_frame([150] * 3, [300] * 3))
    assert 1.5 * chi2.ppf(0.90, 602) / 2 / 300 < 1.725
    assert many.verdict == "exit" and many.rule == "exit_streak" and many.low_streak == 3
    assert "upper bound of ROI below 0.5 × the admit bar" in many.reason
    # two evidenced low cycles after a weak one are a streak of 2, not an exit
    two = _one(_frame([150] * 3, [3, 300, 300]))
    assert two.verdict == "test" and two.low_streak == 2


def test_a_channel_that_buys_nothing_is_exited_on_the_established_revenue_per_conversion():
    """No conversion in three cycles: upper bound −ln(0.1) conversions × 300/30 ÷ 100 = 0.23."""
    v = _one(_frame([0] * 3, [0] * 3))
    assert v.cycles["roi_high"].tolist() == pytest.approx([-math.log(0.1) * 10 / 100] * 3)
    assert v.cycles["ratio_low"].tolist() == [0.0] * 3
    assert v.verdict == "exit" and v.low_streak == 3


def test_rules_describe_min_conversions_and_the_level():
    text = LifecycleRules().describe()
    assert "≥ 30 attributed conversions" in text and "90% lower bound" in text
    assert "90% upper bound" in text
    assert "level 0" in LifecycleRules(level=0).describe()
