"""Budget optimizer benchmark: 200 channels x 50 segments, 10 group limits, change limits.

Target (issue): the LP solves in under 1 s with CBC. Reported: model build
(Touchpath rows + PuLP problem), solver call, result assembly; HiGHS when
installed; and, on the budget-only problem, the greedy fill by descending slope
as a peer baseline (optimal there, so the LP must match its revenue).
"""

import math
import time

import numpy as np

from touchpath.optimizer import (
    BudgetConstraint,
    GroupLimit,
    MaxChange,
    PlanConstraints,
    available_solvers,
    channel_input_from_segments,
    optimize_budget,
)

N_CHANNELS = 200
N_SEGMENTS = 50
N_GROUPS = 10


def make_instance(seed: int = 7):
    rng = np.random.default_rng(seed)
    inputs = []
    for j in range(N_CHANNELS):
        widths = rng.uniform(1_000.0, 5_000.0, N_SEGMENTS)
        slopes = np.sort(rng.gamma(2.0, 1.5, N_SEGMENTS))[::-1]
        prev = float(rng.uniform(0.2, 0.6) * widths.sum())
        inputs.append(
            channel_input_from_segments(
                f"ch{j:03d}",
                list(zip(widths.tolist(), slopes.tolist(), strict=True)),
                previous_spend=prev,
                group=f"g{j % N_GROUPS}",
            )
        )
    budget = 1.05 * math.fsum(ci.previous_spend for ci in inputs)
    groups = [GroupLimit(f"g{g}", max_share=0.13, min_share=0.05) for g in range(N_GROUPS)]
    cons = PlanConstraints(
        budget=BudgetConstraint(budget, equality=True),
        max_change=MaxChange(0.3),
        groups=groups,
    )
    return inputs, cons


def greedy(inputs, budget):
    segs = sorted(
        ((s.slope, s.width) for ci in inputs for s in ci.curve.segments), key=lambda t: -t[0]
    )
    left, rev = budget, []
    for slope, width in segs:
        if left <= 0:
            break
        take = min(width, left)
        rev.append(slope * take)
        left -= take
    return math.fsum(rev)


def run(inputs, cons, solver):
    t0 = time.perf_counter()
    plan = optimize_budget(inputs, cons, solver=solver)
    total = time.perf_counter() - t0
    return plan, total


def main() -> None:
    inputs, cons = make_instance()
    print(
        f"{N_CHANNELS} channels x {N_SEGMENTS} segments = {N_CHANNELS * N_SEGMENTS} variables, "
        f"{N_GROUPS} groups (cap 13%, floor 5%), max change +-30%, exact budget "
        f"{cons.budget.total:,.0f}"
    )
    for solver in available_solvers():
        plan, total = run(inputs, cons, solver)
        print(
            f"  {solver:6s} status={plan.status} build={plan.build_seconds:.3f}s "
            f"solve={plan.solve_seconds:.3f}s total={total:.3f}s "
            f"revenue={plan.expected_revenue:,.2f} shadow={plan.budget_shadow_price:.4f} "
            f"binding={len(plan.binding_constraints)}"
        )
    budget_only = PlanConstraints(budget=BudgetConstraint(cons.budget.total))
    t0 = time.perf_counter()
    g = greedy(inputs, cons.budget.total)
    tg = time.perf_counter() - t0
    print(f"  budget-only: greedy revenue={g:,.2f} in {tg:.3f}s")
    for solver in available_solvers():
        plan, total = run(inputs, budget_only, solver)
        gap = abs(plan.expected_revenue - g) / g
        print(
            f"  budget-only {solver:6s} revenue={plan.expected_revenue:,.2f} "
            f"(rel. diff to greedy {gap:.1e}) solve={plan.solve_seconds:.3f}s total={total:.3f}s"
        )


if __name__ == "__main__":
    main()
