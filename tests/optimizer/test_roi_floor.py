"""The floor on marginal ROI (``min_roi``): closed segments, unallocated budget, warnings.

Every instance is small enough to solve by hand; the expected numbers are
worked out in each test's docstring from the segments (width, slope).
"""

import pytest

from touchpath.optimizer import (
    BudgetConstraint,
    MaxChange,
    PlanConstraints,
    channel_input_from_segments,
    optimize_budget,
    run_scenarios,
)


def ch(name, segments, **kw):
    return channel_input_from_segments(name, segments, **kw)


def loss_making():
    """Two constant-ROI curves returning 0.03 per unit: a up to 150, b up to 300."""
    return [ch("a", [(150.0, 0.03)], previous_spend=100.0),
            ch("b", [(300.0, 0.03)], previous_spend=200.0)]


def budget(total, equality=False, **kw):
    return PlanConstraints(budget=BudgetConstraint(total, equality=equality), **kw)


def test_a_loss_making_plan_spends_nothing_and_says_why():
    """Slope 0.03 < 1 everywhere: nothing is bought, the whole 300 is unallocated."""
    plan = optimize_budget(loss_making(), budget(300.0), min_roi=1.0)
    assert plan.spend() == {"a": 0.0, "b": 0.0}
    assert plan.total_spend == 0.0 and plan.expected_revenue == 0.0
    assert plan.unallocated == 300.0
    reason = plan.unallocated_reason
    assert reason.startswith("no channel returns ≥ 1.0 per unit beyond the planned spend 0")
    assert "a 0.03" in reason and "b 0.03" in reason
    assert "300 left unallocated" in plan.status_text
    d = plan.to_dict()
    assert (d["unallocated"], d["min_roi"]) == (300.0, 1.0)
    assert d["unallocated_reason"] == reason and d["warnings"] == []


def test_without_the_floor_the_budget_is_spent_as_before():
    """min_roi 0: 300 of capacity 450 bought at 0.03, revenue 9, nothing unallocated."""
    plan = optimize_budget(loss_making(), budget(300.0), min_roi=0.0)
    assert plan.total_spend == pytest.approx(300.0)
    assert plan.expected_revenue == pytest.approx(9.0)
    assert plan.unallocated == 0.0 and plan.unallocated_reason is None
    assert not any("< " in w for w in plan.warnings)


def test_an_exact_budget_is_spent_and_every_channel_below_the_floor_is_named():
    """Budget 450 exactly = both capacities: a 150, b 300, each at 0.03 < 1.0."""
    plan = optimize_budget(loss_making(), budget(450.0, equality=True), min_roi=1.0)
    assert plan.spend() == {"a": 150.0, "b": 300.0}
    assert plan.unallocated == 0.0
    for c in ("a", "b"):
        loss = [w for w in plan.warnings if w.startswith(f"{c}: marginal ROI 0.03 < 1.0")]
        assert len(loss) == 1 and "budget must be spent exactly" in loss[0]
    assert any(b.startswith("ROI floor 1.0") for b in plan.binding_constraints)


def test_forced_spend_below_the_floor_is_the_least_the_constraints_allow():
    """Change limit ±30 %: a >= 70, b >= 140; floor 1.0 buys exactly those 210, no more.

    Budget 500 at most: 290 unallocated; each channel warned, naming its max decrease.
    """
    plan = optimize_budget(loss_making(), budget(500.0, max_change=MaxChange(0.3)), min_roi=1.0)
    assert plan.spend() == {"a": pytest.approx(70.0), "b": pytest.approx(140.0)}
    assert plan.unallocated == pytest.approx(290.0)
    wa = [w for w in plan.warnings if w.startswith("a: marginal ROI 0.03 < 1.0")]
    assert len(wa) == 1 and "max decrease a (-30% of 100)" in wa[0]


def two_channels():
    """a: (100, 4.0), (100, 1.0), (100, 0.5); b: (200, 2.0), (100, 0.8), (100, 0.2)."""
    return [ch("a", [(100.0, 4.0), (100.0, 1.0), (100.0, 0.5)]),
            ch("b", [(200.0, 2.0), (100.0, 0.8), (100.0, 0.2)])]


def test_the_floor_closes_exactly_the_segments_below_it():
    """Floor 1.0, budget 1,000 at most.

    Open: a1 (slope 4), a2 (slope 1.0, not below the floor), b1 (slope 2); closed:
    a3 (0.5), b2 (0.8), b3 (0.2). Spend a = 100 + 100 = 200, b = 200; revenue
    100·4 + 100·1 + 200·2 = 900; unallocated 1,000 − 400 = 600. Next units:
    a 0.5, b 0.8.
    """
    plan = optimize_budget(two_channels(), budget(1000.0), min_roi=1.0)
    assert plan.spend() == {"a": 200.0, "b": 200.0}
    assert plan.expected_revenue == 900.0
    assert plan.unallocated == 600.0
    assert "(next unit: a 0.5, b 0.8)" in plan.unallocated_reason
    a, b = plan.channel("a"), plan.channel("b")
    assert (a.marginal_roi, a.last_unit_roi) == (0.5, 1.0)
    assert (b.marginal_roi, b.last_unit_roi) == (0.8, 2.0)
    assert plan.warnings == ()


def test_with_min_roi_zero_every_segment_is_bought():
    """No floor: both curves filled, a 300, b 400; revenue 900 + 50 + 80 + 20 = 1,050.

    The 300 left of 1,000 is unallocated, held by both curve capacities.
    """
    plan = optimize_budget(two_channels(), budget(1000.0), min_roi=0.0)
    assert plan.spend() == {"a": 300.0, "b": 400.0}
    assert plan.expected_revenue == pytest.approx(1050.0)
    assert plan.unallocated == pytest.approx(300.0)
    assert "a by curve capacity a (300)" in plan.unallocated_reason
    assert "b by curve capacity b (400)" in plan.unallocated_reason


def test_a_small_budget_is_spent_whole_under_the_floor():
    """Budget 300: a1 (4) 100, b1 (2) 200 fill it; revenue 400 + 400 = 800, none left."""
    plan = optimize_budget(two_channels(), budget(300.0), min_roi=1.0)
    assert plan.spend() == {"a": 100.0, "b": 200.0}
    assert plan.expected_revenue == 800.0 and plan.unallocated == 0.0


def test_a_channel_at_its_cap_names_the_cap_and_keeps_its_last_roi():
    """c: (100, 3.0), (50, 2.0), ends at 150; budget 1,000 and floor 1.0 fill it.

    The next unit is unavailable (None, not 0); the last unit bought returns 2.0;
    the cap is a binding constraint with its reason.
    """
    reason = "1.5 × the largest observed spend 100 per month: 150 per quarter"
    plan = optimize_budget([ch("c", [(100.0, 3.0), (50.0, 2.0)])], budget(1000.0),
                           min_roi=1.0, capacity_reasons={"c": reason})
    c = plan.channel("c")
    name = f"curve capacity c ({reason})"
    assert c.spend == 150.0
    assert c.marginal_roi is None and c.last_unit_roi == 2.0
    assert c.held_by == name and name in plan.binding_constraints
    assert any(w.startswith(f"c: held by {name}") and "returns 2.0" in w for w in plan.warnings)
    assert c.to_dict()["marginal_roi"] is None and c.to_dict()["held_by"] == name


def test_scenarios_apply_the_floor():
    """Two channels above at 300 × (0.8, 1, 2): 240 and 300 spent whole, 600 only 400."""
    s = run_scenarios(two_channels(), budget(300.0), multipliers=[0.8, 2.0], min_roi=1.0)
    frame = s.to_frame()
    assert list(frame.total_spend) == [240.0, 300.0, 400.0]
    assert list(frame.unallocated) == [0.0, 0.0, 200.0]


def test_min_roi_must_be_a_number_at_least_zero():
    with pytest.raises(ValueError, match="min_roi"):
        optimize_budget(two_channels(), budget(300.0), min_roi=-1.0)


def test_roi_numbers_read_as_decimals():
    from touchpath.optimizer.plan import fmt_ratio

    assert [fmt_ratio(x) for x in (1.0, 0.03, 1.25, 2.0, 1000.0, 0.0)] == [
        "1.0", "0.03", "1.25", "2.0", "1,000.0", "0.0"]


def social_and_search():
    """Social v (slope 3) and k (slope 2), 50 each last quarter; search s (slope 5), 20."""
    return [ch("v", [(200.0, 3.0)], previous_spend=50.0, group="social"),
            ch("k", [(200.0, 2.0)], previous_spend=50.0, group="social"),
            ch("s", [(200.0, 5.0)], previous_spend=20.0, group="search")]


def test_a_group_cap_below_what_the_change_limits_keep_is_infeasible_and_says_which():
    """The README's shape (``--max-change 0.3 --group-cap social=0.4``) on social-heavy data.

    Social keeps at least 0.7 · 100 = 70; search grows to at most 26; a social
    share of at most 40 % needs social ≤ (0.4 / 0.6) · search ≤ 17.3 < 70.
    """
    from touchpath.optimizer import GroupLimit

    cons = budget(120.0, max_change=MaxChange(0.3),
                  groups=(GroupLimit("social", max_share=0.4),))
    plan = optimize_budget(social_and_search(), cons, min_roi=1.0, on_infeasible="return")
    assert plan.status == "infeasible"
    text = "; ".join(plan.conflicts)
    assert "group cap social (40% of total)" in text and "max increase s" in text
    assert "max decrease" in text


def test_budget_a_group_cap_leaves_unplaced_is_unallocated_with_the_cap_named():
    """Social cap 80 %, budget 200 at most.

    s fills to its +30 % limit, 26 (slope 5); v to its limit, 65 (slope 3); social
    ≤ 4 · 26 = 104, so k gets 104 − 65 = 39 (slope 2). Total 130, unallocated 70;
    revenue 26·5 + 65·3 + 39·2 = 403.
    """
    from touchpath.optimizer import GroupLimit

    cons = budget(200.0, max_change=MaxChange(0.3),
                  groups=(GroupLimit("social", max_share=0.8),))
    plan = optimize_budget(social_and_search(), cons, min_roi=1.0)
    assert plan.spend() == {"v": pytest.approx(65.0), "k": pytest.approx(39.0),
                            "s": pytest.approx(26.0)}
    assert plan.expected_revenue == pytest.approx(403.0)
    assert plan.unallocated == pytest.approx(70.0)
    reason = plan.unallocated_reason
    assert "s by max increase s (+30% of 20)" in reason
    assert "v by max increase v (+30% of 50)" in reason
    assert "k: held by group cap social (80% of total)" in reason
