"""The rows of the budget LP, written out by hand from the naming rules of ``optimizer.model``.

Each row is checked as (family, sense, right-hand side, coefficients). Columns are
numbered channel by channel in input order (one per curve segment, one per
unmodelled channel), then the total spend ``T``.
"""

import pytest

from touchpath.optimizer import (
    BudgetConstraint,
    ChannelBounds,
    GroupLimit,
    LifecycleLimits,
    MaxChange,
    PlanConstraints,
    build_model,
    channel_input_from_segments,
)

# the definition row of three one-column channels: S_0 + S_1 + S_2 - T = 0
EVERY_OF_THREE = {0: 1.0, 1: 1.0, 2: 1.0, 3: -1.0}


def rows_of(model):
    return {r.name: (r.family, r.sense, r.rhs, dict(r.coefs)) for r in model.rows}


def test_every_constraint_family_has_its_named_rows():
    inputs = [
        # columns 0, 1
        channel_input_from_segments(
            "search",
            [(200_000.0, 4.0), (200_000.0, 2.0)],
            previous_spend=250_000.0,
            group="paid",
            verdict="scale",
        ),
        # columns 2, 3
        channel_input_from_segments(
            "social", [(100_000.0, 3.0), (100_000.0, 1.5)], previous_spend=100_000.0, group="paid"
        ),
        # column 4 (no curve)
        channel_input_from_segments("tv", None, previous_spend=50_000.5),
    ]
    cons = PlanConstraints(
        budget=BudgetConstraint(600_000.0),
        bounds=[ChannelBounds("social", min=20_000.0, max=180_000.0, min_share=0.1, max_share=0.4)],
        max_change=MaxChange(0.3, 0.2),
        groups=[GroupLimit("paid", max_share=0.9, min_share=0.5, max=550_000.0, min=100_000.0)],
        lifecycle=LifecycleLimits(scale_growth=0.5),
    )
    model = build_model(inputs, cons, target_revenue=1_000_000.0)

    search, social, tv, t = {0: 1.0, 1: 1.0}, {2: 1.0, 3: 1.0}, {4: 1.0}, 5
    paid = {**search, **social}
    assert rows_of(model) == {
        "total spend = sum of channel spend": ("definition", "==", 0.0, {**paid, **tv, t: -1.0}),
        # search: scale replaces the max increase; the max decrease stays
        "scale growth cap search (+50% of 250,000)": ("lifecycle", "<=", 375_000.0, search),
        "max decrease search (-20% of 250,000)": ("max_change", ">=", 200_000.0, search),
        "max increase social (+30% of 100,000)": ("max_change", "<=", 130_000.0, social),
        "max decrease social (-20% of 100,000)": ("max_change", ">=", 80_000.0, social),
        "hold tv at previous spend 50,000.50 (no response curve)": (
            "unmodelled",
            "==",
            50_000.5,
            tv,
        ),
        "min social (20,000)": ("bounds", ">=", 20_000.0, social),
        "max social (180,000)": ("bounds", "<=", 180_000.0, social),
        "min share social (10% of total)": ("bounds", ">=", 0.0, {**social, t: -0.1}),
        "max share social (40% of total)": ("bounds", "<=", 0.0, {**social, t: -0.4}),
        "group cap paid (90% of total)": ("groups", "<=", 0.0, {**paid, t: -0.9}),
        "group floor paid (50% of total)": ("groups", ">=", 0.0, {**paid, t: -0.5}),
        "group cap paid (550,000)": ("groups", "<=", 550_000.0, paid),
        "group floor paid (100,000)": ("groups", ">=", 100_000.0, paid),
        "budget <= 600,000": ("budget", "<=", 600_000.0, {t: 1.0}),
        "revenue target >= 1,000,000": ("target", ">=", 1e6, {0: 4.0, 1: 2.0, 2: 3.0, 3: 1.5}),
    }
    assert model.rows[model.budget_row].name == "budget <= 600,000"
    assert model.rows[model.target_row].name == "revenue target >= 1,000,000"
    assert model.total_var == t
    # per-channel share rows know their channel; group rows do not
    by_name = {r.name: r for r in model.rows}
    assert by_name["max share social (40% of total)"].channel == "social"
    assert by_name["group cap paid (90% of total)"].channel is None


@pytest.mark.parametrize(
    ("inputs", "constraints", "expected"),
    [
        pytest.param(
            [
                channel_input_from_segments(
                    "a", [(100.0, 2.0)], previous_spend=100.0, status="exited"
                ),
                channel_input_from_segments(
                    "b", [(100.0, 2.0)], previous_spend=100.0, verdict="exit"
                ),
                channel_input_from_segments(
                    "c", [(100.0, 2.0)], previous_spend=80.0, status="test"
                ),
            ],
            PlanConstraints(
                budget=BudgetConstraint(150.0, equality=True),
                max_change=MaxChange(0.3),
                lifecycle=LifecycleLimits(test_budget_share=0.125),
            ),
            {
                "total spend = sum of channel spend": ("definition", "==", 0.0, EVERY_OF_THREE),
                # exiting and test channels get no max-change rows
                "exit a: spend 0 (status exited)": ("lifecycle", "<=", 0.0, {0: 1.0}),
                "exit b: spend 0 (lifecycle verdict exit)": ("lifecycle", "<=", 0.0, {1: 1.0}),
                "test cap c (12.5% of total)": ("lifecycle", "<=", 0.0, {2: 1.0, 3: -0.125}),
                "budget = 150": ("budget", "==", 150.0, {3: 1.0}),
            },
            id="curve-channels-exit-and-test",
        ),
        pytest.param(
            [
                channel_input_from_segments("d", None, previous_spend=10.0, verdict="exit"),
                channel_input_from_segments("e", None, previous_spend=20.0),
                # bounds of its own replace the unmodelled rule
                channel_input_from_segments("f", None, previous_spend=30.0),
            ],
            PlanConstraints(
                bounds=[ChannelBounds("f", max=25.0)],
                max_change=MaxChange(0.3),
                unmodelled="zero",
            ),
            {
                "total spend = sum of channel spend": ("definition", "==", 0.0, EVERY_OF_THREE),
                "exit d: spend 0": ("lifecycle", "<=", 0.0, {0: 1.0}),
                "no spend for e (no response curve)": ("unmodelled", "==", 0.0, {1: 1.0}),
                "max f (25)": ("bounds", "<=", 25.0, {2: 1.0}),
            },
            id="unmodelled-channels-exit-zero-and-bounded",
        ),
    ],
)
def test_lifecycle_and_unmodelled_rows_by_channel_kind(inputs, constraints, expected):
    model = build_model(inputs, constraints)
    assert rows_of(model) == expected
