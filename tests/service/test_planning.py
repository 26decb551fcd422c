"""Plan inputs fitted from the warehouse (``touchpath plan`` without ``--curves``: tests/cli).

One small synthetic warehouse (8,000 users, 2026, monthly periods; the
``plan_db`` and ``plan_found`` fixtures of tests/conftest.py) is built once.
The checks recompute each input independently: paid channels and the last
three months' spend by SQL on the spend table, the test channel's verdict from
the ROI rows of its latest cycle, the quarter segments from the fitted monthly
curve (``3 · R(S / 3)`` at each breakpoint).
"""

import math
from datetime import date

import numpy as np
import pytest

from touchpath.attribution.roi import next_quarter
from touchpath.data.synth import TEST_CHANNEL
from touchpath.data.warehouse import Warehouse
from touchpath.optimizer import BudgetConstraint, PlanConstraints, optimize_budget
from touchpath.optimizer.plan import revenue_range
from touchpath.service import CurveSettings, plan_inputs

LAST_3_MONTHS_SPEND = """
WITH last AS (
    SELECT date_trunc('month', max(day)) - INTERVAL 2 MONTH AS first_day
    FROM (SELECT CAST(ts AS DATE) AS day FROM conversions UNION ALL SELECT day FROM spend)
)
SELECT channel, sum(amount) AS spend
FROM spend, last
WHERE day >= last.first_day
GROUP BY channel
"""


def _sql(db, query):
    with Warehouse.open(db, read_only=True) as wh:
        return wh.conn.execute(query).fetchall()


def test_every_paid_channel_has_a_curve(plan_db, plan_found):
    paid = {c for (c,) in _sql(plan_db, "SELECT DISTINCT channel FROM spend WHERE amount > 0")}
    assert paid and {ci.channel for ci in plan_found.inputs if ci.curve is not None} == paid
    assert set(plan_found.curves) == paid
    free = {c for (c,) in _sql(plan_db, "SELECT channel FROM channels")} - paid
    assert "owned_site" in free and not free & {ci.channel for ci in plan_found.inputs}


def test_previous_spend_is_the_last_three_months_of_spend(plan_db, plan_found):
    expected = dict(_sql(plan_db, LAST_3_MONTHS_SPEND))
    assert plan_found.previous_periods == ("2026-10", "2026-11", "2026-12")
    for ci in plan_found.inputs:
        assert ci.previous_spend == pytest.approx(float(expected[ci.channel]), rel=1e-12)
    assert plan_found.previous_total == pytest.approx(float(sum(expected.values())), rel=1e-12)


def test_test_channel_carries_its_lifecycle_verdict(plan_db, plan_found):
    """Recompute the latest cycle: baseline over established channels with spend."""
    (ci,) = [c for c in plan_found.inputs if c.channel == TEST_CHANNEL]
    assert ci.status == "test" and ci.group == "social"
    statuses = dict(_sql(plan_db, "SELECT channel, status FROM channels"))
    frame = plan_found.roi_table.to_frame(include_direct=False)
    last = frame[frame["period"] == plan_found.roi_table.periods[-1]]
    est = last[last["channel"].map(statuses).eq("established") & (last["spend"] > 0)]
    baseline = est["attributed_revenue"].sum() / est["spend"].sum()
    row = last[last["channel"] == TEST_CHANNEL].iloc[0]
    roi = row["attributed_revenue"] / row["spend"]
    verdict = plan_found.verdict(TEST_CHANNEL)
    assert verdict.baseline == pytest.approx(baseline) and verdict.roi == pytest.approx(roi)
    assert ci.verdict == verdict.verdict
    if verdict.verdict != "exit" and row["attributed_conversions"] >= 1:
        assert ci.verdict == ("scale" if roi >= 1.30 * baseline else
                              "admit" if roi >= 1.15 * baseline else "test")
    assert all(c.verdict is None for c in plan_found.inputs if c.channel != TEST_CHANNEL)


def test_quarter_segments_follow_the_monthly_curve(plan_found):
    """Spend S spread over 3 months returns 3 · R(S / 3): check at every breakpoint."""
    for ci in plan_found.inputs:
        curve = plan_found.curves[ci.channel]
        spent = np.cumsum([s.width for s in ci.curve.segments])
        revenue = np.cumsum([s.width * s.slope for s in ci.curve.segments])
        assert spent[-1] == pytest.approx(3 * curve.max_spend, rel=1e-12)
        assert revenue == pytest.approx(3 * np.asarray(curve.revenue(spent / 3)), rel=1e-9)


def test_conversions_per_revenue_and_monthly_pattern(plan_db, plan_found):
    frame = plan_found.roi_table.to_frame(include_direct=False)
    by_month = dict(((c, int(m)), float(s)) for c, m, s in _sql(
        plan_db, "SELECT channel, (month(day) - 1) % 3, sum(amount) FROM spend GROUP BY ALL"))
    for ci in plan_found.inputs:
        rows = frame[frame["channel"] == ci.channel]
        assert ci.conversions_per_revenue == pytest.approx(
            rows["attributed_conversions"].sum() / rows["attributed_revenue"].sum())
        assert ci.monthly_pattern == pytest.approx(
            [by_month.get((ci.channel, k), 0.0) for k in range(3)], rel=1e-12)


def test_quarter_after_the_data_end():
    assert next_quarter(date(2026, 12, 31)) == "2027Q1"
    assert next_quarter(date(2026, 3, 31)) == "2026Q2"
    assert next_quarter(date(2026, 5, 2)) == "2026Q3"


def test_data_end_and_default_quarter(plan_found):
    assert plan_found.data_end == date(2026, 12, 31) and plan_found.quarter == "2027Q1"


def test_resampled_curves_give_a_revenue_range(plan_db, plan_found):
    with Warehouse.open(plan_db, read_only=True) as wh:
        boot = plan_inputs(wh, CurveSettings(model="markov1", resamples=4, seed=1))
    assert len(boot.curve_sets) == 4
    assert all(set(cs) == set(plan_found.curves) for cs in boot.curve_sets)
    plan = optimize_budget(boot.inputs, PlanConstraints(budget=BudgetConstraint(
        plan_found.previous_total)))
    rr = revenue_range(plan, boot.curve_sets)
    # Each sample is the plan's spend evaluated on that resample's curves.
    spend = {c.channel: c.spend for c in plan.channels}
    for b, cs in enumerate(boot.curve_sets):
        assert rr.samples[b] == pytest.approx(math.fsum(cs[c].revenue(s)
                                                        for c, s in spend.items()))
    assert rr.low <= rr.median <= rr.high
    assert not np.allclose(rr.samples, plan.expected_revenue)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="period"):
        CurveSettings(period="day")
    with pytest.raises(ValueError, match="segments"):
        CurveSettings(segments=0)
