import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.optimizer.conftest import concave_curves, greedy_revenue, to_inputs
from touchpath.optimizer import (
    BudgetConstraint,
    ChannelBounds,
    GroupLimit,
    LifecycleLimits,
    MaxChange,
    PlanConstraints,
    available_solvers,
    channel_input_from_segments,
    optimize_budget,
)

SOLVERS = available_solvers()
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def budget_only(total, equality=False):
    return PlanConstraints(budget=BudgetConstraint(total, equality=equality))


@FAST
@given(curves=concave_curves(), frac=st.floats(0.0, 1.2))
def test_lp_revenue_equals_greedy_fill_with_only_a_budget(curves, frac):
    cap = sum(w for pairs in curves.values() for w, _ in pairs)
    budget = round(frac * cap, 2)
    plan = optimize_budget(to_inputs(curves), budget_only(budget))
    expected, _ = greedy_revenue(curves, budget)
    assert plan.expected_revenue == pytest.approx(expected, rel=1e-9, abs=1e-6)
    assert plan.total_spend <= budget + 1e-6


@FAST
@given(curves=concave_curves(), f1=st.floats(0.0, 1.0), f2=st.floats(0.0, 1.0))
def test_more_budget_never_gives_less_revenue(curves, f1, f2):
    cap = sum(w for pairs in curves.values() for w, _ in pairs)
    lo, hi = sorted((f1 * cap, f2 * cap))
    r_lo = optimize_budget(to_inputs(curves), budget_only(lo)).expected_revenue
    r_hi = optimize_budget(to_inputs(curves), budget_only(hi)).expected_revenue
    assert r_hi >= r_lo - 1e-6 * max(1.0, r_lo)


def test_hand_example_and_both_marginal_rois(two_channels):
    # greedy by slope: a1 (4) 100, b1 (3) 100, b2 (2) 50 -> 400 + 300 + 100
    plan = optimize_budget(two_channels, budget_only(250.0, equality=True))
    assert plan.spend() == {"a": 100.0, "b": 150.0}
    assert plan.expected_revenue == 800.0
    a, b = plan.channel("a"), plan.channel("b")
    assert (a.marginal_roi, a.last_unit_roi) == (1.0, 4.0)  # at the kink
    assert (b.marginal_roi, b.last_unit_roi) == (2.0, 2.0)  # inside segment 2


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("equality", [False, True])
def test_shadow_price_is_slope_of_marginal_segment_and_finite_difference(
    two_channels, solver, equality
):
    plan = optimize_budget(two_channels, budget_only(250.0, equality), solver=solver)
    assert plan.budget_shadow_price == pytest.approx(2.0, abs=1e-7)  # slope of b2
    h = 10.0
    up = optimize_budget(two_channels, budget_only(260.0, equality), solver=solver)
    down = optimize_budget(two_channels, budget_only(240.0, equality), solver=solver)
    fd = (up.expected_revenue - down.expected_revenue) / (2 * h)
    assert plan.budget_shadow_price == pytest.approx(fd, rel=1e-9)


@FAST
@given(curves=concave_curves(max_channels=4, max_segments=4), pos=st.floats(0.1, 0.9))
def test_shadow_price_matches_greedy_marginal_segment_random(curves, pos):
    # put the budget strictly inside one segment of the greedy order (non-degenerate)
    segs = sorted(((s, w) for pairs in curves.values() for w, s in pairs), key=lambda t: -t[0])
    slopes = [s for s, _ in segs]
    k = len(segs) // 2
    if slopes.count(slopes[k]) > 1 or slopes[k] == 0:
        return
    budget = sum(w for _, w in segs[:k]) + pos * segs[k][1]
    plan = optimize_budget(to_inputs(curves), budget_only(budget))
    assert plan.budget_shadow_price == pytest.approx(slopes[k], abs=1e-6)
    h = 1e-3 * min(pos, 1 - pos) * segs[k][1]
    r = [greedy_revenue(curves, budget + d)[0] for d in (-h, h)]
    assert plan.budget_shadow_price == pytest.approx((r[1] - r[0]) / (2 * h), rel=1e-5)


def test_exact_budget_with_cents_is_spent_exactly_without_rounding():
    inputs = to_inputs(
        {
            "a": [(123_456.789, 3.3), (200_000.0, 1.1)],
            "b": [(98_765.4321, 2.9), (300_000.0, 0.7)],
            "c": [(55_555.55, 5.0)],
        }
    )
    budget = 1_234_567.89 / 3.0  # not representable with few digits
    plan = optimize_budget(inputs, budget_only(budget, equality=True))
    assert math.fsum(plan.spend().values()) == pytest.approx(budget, rel=1e-13)
    greedy, spend = greedy_revenue(
        {
            "a": [(123_456.789, 3.3), (200_000.0, 1.1)],
            "b": [(98_765.4321, 2.9), (300_000.0, 0.7)],
            "c": [(55_555.55, 5.0)],
        },
        budget,
    )
    for ch, s in spend.items():
        assert plan.spend()[ch] == pytest.approx(s, rel=1e-12, abs=1e-7)


def _big_instance():
    curves = {
        "search": [(100.0, 5.0), (100.0, 3.0), (100.0, 1.0)],
        "social": [(100.0, 6.0), (100.0, 4.0), (100.0, 2.0)],
        "video": [(100.0, 5.5), (100.0, 3.5), (100.0, 0.5)],
        "kol": [(100.0, 9.0), (100.0, 8.0)],
        "sms": [(100.0, 7.0)],
        "promo": [(100.0, 4.5), (100.0, 4.4)],
        "email": None,
    }
    meta = {
        "search": {"previous_spend": 200.0, "group": "search"},
        "social": {"previous_spend": 100.0, "group": "social"},
        "video": {"previous_spend": 150.0, "group": "social"},
        "kol": {"previous_spend": 10.0, "status": "test"},
        "sms": {"previous_spend": 50.0, "verdict": "exit"},
        "promo": {"previous_spend": 60.0, "verdict": "scale"},
        "email": {"previous_spend": 40.0},
    }
    return [channel_input_from_segments(c, p, **meta[c]) for c, p in curves.items()]


@pytest.mark.parametrize("solver", SOLVERS)
def test_every_constraint_kind_is_satisfied(solver):
    inputs = _big_instance()
    cons = PlanConstraints(
        budget=BudgetConstraint(680.0, equality=True),
        bounds=[ChannelBounds("search", min=180.0), ChannelBounds("video", max_share=0.2)],
        max_change=MaxChange(0.3),
        groups=[GroupLimit("social", max_share=0.4), GroupLimit("search", min_share=0.2)],
        lifecycle=LifecycleLimits(test_budget_share=0.05, scale_growth=0.5),
    )
    plan = optimize_budget(inputs, cons, solver=solver)
    s = plan.spend()
    tol = 1e-6
    total = math.fsum(s.values())
    assert total == pytest.approx(680.0, rel=1e-12)
    assert s["search"] >= 180.0 - tol
    assert s["video"] <= 0.2 * total + tol
    assert s["social"] + s["video"] <= 0.4 * total + tol
    assert s["search"] >= 0.2 * total - tol
    for ch, prev in (("search", 200.0), ("social", 100.0), ("video", 150.0)):
        assert prev * 0.7 - tol <= s[ch] <= prev * 1.3 + tol
    # lifecycle: exit -> 0, test -> <= 5% of total, scale -> <= prev * 1.5 (beyond +30%)
    assert s["sms"] == 0.0
    assert s["kol"] <= 0.05 * total + tol
    assert s["promo"] <= 60.0 * 1.5 + tol
    assert s["promo"] > 60.0 * 1.3  # the scale rule lets it grow past the change limit
    assert s["email"] == 40.0  # no curve: held at previous spend
    assert plan.channel("email").expected_revenue is None
    assert plan.channel("sms").rule == "exit"
    assert plan.channel("kol").rule == "test"
    assert "test cap kol (5% of total)" in plan.binding_constraints
    # revenue is the curve evaluated at the plan (independent of the LP variables)
    by_name = {ci.channel: ci.curve for ci in inputs if ci.curve is not None}
    assert plan.expected_revenue == pytest.approx(
        math.fsum(by_name[c].revenue(v) for c, v in s.items() if c in by_name), rel=1e-12
    )


def test_solvers_agree_on_revenue():
    if "highs" not in SOLVERS:
        pytest.skip("highspy not installed")
    cons = PlanConstraints(
        budget=BudgetConstraint(700.0),
        max_change=MaxChange(0.5),
        groups=[GroupLimit("social", max_share=0.5)],
    )
    a = optimize_budget(_big_instance(), cons, solver="cbc")
    b = optimize_budget(_big_instance(), cons, solver="highs")
    assert a.expected_revenue == pytest.approx(b.expected_revenue, rel=1e-12)
    assert a.budget_shadow_price == pytest.approx(b.budget_shadow_price, abs=1e-7)


def test_profit_objective_stops_where_margin_times_slope_falls_below_one(two_channels):
    # margin 0.4: profitable segments have slope > 2.5 -> a1 (4), b1 (3); b2 (2 * 0.4 < 1) not
    cons = budget_only(400.0)
    plan = optimize_budget(two_channels, cons, objective="profit", margin=0.4)
    assert plan.spend() == {"a": 100.0, "b": 100.0}
    assert plan.objective_value == pytest.approx(0.4 * 700.0 - 200.0)
    assert plan.budget_shadow_price == pytest.approx(0.0, abs=1e-9)


def test_conversions_objective_uses_conversions_per_revenue():
    # a: AOV 100 (0.01 conv per revenue); b: AOV 20 (0.05) -> b's 2.0 slope gives 0.1 conv/unit
    inputs = [
        channel_input_from_segments("a", [(100.0, 4.0)], conversions_per_revenue=0.01),
        channel_input_from_segments("b", [(100.0, 2.0)], conversions_per_revenue=0.05),
    ]
    plan = optimize_budget(inputs, budget_only(100.0), objective="conversions")
    assert plan.spend() == {"a": 0.0, "b": 100.0}
    assert plan.expected_conversions == pytest.approx(100.0 * 2.0 * 0.05)


def test_conversions_objective_requires_a_rate(two_channels):
    from touchpath.optimizer import CurveError

    with pytest.raises(CurveError, match="conversions_per_revenue .* a, b"):
        optimize_budget(two_channels, budget_only(100.0), objective="conversions")


def test_unmodelled_zero_policy_gives_nothing():
    inputs = [
        channel_input_from_segments("a", [(100.0, 2.0)]),
        channel_input_from_segments("email", None, previous_spend=30.0),
    ]
    cons = PlanConstraints(budget=BudgetConstraint(100.0), unmodelled="zero")
    assert optimize_budget(inputs, cons).spend() == {"a": 100.0, "email": 0.0}
    held = optimize_budget(inputs, PlanConstraints(budget=BudgetConstraint(100.0)))
    assert held.spend() == {"a": 70.0, "email": 30.0}
    assert held.unmodelled_spend == 30.0


def test_non_optimal_solver_status_is_reported_not_hidden(two_channels, monkeypatch):
    import pulp

    from touchpath.optimizer import PlanError

    monkeypatch.setattr(pulp.LpProblem, "solve", lambda self, solver=None: pulp.LpStatusNotSolved)
    plan = optimize_budget(two_channels, budget_only(100.0), on_infeasible="return")
    assert plan.status == "not solved" and not plan.ok and plan.channels == ()
    assert "stopped before proving optimality" in plan.status_text
    with pytest.raises(PlanError, match="not solved"):
        optimize_budget(two_channels, budget_only(100.0))


def test_curve_sets_give_a_revenue_range(two_channels):
    from touchpath.optimizer import ResponseCurve

    sets = [
        {"b": ResponseCurve.from_pairs([(100.0, 3.0 * f), (100.0, 2.0 * f)])} for f in (0.8, 1.2)
    ]
    plan = optimize_budget(two_channels, budget_only(250.0), curve_sets=sets, range_level=0.5)
    # a: 400 fixed; b at 150: 400 * f -> 720 and 880; 25th/75th percentiles of two points
    assert list(plan.revenue_range.samples) == pytest.approx([720.0, 880.0])
    assert plan.revenue_range.low == pytest.approx(760.0)
    assert plan.revenue_range.high == pytest.approx(840.0)
