"""The monitoring arithmetic by hand: pacing projection, thresholds, the weekday baseline."""

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from touchpath.attribution.monitoring import (
    AnomalySettings,
    breaches,
    daily_anomalies,
    pace,
    quarter_bounds,
)


def test_quarter_bounds():
    assert quarter_bounds("2026Q1") == (date(2026, 1, 1), date(2026, 3, 31))
    assert quarter_bounds("2024-q1")[1] == date(2024, 3, 31)
    assert quarter_bounds("2026Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    with pytest.raises(ValueError, match="2026Q2"):
        quarter_bounds("2026-05")


def test_pace_by_hand():
    # Q2 2026: 30 + 31 + 30 = 91 days; data to May 10: 30 + 10 = 40 days elapsed
    planned = {("a", "2026-04"): 300.0, ("a", "2026-05"): 310.0, ("a", "2026-06"): 300.0,
               ("b", "2026-04"): 100.0}
    expected = {("a", "2026-04"): 600.0, ("a", "2026-05"): 620.0, ("a", "2026-06"): 600.0,
                ("b", "2026-04"): None}
    actual = {("a", "2026-04"): 330.0, ("a", "2026-05"): 100.0, ("c", "2026-05"): 5.0}
    attributed = {("a", "2026-04"): 500.0, ("a", "2026-05"): 180.0}
    out = {c.channel: c for c in pace(planned, expected, actual, attributed, "2026Q2",
                                      date(2026, 5, 10), 0.15)}
    a = out["a"]
    assert a.planned_to_date == pytest.approx(300 + 310 * 10 / 31)  # 400
    assert a.projected_spend == pytest.approx(430 * 91 / 40)
    assert a.spend_pace == pytest.approx(430 * 91 / 40 / 910)  # 1.075: within 15 %
    assert not a.off_pace
    assert a.expected_to_date == pytest.approx(600 + 620 * 10 / 31)
    assert a.revenue_pace == pytest.approx(680 * 91 / 40 / 1820)
    assert [m.elapsed_days for m in a.months] == [30, 10, 0]
    b = out["b"]  # planned 100, nothing spent: pace 0
    assert b.spend_pace == 0 and b.off_pace and b.expected_revenue is None
    c = out["c"]  # spend without a plan
    assert c.off_pace and c.spend_pace is None and c.reason == "spend without a plan"


def test_threshold_comparisons_skip_undefined_values():
    frame = pd.DataFrame({"value": [1.0, 2.0, math.nan, 3.0]})
    assert list(breaches(frame, ">=", 2)["value"]) == [2.0, 3.0]
    assert list(breaches(frame, "<", 2)["value"]) == [1.0]
    assert list(breaches(frame, "<=", 1)["value"]) == [1.0]
    assert list(breaches(frame, ">", 3)["value"]) == []


def _series(values, start=date(2026, 1, 5)):
    return pd.DataFrame({"day": [start + timedelta(days=i) for i in range(len(values))],
                         "channel": "x", "metric": "spend", "value": values})


def test_weekday_baseline_by_hand():
    # five weeks: Mondays 10, 12, 11, 13, then 40; other days 1
    values = []
    for week, monday in enumerate([10, 12, 11, 13, 40]):
        values += [monday] + [1] * 6 if week < 4 else [monday]
    out = daily_anomalies(_series(values), AnomalySettings(window_weeks=4, min_history=4))
    assert list(out["day"]) == [date(2026, 2, 2)]  # only the fifth Monday has 4 weeks before
    row = out.iloc[0]
    # median of 10, 12, 11, 13 = 11.5; |dev| 1.5, .5, .5, 1.5 -> MAD 1.0
    assert (row["median"], row["mad"]) == (11.5, 1.0)
    assert row["scale"] == pytest.approx(1.4826)
    assert row["z"] == pytest.approx((40 - 11.5) / 1.4826)
    assert row["high"] == pytest.approx(11.5 + 3.5 * 1.4826) and row["flagged"]


def test_a_flat_zero_series_flags_any_other_value_and_missing_days_are_zero():
    values = [0.0] * 28 + [2.0]
    frame = _series(values).iloc[[0, 28]]  # only the first and last day given: the rest are 0
    out = daily_anomalies(frame, AnomalySettings(window_weeks=4, min_history=4))
    assert len(out) == 1 and out["flagged"].iloc[0] and math.isinf(out["z"].iloc[0])


@pytest.mark.parametrize("kw", [{"window_weeks": 0}, {"min_history": 9}, {"threshold": 0},
                                {"min_relative_scale": -1}])
def test_bad_settings(kw):
    with pytest.raises(ValueError):
        AnomalySettings(**kw)


def test_a_count_is_judged_with_at_least_its_poisson_spread():
    # Mondays 2, 2, 2, 2 (MAD 0) then 5: 5 is within 2 + 3.5 * sqrt(2) = 6.95 for a count,
    # far outside for spend (scale 0.05 * 2 = 0.1)
    values = ([2] + [0] * 6) * 4 + [5]
    frame = _series(values)
    settings = AnomalySettings(window_weeks=4, min_history=4)
    spend = daily_anomalies(frame, settings)
    counts = daily_anomalies(frame.assign(metric="conversions"), settings)
    assert spend["flagged"].iloc[-1] and not counts["flagged"].iloc[-1]
    assert counts["scale"].iloc[-1] == pytest.approx(math.sqrt(2))
    assert counts["high"].iloc[-1] == pytest.approx(2 + 3.5 * math.sqrt(2))
