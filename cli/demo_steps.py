"""The analysis half of ``touchpath demo``: models, ROI, lifecycle, curves, plan.

Registered after the data steps of :mod:`touchpath.cli.data_cmds` (see
:func:`~touchpath.cli.data_cmds.add_demo_step`), in the order of DESIGN.md's data
flow. Every step asks the service (:mod:`touchpath.service`) with the service's
defaults and the demo context's one :class:`~touchpath.service.LocalMemo`, so
the ROI table the lifecycle verdicts, the curves and the plan read is computed
once:

1. **Model comparison** of :data:`DEMO_MODELS` (the service's comparison plus
   the conversion-rate Shapley game) on the demo's journeys
   (:func:`touchpath.service.compare_models`), with bootstrap intervals
   (``DemoContext.ci`` resamples, default
   :data:`~touchpath.cli.data_cmds.DEMO_CI`; every model, Markov included), as a
   table and ``compare.png``.
2. **ROI** per period of the service's model (:func:`touchpath.service.roi_table`;
   ``roi_month.csv``; the last three periods shown per channel).
3. **Lifecycle verdict** of the test channel with its evidence
   (:func:`touchpath.service.lifecycle`, default rules).
4. **Response curves** fitted per channel (:func:`touchpath.service.plan_inputs`;
   ``curves.png``), with ``DemoContext.resamples`` (default
   :data:`~touchpath.cli.data_cmds.DEMO_RESAMPLES`) bootstrap resamples of each
   period's attribution for the plan's revenue range.
5. **Next quarter's plan** under the service's plan parameters
   (:class:`touchpath.service.PlanParams` as it comes: budget = last quarter's
   spend of the planned channels, spent at most, each channel within ±30 % of
   last quarter, lifecycle rules applied; :func:`touchpath.service.plan`): the
   split (``plan.png``) and the scenarios at the service's multipliers
   (:func:`touchpath.service.scenarios`; ``scenarios.png``).
6. **HTML report** (:func:`touchpath.report.html.write_report`) of the same
   models, model, period and plan parameters.

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

from touchpath import service
from touchpath.cli.attribution_cmds import show_comparison
from touchpath.cli.data_cmds import (
    DEMO_STEPS,
    DemoContext,
    DemoStep,
    add_demo_step,
    demo_journey_options,
)
from touchpath.service import DEFAULTS

__all__ = ["DEMO_MODELS", "demo_report_options", "plan_renderable", "register",
           "roi_summary_table", "verdict_table"]

#: Models of the demo's comparison: the service's (``DEFAULTS.compare_models``) and the
#: conversion-rate Shapley game (``shapley_rate``). The demo shows every family of model
#: Touchpath has; the default comparison leaves the conversion-rate game out because
#: it is refitted on every bootstrap resample, and the demo can afford that once.
DEMO_MODELS = (*DEFAULTS.compare_models, "shapley_rate")


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


# ------------------------------------------------------------------ 1. compare
def _step_compare(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    state = {"models": 0, "last": 0}
    n_models = len(DEMO_MODELS)

    def advance(done: int, total: int) -> None:
        if done < state["last"]:
            state["models"] += 1
        state["last"] = done
        progress((state["models"] + done / max(total, 1)) / n_models)

    ctx.comparison = service.compare_models(ctx.warehouse, DEMO_MODELS, demo_journey_options(ctx),
                                            ci=ctx.ci, seed=ctx.seed, progress=advance,
                                            memo=ctx.memo)
    path = ctx.out_dir / "compare.png"
    ctx.renderables.append(_captured(lambda console: show_comparison(ctx.comparison, console,
                                                                     path)))
    ctx.outputs["model comparison chart"] = path


# ---------------------------------------------------------------------- 2. ROI
def _step_roi(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.roi import period_bounds

    period = DEFAULTS.period
    first, last = ctx.warehouse.activity_range()
    n = max(1, len(period_bounds(first, last + timedelta(days=1), period)))
    done = [0]

    def tick(_: str) -> None:
        done[0] += 1
        progress(min(done[0] / n, 1.0))

    ctx.roi = service.roi_table(ctx.warehouse, period=period, options=demo_journey_options(ctx),
                                on_period=tick, memo=ctx.memo)
    path = ctx.out_dir / f"roi_{period}.csv"
    ctx.roi.to_csv(path)
    ctx.outputs[f"ROI table per {period}"] = path
    ctx.renderables.append(roi_summary_table(ctx.roi))


def roi_summary_table(table: Any, periods: int = 3) -> Table:
    """Rich table of the last ``periods`` periods per channel: ROI per period and in total."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.data.paths import DIRECT

    frame = table.to_frame()
    last = table.periods[-periods:]
    frame = frame[frame["period"].isin(last)]
    out = Table(title=f"Channel ROI, last {len(last)} {table.period}s — {table.model}",
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
    report = service.lifecycle(ctx.warehouse, period=DEFAULTS.period,
                               options=demo_journey_options(ctx), memo=ctx.memo)
    ctx.verdicts = report.verdicts
    parts: list[RenderableType] = [Text(f"Lifecycle rules: {report.rules.describe()}",
                                        style="dim")]
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
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.curves import plot_curves
    from touchpath.optimizer.curves import breakpoints

    progress(0.05)
    settings = service.CurveSettings(options=demo_journey_options(ctx), resamples=ctx.resamples,
                                     seed=ctx.seed)
    ctx.plan_inputs = service.plan_inputs(ctx.warehouse, settings, memo=ctx.memo)
    progress(0.9)
    path = ctx.out_dir / "curves.png"
    plot_curves(ctx.plan_inputs.curves, path, currency=DEFAULTS.currency,
                breakpoints={c: breakpoints(curve, settings.segments)
                             for c, curve in ctx.plan_inputs.curves.items()})
    ctx.outputs["response curves chart"] = path
    t = Table(title=f"Response curves (attributed revenue vs spend per {settings.period})",
              title_justify="left")
    for col in ("channel", "form", "method", "R²", "periods", f"spend range / {settings.period}"):
        t.add_column(col, justify="left" if col in ("channel", "form", "method") else "right")
    for c in ctx.plan_inputs.curves.values():
        t.add_row(c.channel, c.form, c.method, _ratio(c.r2, 3), str(c.n_periods),
                  f"{_money(c.spend_min)} – {_money(c.spend_max)}")
    fallbacks = [f"{c.channel}: {c.note}" for c in ctx.plan_inputs.curves.values()
                 if c.method == "fallback"]
    t.caption = "\n".join(fallbacks) or None
    ctx.renderables.append(t)


# ---------------------------------------------------------------------- 5. plan
def _step_plan(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    found = ctx.plan_inputs
    # The service's plan as it comes: budget = last quarter's spend (PlanInputs.previous_total).
    params = service.PlanParams()
    plan = service.plan(found, params)
    progress(0.3)
    scen = service.scenarios(found, params)
    progress(0.7)
    ctx.plan_params, ctx.plan, ctx.scenarios = params, plan, scen
    if plan.ok:
        ctx.outputs["plan split chart"] = ctx.out_dir / "plan.png"
        plan.plot_split(ctx.outputs["plan split chart"], currency=DEFAULTS.currency)
    ctx.outputs["scenario curve chart"] = ctx.out_dir / "scenarios.png"
    scen.plot(ctx.outputs["scenario curve chart"], currency=DEFAULTS.currency)
    ctx.renderables.append(plan_renderable(plan, scen, params, found))


def plan_renderable(plan: Any, scen: Any, params: Any, found: Any) -> RenderableType:
    """The plan, the parameters and evidence behind it, and the scenarios, as rich renderables.

    ``params`` is the :class:`~touchpath.service.PlanParams` the plan was solved
    under, ``found`` its :class:`~touchpath.service.PlanInputs`.
    """
    spent = "spent in full" if params.spend_all else "spent at most"
    change = ("no limit on a channel's change" if params.max_change is None
              else f"each channel within ±{params.max_change:.0%} of last quarter")
    budget = params.budget_for(found)
    source = ("last quarter's paid spend" if params.budget is None else "the budget given")
    head = Text(f"Budget {_money(budget)} = {source} ({', '.join(found.previous_periods)}), "
                f"{spent}; {change}; lifecycle rules applied.")
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
    """The report's settings: the demo's models, intervals, and the service's model and plan.

    The plan section gets the demo plan's parameters (budget, quarter, budget
    rule, change limit) and the scenarios the service's multipliers, so the
    report shows the same plan and scenarios; the attribution section is the
    comparison the demo printed (passed to
    :func:`touchpath.report.html.write_report`), not a second bootstrap.
    """
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.report.collect import ReportOptions

    found, params = ctx.plan_inputs, ctx.plan_params or service.PlanParams()
    budget = params.budget_for(found) if found is not None and found.previous_total > 0 \
        else None
    return ReportOptions(period=DEFAULTS.period, model=service.default_model_spec(),
                         models=DEMO_MODELS, ci=ctx.ci, budget=budget,
                         quarter=None if found is None else params.quarter_for(found),
                         spend_all=params.spend_all, lookback_days=ctx.lookback_days,
                         max_change=params.max_change,
                         multipliers=DEFAULTS.scenario_multipliers)


def _step_report(ctx: DemoContext, progress: Callable[[float], None]) -> None:
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.report.html import write_report

    progress(0.05)
    path = ctx.out_dir / "report.html"
    write_report(ctx.warehouse, path, demo_report_options(ctx), comparison=ctx.comparison)
    ctx.outputs["HTML report"] = path


#: The steps this module adds, in order.
STEPS = (
    DemoStep("Comparing attribution models", _step_compare, 3.0),
    DemoStep(f"Channel ROI per {DEFAULTS.period}", _step_roi, 2.0),
    DemoStep("Lifecycle verdicts", _step_lifecycle, 0.2),
    DemoStep("Fitting response curves", _step_curves, 4.0),
    DemoStep("Planning next quarter", _step_plan, 1.5),
    DemoStep("Writing the HTML report", _step_report, 3.0),
)


def register() -> None:
    """Append :data:`STEPS` to the demo after ``Summarising channels`` (once)."""
    labels = {s.label for s in DEMO_STEPS}
    after = "Summarising channels"
    for step in STEPS:
        if step.label not in labels:
            add_demo_step(step, after=after)
        after = step.label


register()
