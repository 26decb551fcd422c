"""Scenarios at other budgets and goal seeking (DESIGN.md, "Budget optimizer").

- :func:`run_scenarios`: the same plan at budget multipliers (default
  x0.8, x0.9, x1.0, x1.1, x1.2) with expected revenue, the budget shadow price
  and the incremental ROI between neighbouring budgets — the curve of returns.
- :func:`min_budget_for_revenue`: the smallest budget whose best plan reaches
  revenue ``R``. It is an LP: minimise total spend subject to
  ``revenue >= R`` and every other constraint; the plan returned is then the
  revenue-maximising plan at exactly that budget (its revenue is >= R).
- :func:`max_budget_at_marginal_roi`: the largest budget while every funded
  channel's last unit bought returns at least ``m``. Only segments with slope
  ``>= m`` are opened and an LP maximises the spend on them subject to every
  other constraint (groups, shares and change limits couple channels, which a
  greedy pass over segments cannot respect). With only a budget constraint the
  answer is the sum of the widths of all segments with slope ``>= m`` — the
  greedy answer. A minimum or change limit that forces spend into a segment
  below ``m`` makes the question infeasible, and the conflict says which.

Goal seeking ignores the budget of the constraints it is given (it is what is
sought); shares stay shares of the plan's total spend.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from touchpath.attribution.plotting import money_axis, money_tick
from touchpath.optimizer.constraints import BudgetConstraint, PlanConstraints
from touchpath.optimizer.curves import ChannelInput
from touchpath.optimizer.model import (
    Objective,
    SolverName,
    build_model,
    fmt_money,
    solve_model,
)
from touchpath.optimizer.plan import BudgetPlan, finish_figure, optimize_budget, plan_from_model

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "DEFAULT_MULTIPLIERS",
    "ScenarioSet",
    "max_budget_at_marginal_roi",
    "min_budget_for_revenue",
    "run_scenarios",
]

DEFAULT_MULTIPLIERS = (0.8, 0.9, 1.1, 1.2)


@dataclass(frozen=True, eq=False)
class ScenarioSet:
    """Plans at several budgets, sorted by budget.

    ``incremental_roi`` of a row is ``(revenue - revenue_prev) / (budget -
    budget_prev)`` against the previous feasible row.
    """

    base_budget: float
    multipliers: tuple[float, ...]
    plans: tuple[BudgetPlan, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per scenario."""
        recs = []
        prev: tuple[float, float] | None = None
        for m, p in zip(self.multipliers, self.plans, strict=True):
            budget = self.base_budget * m
            inc = None
            if p.ok and prev is not None and budget != prev[0]:
                inc = (p.expected_revenue - prev[1]) / (budget - prev[0])
            recs.append(
                {
                    "multiplier": m,
                    "budget": budget,
                    "status": p.status,
                    "total_spend": p.total_spend if p.ok else None,
                    "expected_revenue": p.expected_revenue if p.ok else None,
                    "budget_shadow_price": p.budget_shadow_price,
                    "incremental_roi": inc,
                    "unallocated": p.unallocated if p.ok else None,
                    "conflicts": "; ".join(p.conflicts),
                }
            )
            if p.ok:
                prev = (budget, p.expected_revenue)
        return pd.DataFrame.from_records(recs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe list of scenarios."""
        frame = self.to_frame().astype(object)
        frame = frame.where(frame.notna(), None)
        return {"base_budget": self.base_budget, "scenarios": frame.to_dict(orient="records")}

    def plot(self, path: str | Path | None = None, ax: Axes | None = None, *,
             currency: str | None = None) -> Axes:
        """Expected revenue against budget, the current budget marked (PNG when ``path``).

        Both axes are money (:func:`~touchpath.attribution.plotting.money_axis`:
        ``950k``, ``1.2M``, no ``1e6`` offset); the base budget is a marker with
        the text ``current budget X``. ``currency`` labels the axis titles.
        """
        import matplotlib.pyplot as plt  # plotting stays out of the math import path

        fig = None
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 4))
        pts = [
            (self.base_budget * m, p.expected_revenue, p.budget_shadow_price, m)
            for m, p in zip(self.multipliers, self.plans, strict=True)
            if p.ok
        ]
        xs = [b for b, _, _, _ in pts]
        ys = [r for _, r, _, _ in pts]
        ax.plot(xs, ys, marker="o", color="#2b6cb0")
        for b, r, sp, m in pts:
            if m == 1.0:
                continue
            label = f"x{m:g}" + ("" if sp is None else f", λ={sp:.2f}")
            last = b == max(xs)  # the rightmost label goes left of its point, inside the axes
            ax.annotate(label, (b, r), textcoords="offset points", xytext=(-4 if last else 4, -12),
                        ha="right" if last else "left", fontsize=7)
        ax.axvline(self.base_budget, color="#999999", linestyle="--", linewidth=1)
        current = next((r for b, r, _, m in pts if m == 1.0), None)
        text = f"current budget {money_tick(self.base_budget)}"
        if current is not None:
            ax.plot([self.base_budget], [current], marker="D", markersize=8, color="#c8463d",
                    linestyle="none", zorder=3)
            ax.annotate(text, (self.base_budget, current), textcoords="offset points",
                        xytext=(-8, 8), ha="right", fontsize=8, color="#c8463d")
        else:
            ax.annotate(text, (self.base_budget, 1.0), xycoords=("data", "axes fraction"),
                        textcoords="offset points", xytext=(-4, -12), ha="right",
                        fontsize=8, color="#c8463d")
        ax.margins(x=0.1, y=0.12)  # room for the labels of the first and last points
        money_axis(ax.xaxis, currency, "budget")
        money_axis(ax.yaxis, currency, "expected revenue")
        ax.set_title("Expected revenue by budget (λ = revenue per extra unit)")
        finish_figure(fig, path)
        return ax


def run_scenarios(
    inputs: Sequence[ChannelInput],
    constraints: PlanConstraints,
    *,
    multipliers: Sequence[float] = DEFAULT_MULTIPLIERS,
    include_base: bool = True,
    objective: Objective = "revenue",
    margin: float | None = None,
    solver: SolverName = "cbc",
    min_roi: float = 0.0,
    capacity_reasons: Mapping[str, str] | None = None,
) -> ScenarioSet:
    """Solve the plan at ``budget x m`` for each multiplier (infeasible ones kept).

    The budget's equality flag is kept; infeasible scenarios appear with their
    conflicts rather than being dropped. ``min_roi`` and ``capacity_reasons``
    are those of :func:`~touchpath.optimizer.plan.optimize_budget`: under a
    floor a larger budget may leave more of itself unallocated.
    """
    if constraints.budget is None:
        raise ValueError("scenarios need a base budget in constraints.budget")
    ms = sorted({float(m) for m in multipliers} | ({1.0} if include_base else set()))
    if any(not (math.isfinite(m) and m >= 0) for m in ms):
        raise ValueError(f"budget multipliers must be >= 0, got {list(multipliers)!r}")
    base = constraints.budget
    plans = []
    for m in ms:
        cons = constraints.with_budget(BudgetConstraint(base.total * m, base.equality))
        plans.append(
            optimize_budget(
                inputs,
                cons,
                objective=objective,
                margin=margin,
                solver=solver,
                on_infeasible="return",
                min_roi=min_roi,
                capacity_reasons=capacity_reasons,
            )
        )
    return ScenarioSet(base.total, tuple(ms), tuple(plans))


def _finish(plan: BudgetPlan, note: str, on_infeasible: Literal["raise", "return"]) -> BudgetPlan:
    plan = replace(plan, notes=(*plan.notes, note))
    if on_infeasible == "raise":
        plan.raise_for_status()
    return plan


def min_budget_for_revenue(
    inputs: Sequence[ChannelInput],
    constraints: PlanConstraints,
    target_revenue: float,
    *,
    quarter: str | None = None,
    monthly: Literal["pattern", "even"] = "pattern",
    solver: SolverName = "cbc",
    on_infeasible: Literal["raise", "return"] = "raise",
) -> BudgetPlan:
    """Smallest budget whose revenue-maximising plan reaches ``target_revenue``.

    Step 1 solves ``min T  s.t.  sum r_ck x_ck >= R`` and every other
    constraint; step 2 returns the revenue-maximising plan at budget ``T*``
    (as an upper limit, so float noise in ``T*`` cannot make it infeasible),
    whose revenue is >= R because step 1's point is feasible there.
    The plan's ``budget`` is ``T*``; any budget smaller than ``T*`` cannot reach
    ``R``.

    Examples
    --------
    >>> from touchpath.optimizer.curves import channel_input_from_segments as ch
    >>> p = min_budget_for_revenue(
    ...     [ch("a", [(100, 4.0), (100, 1.0)]), ch("b", [(100, 3.0), (100, 2.0)])],
    ...     PlanConstraints(), 800.0)
    >>> p.total_spend  # 400 from a1, 300 from b1, then 100 more at slope 2 -> 50
    250.0
    """
    cons = constraints.with_budget(None)
    model = build_model(inputs, cons, target_revenue=target_revenue, spend_objective="min")
    sol = solve_model(model, solver=solver)
    if sol.status != "optimal" or sol.x is None:
        plan = plan_from_model(model, sol, cons, quarter=quarter, monthly=monthly)
        return _finish(plan, f"no plan reaches revenue {fmt_money(target_revenue)}", on_infeasible)
    budget = model.total(sol.x)
    plan = optimize_budget(
        inputs,
        constraints.with_budget(BudgetConstraint(budget, equality=False)),
        quarter=quarter,
        monthly=monthly,
        solver=solver,
        on_infeasible="return",
    )
    target_name = model.rows[model.target_row].name if model.target_row is not None else ""
    per_unit = sol.duals.get(target_name)
    note = f"smallest budget reaching revenue {fmt_money(target_revenue)}: {fmt_money(budget)}"
    if per_unit is not None:
        note += f" (about {per_unit:.4g} of budget per extra unit of revenue)"
    return _finish(plan, note, on_infeasible)


def max_budget_at_marginal_roi(
    inputs: Sequence[ChannelInput],
    constraints: PlanConstraints,
    min_roi: float,
    *,
    quarter: str | None = None,
    monthly: Literal["pattern", "even"] = "pattern",
    solver: SolverName = "cbc",
    on_infeasible: Literal["raise", "return"] = "raise",
) -> BudgetPlan:
    """Largest budget while every funded channel's last unit returns >= ``min_roi``.

    Segments with slope below ``min_roi`` are closed; step 1 maximises the
    spend on the open segments under every other constraint, giving ``T*``;
    step 2 returns the revenue-maximising plan at budget ``<= T*`` on
    the same open segments, so every funded channel has
    ``last_unit_roi >= min_roi``.

    Examples
    --------
    >>> from touchpath.optimizer.curves import channel_input_from_segments as ch
    >>> p = max_budget_at_marginal_roi(
    ...     [ch("a", [(100, 4.0), (100, 1.0)]), ch("b", [(100, 3.0), (100, 2.0)])],
    ...     PlanConstraints(), 2.0)
    >>> p.total_spend  # segments with slope >= 2: a1, b1, b2
    300.0
    """
    if not math.isfinite(min_roi):
        raise ValueError(f"min_roi must be a finite number, got {min_roi!r}")
    cons = constraints.with_budget(None)
    model = build_model(inputs, cons, min_slope=min_roi, spend_objective="max")
    sol = solve_model(model, solver=solver)
    if sol.status != "optimal" or sol.x is None:
        plan = plan_from_model(model, sol, cons, quarter=quarter, monthly=monthly)
        return _finish(
            plan,
            f"no plan keeps every funded channel at marginal ROI >= {min_roi:g}",
            on_infeasible,
        )
    budget = model.total(sol.x)
    final_cons = constraints.with_budget(BudgetConstraint(budget, equality=False))
    model2 = build_model(inputs, final_cons, min_slope=min_roi)
    sol2 = solve_model(model2, solver=solver)
    plan = plan_from_model(model2, sol2, final_cons, quarter=quarter, monthly=monthly)
    note = (
        f"largest budget with every funded channel at marginal ROI >= {min_roi:g}: "
        f"{fmt_money(budget)}"
    )
    return _finish(plan, note, on_infeasible)
