import pytest

from touchpath.optimizer import (
    BudgetConstraint,
    ChannelBounds,
    GroupLimit,
    MaxChange,
    PlanConstraints,
    PlanInfeasible,
    channel_input_from_segments,
    optimize_budget,
)


def inputs():
    return [
        channel_input_from_segments("search", [(600_000, 3.0), (600_000, 1.0)], group="search"),
        channel_input_from_segments("social", [(500_000, 2.5)], group="social"),
        channel_input_from_segments("video", [(400_000, 2.0)], group="social"),
        channel_input_from_segments("kol", [(300_000, 5.0)], status="test"),
        channel_input_from_segments("sms", [(50_000, 7.0)], verdict="exit"),
    ]


def conflicts_of(cons, **kw):
    with pytest.raises(PlanInfeasible) as info:
        optimize_budget(inputs(), cons, **kw)
    assert info.value.conflicts, "an infeasible plan must name its conflicts"
    return " | ".join(info.value.conflicts)


def test_minimums_above_budget_are_named_with_the_sum():
    cons = PlanConstraints(
        budget=BudgetConstraint(1_200_000),
        bounds=[ChannelBounds("search", min=800_000), ChannelBounds("social", min=500_000)],
    )
    text = conflicts_of(cons)
    assert "channel minimums sum to 1,300,000 > budget 1,200,000" in text
    assert "min search (800,000)" in text


def test_group_floors_over_100_percent_are_named():
    cons = PlanConstraints(
        budget=BudgetConstraint(1_000_000),
        groups=[GroupLimit("social", min_share=0.5), GroupLimit("search", min_share=0.6)],
    )
    text = conflicts_of(cons)
    assert "group floor search 60% + group floor social 50% = 110% > 100% of total" in text


def test_min_of_exited_channel_is_named():
    cons = PlanConstraints(
        budget=BudgetConstraint(1_000_000), bounds=[ChannelBounds("sms", min=10_000)]
    )
    text = conflicts_of(cons)
    assert "sms: lower limit 10,000 from min sms (10,000)" in text
    assert "exit sms: spend 0 (lifecycle verdict exit)" in text


def test_min_of_test_channel_above_its_test_cap_is_named():
    cons = PlanConstraints(
        budget=BudgetConstraint(1_000_000), bounds=[ChannelBounds("kol", min=100_000)]
    )
    text = conflicts_of(cons)
    assert "kol: lower limit 100,000" in text
    assert "test cap kol (5% of total), at most 50,000 of the budget" in text


def test_exact_budget_above_what_channels_can_take():
    cons = PlanConstraints(budget=BudgetConstraint(3_000_000, equality=True))
    text = conflicts_of(cons)
    assert "budget 3,000,000 must be spent exactly" in text


def test_coupled_conflict_is_reduced_to_an_irreducible_set():
    # social+video <= 30% of total, search <= +10% of 500k = 550k, kol <= 5%:
    # total T <= 550k + 0.3T + 0.05T -> T <= 846,153.8 < 1,000,000 (exact budget)
    base = [
        channel_input_from_segments(
            "search", [(600_000, 3.0), (600_000, 1.0)], group="search", previous_spend=500_000
        ),
        *inputs()[1:],
    ]
    cons = PlanConstraints(
        budget=BudgetConstraint(1_000_000, equality=True),
        max_change=MaxChange(0.1),
        groups=[GroupLimit("social", max_share=0.3)],
    )
    with pytest.raises(PlanInfeasible) as info:
        optimize_budget(base, cons)
    text = " | ".join(info.value.conflicts)
    for name in (
        "budget = 1,000,000",
        "group cap social (30% of total)",
        "max increase search (+10% of 500,000)",
        "test cap kol (5% of total)",
    ):
        assert name in text
    assert "exit sms" not in text  # not part of the conflict


def test_return_mode_gives_a_plan_with_status_and_conflicts():
    cons = PlanConstraints(
        budget=BudgetConstraint(100.0), bounds=[ChannelBounds("search", min=200.0)]
    )
    plan = optimize_budget(inputs(), cons, on_infeasible="return")
    assert plan.status == "infeasible"
    assert plan.conflicts and "channel minimums sum to 200 > budget 100" in plan.conflicts[0]
    assert plan.to_dict()["status"] == "infeasible"
