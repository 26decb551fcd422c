r"""CLI command ``touchpath plan``: the budget plan for a quarter.

Without ``--curves`` the plan is fitted from the warehouse (``--db``): the
channel ROI table of ``--model`` / ``--order`` per ``--period``, response
curves, lifecycle verdicts and previous spend
(:func:`touchpath.service.plan_inputs`); the quarter defaults to
the one after the data's end and, without a goal, the budget to the last
quarter's spend of the planned channels.

Examples::

    touchpath plan --db touchpath.duckdb --budget 1200000 --model markov --order 2
    touchpath plan --curves curves.json --budget 1200000 --quarter 2027Q1 \\
        --max-change 0.3 --group-cap social=0.4 --min search=100000 \\
        --scenarios 0.8,0.9,1.1,1.2 --format table --plot plan.png
    touchpath plan --curves curves.json --target-revenue 5000000     # smallest budget
    touchpath plan --curves curves.json --min-roi 2.0                 # largest budget

Value syntax: ``--min/--max CHANNEL=AMOUNT`` (absolute) or ``CHANNEL=10%``
(share of total spend); ``--group-cap/--group-floor GROUP=VALUE`` where a
value ending in ``%`` or <= 1 is a share of total spend and a value > 1 an
absolute amount. The curves file schema is described in
:mod:`touchpath.optimizer.io`.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from touchpath.cli.app import app
from touchpath.cli.common import (
    CliUsageError,
    OrderOpt,
    OutOpt,
    OutputFormat,
    PeriodChoice,
    emit,
    order_value,
)
from touchpath.optimizer import (
    BudgetConstraint,
    BudgetPlan,
    ChannelBounds,
    ConstraintError,
    CurveError,
    GroupLimit,
    LifecycleLimits,
    MaxChange,
    PlanConstraints,
    PlanError,
    ScenarioSet,
    load_curves_file,
    max_budget_at_marginal_roi,
    min_budget_for_revenue,
    optimize_budget,
    revenue_range,
    run_scenarios,
)
from touchpath.optimizer.model import fmt_money

__all__ = ["plan_command"]



class ObjectiveChoice(StrEnum):
    """What the plan maximises (profit needs ``--margin``)."""

    revenue = "revenue"
    conversions = "conversions"
    profit = "profit"


class Solver(StrEnum):
    """LP solvers: ``cbc``, ``highs`` (needs highspy), ``auto`` (HiGHS when installed, else CBC)."""

    cbc = "cbc"
    highs = "highs"
    auto = "auto"


class MonthlySplit(StrEnum):
    """How a channel's quarter spend is split across months."""

    pattern = "pattern"
    even = "even"


class Unmodelled(StrEnum):
    """What channels without a curve get."""

    hold = "hold"
    zero = "zero"


def _pairs(values: list[str], option: str) -> list[tuple[str, str]]:
    out = []
    for v in values:
        name, sep, val = v.partition("=")
        if not sep or not name.strip() or not val.strip():
            raise CliUsageError(f"{option} expects NAME=VALUE, got {v!r}")
        out.append((name.strip(), val.strip()))
    return out


def _amount_or_share(raw: str, option: str, *, plain_is_share: bool) -> tuple[float, bool]:
    """Parse ``10%`` / ``0.1`` / ``100000``; return (value, is_share)."""
    text = raw.strip()
    try:
        if text.endswith("%"):
            return float(text[:-1]) / 100.0, True
        value = float(text)
    except ValueError:
        raise CliUsageError(f"{option}: {raw!r} is not a number") from None
    if plain_is_share and value <= 1:
        return value, True
    return value, False


def _build_constraints(
    budget: float | None,
    exact_budget: bool,
    mins: list[str],
    maxs: list[str],
    max_change: float | None,
    group_caps: list[str],
    group_floors: list[str],
    test_budget: float,
    scale_growth: float,
    unmodelled: str,
) -> PlanConstraints:
    bounds: dict[str, dict[str, float]] = {}
    for option, values, key in (("--min", mins, "min"), ("--max", maxs, "max")):
        for name, raw in _pairs(values, option):
            value, share = _amount_or_share(raw, option, plain_is_share=False)
            slot = f"{key}_share" if share else key
            bounds.setdefault(name, {})[slot] = value
    groups: dict[str, dict[str, float]] = {}
    for option, values, key in (
        ("--group-cap", group_caps, "max"),
        ("--group-floor", group_floors, "min"),
    ):
        for name, raw in _pairs(values, option):
            value, share = _amount_or_share(raw, option, plain_is_share=True)
            slot = f"{key}_share" if share else key
            groups.setdefault(name, {})[slot] = value
    return PlanConstraints(
        budget=None if budget is None else BudgetConstraint(budget, equality=exact_budget),
        bounds=tuple(ChannelBounds(c, **kw) for c, kw in bounds.items()),
        max_change=None if max_change is None else MaxChange(max_change),
        groups=tuple(GroupLimit(g, **kw) for g, kw in groups.items()),
        lifecycle=LifecycleLimits(test_budget_share=test_budget, scale_growth=scale_growth),
        unmodelled=unmodelled,
    )


def _render_table(plan: BudgetPlan, scen: ScenarioSet | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False, highlight=False)
    if not plan.ok:
        console.print(f"No budget plan: solver status {plan.status}.")
        for c in plan.conflicts or (plan.status_text,):
            console.print(f"  - {c}")
        return
    console.print(plan.status_text)
    t = Table(title=f"Budget plan {plan.quarter or ''}".strip())
    cols = ("channel", "rule", "spend", "share", "change", "exp. revenue", "mROI next", "last")
    for col in cols:
        t.add_column(col, justify="left" if col in ("channel", "rule") else "right")
    for c in plan.channels:
        t.add_row(
            c.channel,
            c.rule,
            fmt_money(c.spend),
            f"{100 * c.share:.1f}%",
            "" if c.change is None else ("+" if c.change >= 0 else "-") + fmt_money(abs(c.change)),
            "not modelled" if c.expected_revenue is None else fmt_money(c.expected_revenue),
            "" if c.marginal_roi is None else f"{c.marginal_roi:.3g}",
            "" if c.last_unit_roi is None else f"{c.last_unit_roi:.3g}",
        )
    console.print(t)
    if plan.months:
        mt = Table(title="Spend per month")
        mt.add_column("channel")
        for m in plan.months:
            mt.add_column(m, justify="right")
        for c in plan.channels:
            mt.add_row(c.channel, *(fmt_money(v) for v in c.monthly))
        console.print(mt)
    console.print(
        f"total spend {fmt_money(plan.total_spend)}; expected revenue "
        f"{fmt_money(plan.expected_revenue)}"
        + (
            ""
            if plan.expected_conversions is None
            else f"; expected conversions {plan.expected_conversions:,.1f}"
        )
    )
    if plan.revenue_range is not None:
        rr = plan.revenue_range
        console.print(
            f"revenue range ({100 * rr.level:.0f}%, {rr.samples.size} resamples): "
            f"{fmt_money(rr.low)} .. {fmt_money(rr.high)}"
        )
    if plan.budget_shadow_price is not None:
        console.print(
            f"budget shadow price: {plan.budget_shadow_price:.4g} {plan.objective} per extra unit"
        )
    for note in plan.notes:
        console.print(note)
    if plan.binding_constraints:
        console.print("binding constraints:")
        for name in plan.binding_constraints:
            console.print(f"  - {name}")
    if scen is not None:
        st = Table(title="Scenarios")
        for col in ("x", "budget", "status", "exp. revenue", "shadow price", "incr. ROI"):
            st.add_column(col, justify="right")
        for rec in scen.to_frame().to_dict(orient="records"):
            st.add_row(
                f"{rec['multiplier']:g}",
                fmt_money(rec["budget"]),
                rec["status"],
                "" if rec["expected_revenue"] is None else fmt_money(rec["expected_revenue"]),
                "" if rec["budget_shadow_price"] is None else f"{rec['budget_shadow_price']:.4g}",
                ""
                if rec["incremental_roi"] is None
                or rec["incremental_roi"] != rec["incremental_roi"]
                else f"{rec['incremental_roi']:.4g}",
            )
        console.print(st)


@app.command("plan")
def plan_command(
    budget: Annotated[float | None, typer.Option(help="Budget of the quarter.")] = None,
    quarter: Annotated[str | None, typer.Option(help="Quarter, e.g. 2027Q1.")] = None,
    objective: Annotated[
        ObjectiveChoice, typer.Option(help="What to maximise (profit needs --margin).")
    ] = ObjectiveChoice.revenue,
    margin: Annotated[float | None, typer.Option(help="Gross margin for profit.")] = None,
    max_change: Annotated[
        float | None, typer.Option(help="Largest change vs previous spend, e.g. 0.3.")
    ] = None,
    group_cap: Annotated[
        list[str] | None, typer.Option(help="GROUP=SHARE or GROUP=AMOUNT (repeatable).")
    ] = None,
    group_floor: Annotated[
        list[str] | None, typer.Option(help="GROUP=SHARE or GROUP=AMOUNT (repeatable).")
    ] = None,
    min_spend: Annotated[
        list[str] | None, typer.Option("--min", help="CHANNEL=AMOUNT or CHANNEL=10% (repeatable).")
    ] = None,
    max_spend: Annotated[
        list[str] | None, typer.Option("--max", help="CHANNEL=AMOUNT or CHANNEL=10% (repeatable).")
    ] = None,
    test_budget: Annotated[
        float, typer.Option(help="Largest share of total per test channel.")
    ] = 0.05,
    scale_growth: Annotated[
        float, typer.Option(help="Largest growth of a scale channel over previous spend.")
    ] = 1.0,
    scenarios: Annotated[
        str | None, typer.Option(help="Budget multipliers, e.g. 0.8,0.9,1.1,1.2.")
    ] = None,
    exact_budget: Annotated[
        bool, typer.Option(help="Spend the budget exactly (default: at most the budget).")
    ] = False,
    target_revenue: Annotated[
        float | None, typer.Option(help="Goal: the smallest budget reaching this revenue.")
    ] = None,
    min_roi: Annotated[
        float | None,
        typer.Option(help="Goal: the largest budget keeping every marginal ROI >= this."),
    ] = None,
    curves: Annotated[
        Path | None,
        typer.Option(help="Channel curves JSON (see optimizer.io); default: fit from --db."),
    ] = None,
    db: Annotated[
        Path, typer.Option("--db", help="DuckDB warehouse to fit the curves from.")
    ] = Path("touchpath.duckdb"),
    model: Annotated[
        str, typer.Option("--model", "-m", help="Attribution model of the fitted curves.")
    ] = "markov",
    order: OrderOpt = None,
    period: Annotated[
        PeriodChoice, typer.Option(help="Period of the fitted curves.")
    ] = PeriodChoice.month,
    segments: Annotated[int, typer.Option(min=1, help="Segments per fitted curve.")] = 8,
    resamples: Annotated[
        int,
        typer.Option(min=0, help="Bootstrap resamples for a revenue range (fitted curves)."),
    ] = 0,
    solver: Annotated[
        Solver, typer.Option(help="LP solver (auto: HiGHS when installed, else CBC).")
    ] = Solver.cbc,
    monthly: Annotated[
        MonthlySplit,
        typer.Option(help="Per-month split: pattern (from the curves or data) or even."),
    ] = MonthlySplit.pattern,
    unmodelled: Annotated[
        Unmodelled,
        typer.Option(help="Channels without a curve: hold (previous spend) or zero."),
    ] = Unmodelled.hold,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    out: OutOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option(help="PNG of the split (and <name>_scenarios.png with --scenarios)."),
    ] = None,
) -> None:
    """Split a quarter's budget across channels (piecewise-linear LP over response curves)."""
    err = typer.echo
    try:
        goals = [g for g in (budget, target_revenue, min_roi) if g is not None]
        if len(goals) > 1 or (not goals and curves is not None):
            raise CliUsageError("give exactly one of --budget, --target-revenue, --min-roi")
        if curves is not None:
            inputs, curve_sets = load_curves_file(curves)
        else:
            found = _warehouse_inputs(db, model, order, period.value, segments, resamples)
            inputs, curve_sets = found.inputs, found.curve_sets
            quarter = quarter or found.quarter
            if not goals:
                budget = found.previous_total
        cons = _build_constraints(
            budget,
            exact_budget,
            min_spend or [],
            max_spend or [],
            max_change,
            group_cap or [],
            group_floor or [],
            test_budget,
            scale_growth,
            unmodelled.value,
        )
        scen = None
        if target_revenue is not None:
            plan = min_budget_for_revenue(
                inputs,
                cons,
                target_revenue,
                quarter=quarter,
                monthly=monthly.value,
                solver=solver.value,
                on_infeasible="return",
            )
        elif min_roi is not None:
            plan = max_budget_at_marginal_roi(
                inputs,
                cons,
                min_roi,
                quarter=quarter,
                monthly=monthly.value,
                solver=solver.value,
                on_infeasible="return",
            )
        else:
            plan = optimize_budget(
                inputs,
                cons,
                objective=objective.value,
                margin=margin,
                quarter=quarter,
                monthly=monthly.value,
                solver=solver.value,
                on_infeasible="return",
            )
            if scenarios:
                try:
                    mults = [float(m) for m in scenarios.split(",") if m.strip()]
                except ValueError:
                    raise CliUsageError(
                        f"--scenarios expects numbers separated by commas, got {scenarios!r}"
                    ) from None
                scen = run_scenarios(
                    inputs,
                    cons,
                    multipliers=mults,
                    objective=objective.value,
                    margin=margin,
                    solver=solver.value,
                )
        if plan.ok and curve_sets:
            from dataclasses import replace

            plan = replace(plan, revenue_range=revenue_range(plan, curve_sets))
    except (CliUsageError, CurveError, ConstraintError, ValueError, PlanError) as exc:
        err(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None

    if fmt is OutputFormat.json:
        payload: dict[str, Any] = plan.to_dict()
        if scen is not None:
            payload["scenarios"] = scen.to_dict()["scenarios"]
        text = json.dumps(payload, indent=2, allow_nan=False, default=_json_default)
        emit(text, out)
    elif fmt is OutputFormat.csv:
        emit(plan.to_frame().to_csv(index=False) if plan.ok else "", out)
        if not plan.ok:
            err(plan.status_text, err=True)
    else:
        if out is not None:
            raise typer.BadParameter("--out needs --format json or csv", param_hint="--out")
        _render_table(plan, scen)
    if plot is not None and plan.ok:
        plan.plot_split(plot)
        if scen is not None:
            scen.plot(plot.with_name(f"{plot.stem}_scenarios{plot.suffix or '.png'}"))
    if not plan.ok:
        raise typer.Exit(code=1)


def _warehouse_inputs(db: Path, model: str, order: str | None, period: str, segments: int,
                      resamples: int) -> Any:
    """Plan inputs fitted from the warehouse at ``db``, with a progress bar on stderr."""
    if not db.is_file():
        raise CliUsageError(
            "touchpath plan needs response curves: pass --curves FILE.json "
            '(schema: {"channels": [{"channel": ..., "segments": '
            '[{"width": ..., "slope": ...}]}]}), '
            f"or --db with a warehouse (none at {db}; `touchpath demo` or `touchpath ingest` "
            "makes one)"
        )
    from rich.console import Console
    from rich.progress import Progress

    from touchpath.data.warehouse import Warehouse
    from touchpath.service import CurveSettings, model_spec, plan_inputs

    parsed = order_value(order)
    with Warehouse.open(db, read_only=True) as wh, Progress(
            console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("fitting curves per period", total=None)
        settings = CurveSettings(model=model_spec(model, order=parsed), period=period,
                                 segments=segments, resamples=resamples)
        return plan_inputs(wh, settings, on_period=lambda _: progress.advance(task))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")
