"""Touchpath budget optimizer: a piecewise-linear LP over response curves (DESIGN.md).

Typical use::

    from touchpath.optimizer import (BudgetConstraint, PlanConstraints, MaxChange,
                           channel_input_from_segments, optimize_budget)

    inputs = [channel_input_from_segments("search", [(100_000, 4.1), (100_000, 2.7)],
                                          previous_spend=150_000, group="search")]
    plan = optimize_budget(inputs, PlanConstraints(budget=BudgetConstraint(180_000)))
    plan.to_frame()
"""

from touchpath.optimizer.constraints import (
    BudgetConstraint,
    ChannelBounds,
    ConstraintError,
    GroupLimit,
    LifecycleLimits,
    MaxChange,
    PlanConstraints,
)
from touchpath.optimizer.curves import (
    ChannelInput,
    CurveError,
    FittedRevenue,
    ResponseCurve,
    Segment,
    breakpoints,
    channel_input_from_segments,
    chords,
    segments_from,
)
from touchpath.optimizer.io import (
    curves_document,
    curves_from_json,
    load_curves_file,
    segment_entries,
)
from touchpath.optimizer.model import (
    LPModel,
    LPSolution,
    PlanError,
    PlanInfeasible,
    available_solvers,
    build_model,
    diagnose_conflicts,
    solve_model,
)
from touchpath.optimizer.plan import (
    BudgetPlan,
    ChannelPlan,
    RevenueRange,
    evaluate_revenue,
    optimize_budget,
    quarter_months,
    revenue_range,
)
from touchpath.optimizer.scenarios import (
    DEFAULT_MULTIPLIERS,
    ScenarioSet,
    max_budget_at_marginal_roi,
    min_budget_for_revenue,
    run_scenarios,
)

__all__ = [
    "DEFAULT_MULTIPLIERS",
    "BudgetConstraint",
    "BudgetPlan",
    "ChannelBounds",
    "ChannelInput",
    "ChannelPlan",
    "ConstraintError",
    "CurveError",
    "FittedRevenue",
    "GroupLimit",
    "LPModel",
    "LPSolution",
    "LifecycleLimits",
    "MaxChange",
    "PlanConstraints",
    "PlanError",
    "PlanInfeasible",
    "ResponseCurve",
    "RevenueRange",
    "ScenarioSet",
    "Segment",
    "available_solvers",
    "breakpoints",
    "build_model",
    "channel_input_from_segments",
    "chords",
    "curves_document",
    "curves_from_json",
    "diagnose_conflicts",
    "evaluate_revenue",
    "load_curves_file",
    "max_budget_at_marginal_roi",
    "min_budget_for_revenue",
    "optimize_budget",
    "quarter_months",
    "revenue_range",
    "run_scenarios",
    "segment_entries",
    "segments_from",
    "solve_model",
]
