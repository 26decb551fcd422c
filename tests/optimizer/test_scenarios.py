import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.optimizer.conftest import concave_curves, greedy_revenue, to_inputs
from touchpath.optimizer import (
    BudgetConstraint,
    ChannelBounds,
    GroupLimit,
    PlanConstraints,
    PlanInfeasible,
    ResponseCurve,
    channel_input_from_segments,
    max_budget_at_marginal_roi,
    min_budget_for_revenue,
    optimize_budget,
    revenue_range,
    run_scenarios,
)

FAST = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def greedy_min_budget(curves, target):
    """Inverse of the greedy fill: spend on the steepest segments until revenue reaches target."""
    segs = sorted(((s, w) for pairs in curves.values() for w, s in pairs), key=lambda t: -t[0])
    spent, rev = 0.0, 0.0
    for s, w in segs:
        if rev >= target or s <= 0:
            break
        take = min(w, (target - rev) / s)
        spent += take
        rev += s * take
    return spent


@FAST
@given(curves=concave_curves(max_channels=4, max_segments=4), frac=st.floats(0.05, 0.95))
def test_min_budget_matches_inverse_greedy_and_is_tight(curves, frac):
    top, _ = greedy_revenue(curves, math.inf)
    if top <= 0:
        return
    target = frac * top
    plan = min_budget_for_revenue(to_inputs(curves), PlanConstraints(), target)
    assert plan.budget == pytest.approx(greedy_min_budget(curves, target), rel=1e-9)
    assert plan.expected_revenue >= target * (1 - 1e-9)
    eps = 1e-4 * plan.budget
    below, _ = greedy_revenue(curves, plan.budget - eps)
    assert below < target


def test_min_budget_respects_other_constraints_and_budget_minus_eps_falls_short():
    inputs = to_inputs(
        {"a": [(100.0, 4.0), (100.0, 1.0)], "b": [(100.0, 3.0), (100.0, 2.0)]},
        a={"group": "g"},
        b={"group": "h"},
    )
    cons = PlanConstraints(groups=[GroupLimit("g", max_share=0.25)])
    plan = min_budget_for_revenue(inputs, cons, 700.0)
    # by hand: a (slope 4) is held at T/4, b = 3T/4 fills b1 (3) and part of b2 (2):
    # 4 (T/4) + 300 + 2 (3T/4 - 100) = 2.5 T + 100 = 700 -> T = 240 (a 60, b 180)
    assert plan.budget == pytest.approx(240.0, rel=1e-12)
    assert plan.expected_revenue >= 700.0 - 1e-6
    assert plan.spend() == pytest.approx({"a": 60.0, "b": 180.0})
    eps = 1e-3
    short = optimize_budget(inputs, cons.with_budget(BudgetConstraint(plan.budget - eps)))
    assert short.expected_revenue < 700.0
    # 800 is out of reach: a <= T/4 and b <= 200 give at most 4 * 200/3 + 500 = 766.67
    with pytest.raises(PlanInfeasible):
        min_budget_for_revenue(inputs, cons, 800.0)


def test_unreachable_revenue_target_is_named():
    inputs = to_inputs({"a": [(100.0, 2.0)]})
    with pytest.raises(PlanInfeasible) as info:
        min_budget_for_revenue(inputs, PlanConstraints(), 1000.0)
    assert "revenue target 1,000 is above 200" in " ".join(info.value.conflicts)


@FAST
@given(curves=concave_curves(max_channels=4, max_segments=4), m=st.floats(0.05, 8.0))
def test_max_budget_at_roi_is_sum_of_segments_at_or_above_floor(curves, m):
    expected = math.fsum(w for pairs in curves.values() for w, s in pairs if s >= m)
    plan = max_budget_at_marginal_roi(to_inputs(curves), PlanConstraints(), m)
    assert plan.total_spend == pytest.approx(expected, rel=1e-9, abs=1e-7)
    for c in plan.channels:
        if c.spend > 1e-9:
            assert c.last_unit_roi >= m


def test_max_budget_at_roi_with_a_group_cap_and_a_conflicting_minimum():
    inputs = to_inputs(
        {"a": [(100.0, 4.0), (100.0, 3.0)], "b": [(100.0, 5.0), (100.0, 1.0)]},
        a={"group": "g"},
    )
    # floor 2.5: open a1, a2, b1 (300). With a <= 50% of total: a <= b = 100 -> T = 200.
    cons = PlanConstraints(groups=[GroupLimit("g", max_share=0.5)])
    plan = max_budget_at_marginal_roi(inputs, cons, 2.5)
    assert plan.total_spend == pytest.approx(200.0)
    assert plan.spend() == pytest.approx({"a": 100.0, "b": 100.0})
    # a minimum on b that needs its slope-1 segment cannot keep ROI >= 2.5
    bad = PlanConstraints(bounds=[ChannelBounds("b", min=150.0)])
    with pytest.raises(PlanInfeasible) as info:
        max_budget_at_marginal_roi(inputs, bad, 2.5)
    assert "min b (150)" in " ".join(info.value.conflicts)


def test_scenarios_cover_multipliers_and_keep_infeasible_ones():
    inputs = to_inputs({"a": [(100.0, 4.0), (100.0, 1.0)], "b": [(100.0, 3.0), (100.0, 2.0)]})
    cons = PlanConstraints(
        budget=BudgetConstraint(250.0, equality=True), bounds=[ChannelBounds("a", min=210.0)]
    )
    scen = run_scenarios(inputs, PlanConstraints(budget=BudgetConstraint(250.0, equality=True)))
    frame = scen.to_frame()
    assert list(frame.multiplier) == [0.8, 0.9, 1.0, 1.1, 1.2]
    for m, rev in zip(frame.multiplier, frame.expected_revenue, strict=True):
        assert rev == pytest.approx(
            greedy_revenue(
                {"a": [(100.0, 4.0), (100.0, 1.0)], "b": [(100.0, 3.0), (100.0, 2.0)]}, 250.0 * m
            )[0]
        )
    # incremental ROI between 250 and 275: 25 more units: 25 at slope 2 = 50 -> 2.0
    assert frame.incremental_roi.iloc[3] == pytest.approx(2.0)
    bad = run_scenarios(inputs, cons)  # min a 210 > capacity 200
    assert set(bad.to_frame().status) == {"infeasible"}
    assert "a: lower limit 210" in bad.to_frame().conflicts.iloc[0]


def test_revenue_range_reevaluates_the_fixed_plan():
    inputs = to_inputs({"a": [(100.0, 4.0), (100.0, 1.0)], "b": [(100.0, 3.0), (100.0, 2.0)]})
    plan = optimize_budget(inputs, PlanConstraints(budget=BudgetConstraint(250.0)))
    sets = [
        {"a": ResponseCurve.from_pairs([(100.0, 4.0 * f), (100.0, 1.0 * f)])}
        for f in (0.5, 1.0, 1.5)
    ]
    rr = revenue_range(plan, sets, level=0.5)
    # a holds 100 at slope 4*f, b is unchanged (100*3 + 50*2 = 400)
    assert list(rr.samples) == [200.0 + 400.0, 400.0 + 400.0, 600.0 + 400.0]
    assert rr.median == 800.0
    assert rr.low == pytest.approx(700.0) and rr.high == pytest.approx(900.0)


def test_exact_money_in_goal_seeking_with_cents():
    inputs = [channel_input_from_segments("a", [(1_000.01, 3.0), (500.0, 1.5)])]
    plan = min_budget_for_revenue(inputs, PlanConstraints(), 3_300.03)
    # 3 * 1000.01 = 3000.03, then 300 more at 1.5 -> 200 -> 1200.01
    assert plan.budget == pytest.approx(1_200.01, rel=1e-12)
