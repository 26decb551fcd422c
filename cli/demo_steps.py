"""The analysis half of ``touchpath demo``: models, ROI, lifecycle, curves, plan.

Registered after the data steps of :mod:`touchpath.cli.data_cmds` (see
:func:`~touchpath.cli.data_cmds.add_demo_step`), in the order of DESIGN.md's data
flow:

1. **Model comparison** of :data:`DEMO_MODELS` on the demo's paths, with
   bootstrap intervals (``DemoContext.ci`` resamples, default
   :data:`DEMO_CI`; every model, Markov included), as a table and ``compare.png``.
2. **Monthly ROI** with the second-order Markov model (``roi_month.csv``; the
   last three months shown per channel).
3. **Lifecycle verdict** of the test channel with its evidence (default
   rules, baseline over established channels with spend).
4. **Response curves** fitted per channel (``curves.png``), with
   ``DemoContext.resamples`` (default :data:`DEMO_RESAMPLES`) bootstrap
   resamples of each month's attribution for the plan's revenue range.
5. **Next quarter's plan**: budget = last quarter's paid spend (the exact sum
   of the spend table over its last three months), spent in full, each channel
   within ±30% of last quarter, lifecycle rules applied; the split
   (``plan.png``), scenarios at ×0.8 … ×1.2 (``scenarios.png``).
6. **HTML report** (``touchpath.report.html``, :func:`touchpath.report.html.write_report`) of the
   same models, ROI model, period and plan settings.

Tables show money with thousands separators and two decimals; the files carry
full precision.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from touchpath.cli.data_cmds import DemoContext, DemoStep, add_demo_step
from touchpath.data.paths import DIRECT

__all__ = ["DEMO_CI", "DEMO_MODELS", "DEMO_RESAMPLES", "DEMO_ROI_MODEL", "demo_report_options",
           "register"]

#: Models of the demo's comparison.
DEMO_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position", "markov1",
               "markov2", "shapley", "shapley_rate")
#: Bootstrap resamples of the comparison's intervals (``touchpath demo --ci``).
DEMO_CI = 200
#: Attribution model of the ROI table, the curves and the plan.
DEMO_ROI_MODEL = "markov2"
#: Bootstrap resamples of the monthly attribution behind the plan's revenue range
#: (``touchpath demo --resamples``).
DEMO_RESAMPLES = 30
#: Largest change of a channel's spend vs last quarter in the demo plan.
DEMO_MAX_CHANGE = 0.3


def _money(x: float | None) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.2f}"


def _ratio(x: float | None, digits: int = 2) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"


def _captured(draw: Callable[[Console], None]) -> Text:
    """What ``draw`` prints, kept (with its styles) to print after the progress bar."""
    import sys

    width = Console().width if sys.stdout.isatty() else 150
    console = Console(file=io.StringIO(), width=width, force_terminal=True, highlight=False)
    with console.capture() as capture:
        draw(console)
    return Text.from_ansi(capture.get())


def _wh_options(ctx: DemoContext) -> Any:
    from touchpath.data.journeys import JourneyOptions

    return JourneyOptions(lookback_days=ctx.lookback_days)


# ------------------------------------------------------------------ 1. compare
def _step_compare(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.cli.attribution_cmds import comparison_for_demo
    from touchpath.data.journeys import journey_touches

    touches = journey_touches(ctx.warehouse, _wh_options(ctx))
    state = {"models": 0, "last": 0}
    n_models = len(DEMO_MODELS)

    def advance(done: int, total: int) -> None:
        if done < state["last"]:
            state["models"] += 1
        state["last"] = done
        progress((state["models"] + done / max(total, 1)) / n_models)

    path = ctx.out_dir / "compare.png"

    def draw(console: Console) -> None:
        ctx.comparison = comparison_for_demo(ctx.paths, touches=touches, models=DEMO_MODELS,
                                             plot_path=path, ci=ctx.ci, seed=ctx.seed,
                                             console=console, progress=advance)

    ctx.renderables.append(_captured(draw))
    ctx.outputs["model comparison chart"] = path


# ---------------------------------------------------------------------- 2. ROI
def _step_roi(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.attribution.registry import make_model
    from touchpath.attribution.roi import period_bounds
    from touchpath.service.roi import compute_roi_table

    first, last = ctx.warehouse.activity_range()
    n = max(1, len(period_bounds(first, last + timedelta(days=1), "month")))
    done = [0]

    def tick(_: str) -> None:
        done[0] += 1
        progress(min(done[0] / n, 1.0))

    ctx.roi = compute_roi_table(ctx.warehouse, make_model(DEMO_ROI_MODEL), "month",
                                _wh_options(ctx), on_period=tick)
    path = ctx.out_dir / "roi_month.csv"
    ctx.roi.to_csv(path)
    ctx.outputs["monthly ROI table"] = path
    ctx.renderables.append(roi_table(ctx.roi))


def roi_table(table: Any, months: int = 3) -> Table:
    """Rich table of the last ``months`` periods per channel: ROI per month and in total."""
    frame = table.to_frame()
    last = table.periods[-months:]
    frame = frame[frame["period"].isin(last)]
    out = Table(title=f"Channel ROI, last {len(last)} months — {table.model}",
                title_justify="left", show_footer=True)
    out.add_column("channel", footer="total", no_wrap=True)
    for p in last:
        out.add_column(f"ROI {p}", justify="right")
    tot = table.totals[table.totals["period"].isin(last)]
    spend, revenue = float(tot["spend"].sum()), float(tot["revenue"].sum())
    conv = float(tot["conversions"].sum())
    out.add_column("spend", justify="right", footer=_money(spend))
    out.add_column("attr. revenue", justify="right", footer=_money(revenue))
    out.add_column("attr. conv.", justify="right", footer=f"{conv:,.1f}")
    out.add_column("ROI", justify="right",
                   footer=_ratio(revenue / spend) if spend > 0 else "–")
    out.add_column("CPA", justify="right")
    for ch, rows in frame.groupby("channel", sort=False):
        if rows["spend"].sum() == 0 and rows["attributed_conversions"].sum() == 0:
            continue
        roi = dict(zip(rows["period"], rows["roi"], strict=True))
        s, r = float(rows["spend"].sum()), float(rows["attributed_revenue"].sum())
        c = float(rows["attributed_conversions"].sum())
        out.add_row(str(ch), *(_ratio(roi.get(p)) for p in last), _money(s), _money(r),
                    f"{c:,.1f}", _ratio(r / s) if s > 0 else "–",
                    _money(s / c) if c > 0 and ch != DIRECT else "–")
    out.caption = ("ROI = attributed revenue ÷ spend, – where there is no spend (owned and free "
                   "channels); CPA = spend ÷ attributed conversions, – where there are none; "
                   "(direct) = conversions with no touch in the window")
    return out


# ----------------------------------------------------------------- 3. lifecycle
def _step_lifecycle(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.attribution.lifecycle import LifecycleRules, evaluate

    rules = LifecycleRules()
    ctx.verdicts = evaluate(ctx.roi, ctx.warehouse.channels(), rules)
    parts: list[RenderableType] = [Text(f"Lifecycle rules: {rules.describe()}", style="dim")]
    for v in ctx.verdicts:
        parts.append(verdict_table(v))
    if not ctx.verdicts:
        parts.append(Text("no channel in test status"))
    ctx.renderables.append(Group(*parts))


_STYLE = {"exit": "bold red", "test": "yellow", "admit": "green", "scale": "bold green"}


def verdict_table(v: Any) -> Table:
    """Rich table of a lifecycle verdict's cycles, titled with the verdict and its reason."""
    t = Table(title=Text.assemble((f"{v.channel}: {v.verdict.upper()}", _STYLE[v.verdict]),
                                  f" — {v.reason}"), title_justify="left")
    for col in ("cycle", "spend", "conv.", "attr. revenue", "ROI", "baseline", "ratio",
                "admit bar", "scale bar", "note"):
        t.add_column(col, justify="left" if col in ("cycle", "note") else "right")
    for r in v.cycles.itertuples(index=False):
        t.add_row(str(r.period), _money(r.spend), f"{r.attributed_conversions:,.1f}",
                  _money(r.attributed_revenue), _ratio(r.roi), _ratio(r.baseline),
                  _ratio(r.ratio), _ratio(r.admit_bar), _ratio(r.scale_bar), r.note)
    return t


# -------------------------------------------------------------------- 4. curves
def _step_curves(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.attribution.curves import plot_curves
    from touchpath.optimizer.curves import breakpoints
    from touchpath.service import CurveSettings, plan_inputs

    progress(0.05)
    settings = CurveSettings(model=DEMO_ROI_MODEL, period="month", options=_wh_options(ctx),
                             resamples=ctx.resamples, seed=ctx.seed)
    ctx.plan_inputs = plan_inputs(ctx.warehouse, settings)
    progress(0.9)
    path = ctx.out_dir / "curves.png"
    curves = ctx.plan_inputs.curves
    plot_curves(curves, path, breakpoints={c: breakpoints(curve, settings.segments)
                                           for c, curve in curves.items()})
    ctx.outputs["response curves chart"] = path
    t = Table(title="Response curves (attributed revenue vs monthly spend)",
              title_justify="left")
    for col in ("channel", "form", "method", "R²", "months", "spend range / month"):
        t.add_column(col, justify="left" if col in ("channel", "form", "method") else "right")
    for c in ctx.plan_inputs.curves.values():
        t.add_row(c.channel, c.form, c.method, _ratio(c.r2, 3), str(c.n_periods),
                  f"{_money(c.spend_min)} – {_money(c.spend_max)}")
    fallbacks = [f"{c.channel}: {c.note}" for c in ctx.plan_inputs.curves.values()
                 if c.method == "fallback"]
    t.caption = "\n".join(fallbacks) or None
    ctx.renderables.append(t)


# ---------------------------------------------------------------------- 5. plan
def _last_quarter_spend(ctx: DemoContext) -> float:
    """Σ spend over the last quarter's months, summed exactly in the warehouse."""
    rows = ctx.roi.totals[ctx.roi.totals["period"].isin(ctx.plan_inputs.previous_periods)]
    return ctx.warehouse.total_spend(rows["period_start"].min(), rows["period_end"].max())


def _step_plan(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.optimizer import (
        BudgetConstraint,
        MaxChange,
        PlanConstraints,
        optimize_budget,
        revenue_range,
        run_scenarios,
    )

    found = ctx.plan_inputs
    budget = _last_quarter_spend(ctx)
    cons = PlanConstraints(budget=BudgetConstraint(budget, equality=True),
                           max_change=MaxChange(DEMO_MAX_CHANGE))
    plan = optimize_budget(found.inputs, cons, quarter=found.quarter, on_infeasible="return")
    if plan.ok and found.curve_sets:
        from dataclasses import replace

        plan = replace(plan, revenue_range=revenue_range(plan, found.curve_sets))
    progress(0.3)
    scen = run_scenarios(found.inputs, cons)
    progress(0.7)
    ctx.plan, ctx.scenarios = plan, scen
    if plan.ok:
        ctx.outputs["plan split chart"] = ctx.out_dir / "plan.png"
        plan.plot_split(ctx.outputs["plan split chart"])
    ctx.outputs["scenario curve chart"] = ctx.out_dir / "scenarios.png"
    scen.plot(ctx.outputs["scenario curve chart"])
    ctx.renderables.append(plan_renderable(plan, scen, budget, found))


def plan_renderable(plan: Any, scen: Any, budget: float, found: Any) -> RenderableType:
    """The plan, its evidence and the scenarios, as rich renderables."""
    head = Text(f"Budget {_money(budget)} = last quarter's paid spend "
                f"({', '.join(found.previous_periods)}), spent in full; each channel within "
                f"±{DEMO_MAX_CHANGE:.0%} of last quarter; lifecycle rules applied.")
    if not plan.ok:
        lines = [head, Text(f"No plan: {plan.status_text}", style="bold red")]
        lines += [Text(f"  - {c}") for c in plan.conflicts]
        return Group(*lines)
    t = Table(title=f"Budget plan {plan.quarter}", title_justify="left", show_footer=True)
    t.add_column("channel", footer="total", no_wrap=True)
    t.add_column("lifecycle", footer="")
    t.add_column("last quarter", justify="right",
                 footer=_money(math.fsum(c.previous_spend or 0.0 for c in plan.channels)))
    t.add_column("spend", justify="right", footer=_money(plan.total_spend))
    t.add_column("share", justify="right", footer="100.0%")
    t.add_column("change", justify="right")
    t.add_column("exp. revenue", justify="right", footer=_money(plan.expected_revenue))
    t.add_column("marginal ROI", justify="right")
    for c in plan.channels:
        life = c.verdict or c.status
        if c.rule not in ("normal", life):
            life = f"{life} ({c.rule})"
        t.add_row(c.channel, life, _money(c.previous_spend), _money(c.spend),
                  f"{c.share:.1%}", "–" if c.change_pct is None else f"{c.change_pct:+.1%}",
                  "not modelled" if c.expected_revenue is None else _money(c.expected_revenue),
                  _ratio(c.marginal_roi, 3))
    lines: list[RenderableType] = [head, t]
    if plan.revenue_range is not None:
        rr = plan.revenue_range
        lines.append(Text(f"expected revenue {_money(plan.expected_revenue)}; "
                          f"{rr.level:.0%} range over {rr.samples.size} bootstrap resamples: "
                          f"{_money(rr.low)} – {_money(rr.high)}"))
    if plan.budget_shadow_price is not None:
        lines.append(Text(f"budget shadow price: {plan.budget_shadow_price:,.4f} revenue per "
                          "extra unit of budget"))
    if plan.binding_constraints:
        lines.append(Text("binding constraints: " + ", ".join(plan.binding_constraints)))
    for v in found.verdicts:
        lines.append(Text(f"lifecycle: {v.channel} is {v.verdict} ({v.rule}); the plan applies "
                          f"it as '{plan.channel(v.channel).rule}'"
                          if v.channel in {c.channel for c in plan.channels} else
                          f"lifecycle: {v.channel} is {v.verdict}; not planned (no spend)"))
    st = Table(title="Scenarios (same constraints, other budgets)", title_justify="left")
    for col in ("budget ×", "budget", "status", "exp. revenue", "shadow price",
                "incremental ROI"):
        st.add_column(col, justify="right")
    for rec in scen.to_frame().to_dict(orient="records"):
        inc = rec["incremental_roi"]
        st.add_row(f"{rec['multiplier']:g}", _money(rec["budget"]), rec["status"],
                   _money(rec["expected_revenue"]),
                   _ratio(rec["budget_shadow_price"], 4),
                   "–" if inc is None or inc != inc else _ratio(inc, 4))
    lines.append(st)
    return Group(*lines)


# -------------------------------------------------------------------- 6. report
def demo_report_options(ctx: DemoContext) -> Any:
    """The report's settings: the demo's models, intervals, ROI model, period and plan.

    The plan section gets the demo plan's budget (last quarter's paid spend,
    spent in full), quarter, ±30% limit and scenario budgets, so the report
    shows the same plan and scenarios;
    the attribution section is the comparison the demo printed (passed to
    :func:`touchpath.report.html.write_report`), not a second bootstrap.
    """
    from touchpath.optimizer.scenarios import DEFAULT_MULTIPLIERS
    from touchpath.report.collect import ReportOptions

    budget = _last_quarter_spend(ctx) if ctx.plan_inputs is not None else None
    return ReportOptions(period="month", model=DEMO_ROI_MODEL, models=DEMO_MODELS, ci=ctx.ci,
                         budget=budget or None,
                         quarter=None if ctx.plan_inputs is None else ctx.plan_inputs.quarter,
                         spend_all=True, lookback_days=ctx.lookback_days,
                         max_change=DEMO_MAX_CHANGE, multipliers=DEFAULT_MULTIPLIERS)


def _step_report(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    from touchpath.report.html import write_report

    progress(0.05)
    path = ctx.out_dir / "report.html"
    write_report(ctx.warehouse, path, demo_report_options(ctx), comparison=ctx.comparison)
    ctx.outputs["HTML report"] = path


#: The steps this module adds, in order.
STEPS = (
    DemoStep("Comparing attribution models", _step_compare, 3.0),
    DemoStep("Monthly channel ROI", _step_roi, 2.0),
    DemoStep("Lifecycle verdicts", _step_lifecycle, 0.2),
    DemoStep("Fitting response curves", _step_curves, 4.0),
    DemoStep("Planning next quarter", _step_plan, 1.5),
    DemoStep("Writing the HTML report", _step_report, 3.0),
)


def register() -> None:
    """Append :data:`STEPS` to the demo after ``Summarising channels`` (once)."""
    from touchpath.cli.data_cmds import DEMO_STEPS

    labels = {s.label for s in DEMO_STEPS}
    after = "Summarising channels"
    for step in STEPS:
        if step.label not in labels:
            add_demo_step(step, after=after)
        after = step.label


register()
