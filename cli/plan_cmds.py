r"""CLI command ``touchpath plan``: the budget plan for a quarter.

The plan is one call of the service (:func:`touchpath.service.plan`, or
:func:`~touchpath.service.scenarios` / :func:`~touchpath.service.goal`) on plan
inputs and one :class:`touchpath.service.PlanParams`, exactly as ``POST
/v1/budget/plan``, ``/scenarios`` and ``/goal`` solve a request body:

- inputs: with ``--curves FILE`` the curves document
  (:func:`touchpath.service.inputs_from_curves`; schema in :mod:`touchpath.optimizer.io`),
  else fitted from the warehouse (``--db``; :func:`touchpath.service.plan_inputs`:
  the channel ROI table of ``--model`` / ``--order`` per ``--period``, response
  curves, lifecycle verdicts and last quarter's spend);
- parameters: every option default is the service's
  (:data:`touchpath.service.DEFAULTS`): no ``--budget`` means last quarter's
  spend of the planned channels, spent at most (``--exact-budget`` to spend it
  exactly), each channel within ±30 % of last quarter (``--max-change``;
  ``--max-change none`` lifts the limit), test channels at most 5 % of the
  budget, scale channels may double; the quarter defaults to the one after the
  data's end.

Examples::

    touchpath plan --db touchpath.duckdb --budget 1200000 --model markov --order 2
    touchpath plan --curves curves.json --budget 1200000 --quarter 2027Q1 \\
        --max-change 0.3 --group-cap social=0.4 --min search=100000 \\
        --scenarios 0.8,0.9,1.1,1.2 --format table --plot plan.png
    touchpath plan --curves curves.json --target-revenue 5000000     # smallest budget
    touchpath plan --curves curves.json --goal-marginal-roi 2.0       # largest budget
    touchpath plan --db touchpath.duckdb --quarter 2026Q2 --record    # store it for pacing

Value syntax, read here into the bounds and group limits the API body spells
``mins`` / ``maxs`` / ``min_shares`` / ``max_shares`` and ``group_caps``:
``--min/--max CHANNEL=AMOUNT`` (absolute) or ``CHANNEL=10%`` (share of total
spend); ``--group-cap/--group-floor GROUP=VALUE`` where a value ending in ``%``
or <= 1 is a share of total spend and a value > 1 an absolute amount.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.calibration_cmds import calibrated_json, print_plan_comparison
from touchpath.cli.common import (
    DEFAULT_PERIOD,
    KIND_DEFAULT,
    MAX_CHANGE_DEFAULT,
    CalibrateOpt,
    CensorOpt,
    CliUsageError,
    KindOpt,
    LookbackOpt,
    MaxChangeOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    PeriodChoice,
    RecordOpt,
    StitchOpt,
    clean_errors,
    emit,
    kind_choice,
    max_change_value,
    model_choice,
    open_warehouse,
    output_console,
)
from touchpath.service import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    from touchpath.optimizer import BudgetPlan, ChannelBounds, GroupLimit, ScenarioSet
    from touchpath.service import PlanInputs

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


#: The service's defaults, as the choices of their options.
_OBJECTIVE = ObjectiveChoice(DEFAULTS.objective)
_SOLVER = Solver(DEFAULTS.solver)
_MONTHLY = MonthlySplit(DEFAULTS.monthly)
_UNMODELLED = Unmodelled(DEFAULTS.unmodelled)


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


def _channel_bounds(mins: list[str], maxs: list[str]) -> tuple[ChannelBounds, ...]:
    """``--min`` / ``--max CHANNEL=AMOUNT|SHARE%``: one bound per channel named."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.optimizer import ChannelBounds

    bounds: dict[str, dict[str, float]] = {}
    for option, values, key in (("--min", mins, "min"), ("--max", maxs, "max")):
        for name, raw in _pairs(values, option):
            value, share = _amount_or_share(raw, option, plain_is_share=False)
            bounds.setdefault(name, {})[f"{key}_share" if share else key] = value
    return tuple(ChannelBounds(c, **kw) for c, kw in bounds.items())


def _group_limits(caps: list[str], floors: list[str]) -> tuple[GroupLimit, ...]:
    """``--group-cap`` / ``--group-floor GROUP=VALUE``: one limit per group named."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.optimizer import GroupLimit

    groups: dict[str, dict[str, float]] = {}
    for option, values, key in (("--group-cap", caps, "max"), ("--group-floor", floors, "min")):
        for name, raw in _pairs(values, option):
            value, share = _amount_or_share(raw, option, plain_is_share=True)
            groups.setdefault(name, {})[f"{key}_share" if share else key] = value
    return tuple(GroupLimit(g, **kw) for g, kw in groups.items())


def _multipliers(text: str) -> tuple[float, ...]:
    """``--scenarios``: numbers separated by commas, or ``default`` (the service's)."""
    if text.strip().lower() == "default":
        return DEFAULTS.scenario_multipliers
    try:
        return tuple(float(m) for m in text.split(",") if m.strip())
    except ValueError:
        raise CliUsageError(
            f"--scenarios expects numbers separated by commas (or 'default'), got {text!r}"
        ) from None


def _read_curves(path: Path) -> dict[str, Any]:
    """The curves document of ``--curves FILE`` (validated by the service)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliUsageError(f"cannot read curves file {str(path)!r}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliUsageError(
            f"curves file {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}") from None


def _warehouse_inputs(db: Path, settings: Any) -> PlanInputs:
    """Plan inputs fitted from the warehouse at ``db``, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import Progress

    missing = ("touchpath plan needs response curves: pass --curves FILE.json "
               '(schema: {"channels": [{"channel": ..., "segments": '
               '[{"width": ..., "slope": ...}]}]}), '
               f"or --db with a warehouse (none at {db}; `touchpath demo` or `touchpath ingest` "
               "makes one)")
    with open_warehouse(db, missing=missing) as wh, Progress(
            console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("fitting curves per period", total=None)
        return service.plan_inputs(wh, settings, on_period=lambda _: progress.advance(task))


def _calibrated_plan(db: Path, settings: Any, params: Any) -> Any:
    """``plan --calibrate``: the plan on calibrated curves beside the uncalibrated one."""
    from rich.console import Console
    from rich.progress import Progress

    with open_warehouse(db) as wh, Progress(console=Console(stderr=True),
                                            transient=True) as progress:
        task = progress.add_task("fitting calibrated and uncalibrated curves", total=None)
        return service.calibrated_plan(wh, settings, params,
                                       on_period=lambda _: progress.advance(task),
                                       memo=service.LocalMemo())


def _next_unit(channel: Any) -> str:
    """The "mROI next" cell: the next unit's ROI, or ``cap`` where the curve ends."""
    if channel.marginal_roi is not None:
        return f"{channel.marginal_roi:.3g}"
    held = getattr(channel, "held_by", None) or ""
    return "cap" if held.startswith("curve capacity") else ""


def _render_table(plan: BudgetPlan, scen: ScenarioSet | None) -> None:
    from rich.table import Table

    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.optimizer.model import fmt_money

    console = output_console(markup=False, highlight=False)
    if not plan.ok:
        console.print(f"No budget plan: solver status {plan.status}.")
        for c in plan.conflicts or (plan.status_text,):
            console.print(f"  - {c}")
        return
    console.print(plan.status_text)
    if plan.unallocated > 0:
        console.print(f"unallocated {fmt_money(plan.unallocated)}: {plan.unallocated_reason}")
    if plan.warnings:
        console.print("warnings:")
        for warning in plan.warnings:
            console.print(f"  - {warning}")
    t = Table(title=f"Budget plan {plan.quarter or ''} (money in {DEFAULTS.currency})"
              .replace("  ", " "))
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
            _next_unit(c),
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
        for col in ("x", "budget", "status", "exp. revenue", "unallocated", "shadow price",
                    "incr. ROI"):
            st.add_column(col, justify="right")
        for rec in scen.to_frame().to_dict(orient="records"):
            st.add_row(
                f"{rec['multiplier']:g}",
                fmt_money(rec["budget"]),
                rec["status"],
                "" if rec["expected_revenue"] is None else fmt_money(rec["expected_revenue"]),
                "" if rec.get("unallocated") is None else fmt_money(rec["unallocated"]),
                "" if rec["budget_shadow_price"] is None else f"{rec['budget_shadow_price']:.4g}",
                ""
                if rec["incremental_roi"] is None
                or rec["incremental_roi"] != rec["incremental_roi"]
                else f"{rec['incremental_roi']:.4g}",
            )
        console.print(st)


def _plan_help() -> str:
    """``touchpath plan --help``: what the command does and its defaults, from the service's."""
    spent = "spent exactly" if DEFAULTS.spend_all else "spent at most"
    change = ("no limit on a channel's change" if DEFAULTS.max_change is None else
              f"each channel within ±{DEFAULTS.max_change:.0%} of last quarter "
              "(--max-change none: no limit)")
    return ("Split a quarter's budget across channels (piecewise-linear LP over response "
            f"curves).\n\nBy default: last quarter's spend, {spent}; {change}; test channels "
            f"at most {DEFAULTS.test_budget:.0%} of the budget each; lifecycle rules applied.")


@app.command("plan", help=_plan_help())
def plan_command(
    budget: Annotated[float | None, typer.Option(
        help="Budget of the quarter (default: last quarter's spend of the planned "
             "channels).")] = None,
    quarter: Annotated[str | None, typer.Option(help="Quarter, e.g. 2027Q1.")] = None,
    objective: Annotated[
        ObjectiveChoice, typer.Option(help="What to maximise (profit needs --margin).")
    ] = _OBJECTIVE,
    margin: Annotated[float | None, typer.Option(help="Gross margin for profit.")] = None,
    max_change: MaxChangeOpt = MAX_CHANGE_DEFAULT,
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
    ] = DEFAULTS.test_budget,
    scale_growth: Annotated[
        float, typer.Option(help="Largest growth of a scale channel over previous spend.")
    ] = DEFAULTS.scale_growth,
    scenarios: Annotated[
        str | None, typer.Option(
            help="Also plan at budget × each multiplier: numbers separated by commas, or "
                 f"'default' ({','.join(f'{m:g}' for m in DEFAULTS.scenario_multipliers)}).")
    ] = None,
    exact_budget: Annotated[
        bool, typer.Option(help="Spend the budget exactly (default: at most the budget).")
    ] = DEFAULTS.spend_all,
    target_revenue: Annotated[
        float | None, typer.Option(help="Goal: the smallest budget reaching this revenue.")
    ] = None,
    min_roi: Annotated[float, typer.Option(
        min=0, help="Buy no spend whose marginal revenue ROI is below this (0: pure revenue "
                    "maximisation); budget left unplaced is reported as unallocated.")]
    = DEFAULTS.min_roi,
    goal_marginal_roi: Annotated[
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
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    period: Annotated[
        PeriodChoice, typer.Option(help="Period of the fitted curves.")
    ] = DEFAULT_PERIOD,
    segments: Annotated[int, typer.Option(min=1, help="Segments per fitted curve.")]
    = DEFAULTS.segments,
    resamples: Annotated[
        int,
        typer.Option(min=0, help="Bootstrap resamples for a revenue range (fitted curves)."),
    ] = DEFAULTS.resamples,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    solver: Annotated[
        Solver, typer.Option(help="LP solver (auto: HiGHS when installed, else CBC).")
    ] = _SOLVER,
    monthly: Annotated[
        MonthlySplit,
        typer.Option(help="Per-month split: pattern (from the curves or data) or even."),
    ] = _MONTHLY,
    unmodelled: Annotated[
        Unmodelled,
        typer.Option(help="Channels without a curve: hold (previous spend) or zero."),
    ] = _UNMODELLED,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    out: OutOpt = None,
    plot: Annotated[
        Path | None,
        typer.Option(help="PNG of the split (and <name>_scenarios.png with --scenarios)."),
    ] = None,
    record: RecordOpt = False,
    calibrate: CalibrateOpt = False,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Split a quarter's budget across channels (the help text is :func:`_plan_help`)."""
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.optimizer import PlanError

    with clean_errors():
        try:
            if record and curves is not None:
                raise CliUsageError("--record tracks a plan against the warehouse it is fitted "
                                    "from: drop --curves (fit from --db)")
            goals = [g for g in (budget, target_revenue, goal_marginal_roi) if g is not None]
            if len(goals) > 1:
                raise CliUsageError("give at most one of --budget, --target-revenue, "
                                    "--goal-marginal-roi")
            params = service.PlanParams(
                budget=budget, spend_all=exact_budget, quarter=quarter,
                objective=objective.value, margin=margin,
                max_change=max_change_value(max_change),
                bounds=_channel_bounds(min_spend or [], max_spend or []),
                groups=_group_limits(group_cap or [], group_floor or []),
                test_budget=test_budget, scale_growth=scale_growth,
                unmodelled=unmodelled.value, monthly=monthly.value, solver=solver.value,
                min_roi=min_roi)
            compared = None
            if curves is not None:
                if calibrate:
                    raise CliUsageError("--calibrate fits calibrated curves from the warehouse; "
                                        "leave out --curves")
                inputs = service.inputs_from_curves(_read_curves(curves))
            else:
                settings = service.CurveSettings(
                    model=model_choice(model, order), period=period.value, segments=segments,
                    resamples=resamples,
                    options=service.journey_options(lookback_days=lookback, censor=censor,
                                                    kind=kind_choice(kind), stitch=stitch),
                    calibrate=calibrate)
                if calibrate:
                    compared = _calibrated_plan(db, settings, params)
                    inputs = compared.inputs
                else:
                    inputs = _warehouse_inputs(db, settings)
            scen = None
            if target_revenue is not None or goal_marginal_roi is not None:
                plan = service.goal(inputs, params, target_revenue=target_revenue,
                                    min_marginal_roi=goal_marginal_roi)
            elif compared is not None:
                plan = compared.plan
                if scenarios:
                    scen = service.scenarios(inputs, params, multipliers=_multipliers(scenarios))
            else:
                plan = service.plan(inputs, params)
                if scenarios:
                    scen = service.scenarios(inputs, params, multipliers=_multipliers(scenarios))
        except PlanError as exc:
            raise CliUsageError(str(exc)) from None
        recorded = None
        if record:
            if not plan.ok:
                raise CliUsageError(f"not recorded: the plan is {plan.status} "
                                    f"({plan.status_text})")
            with open_warehouse(db, read_only=False) as wh:
                recorded = service.record_plan(wh, plan, params, settings)

    if fmt is OutputFormat.json:
        payload: dict[str, Any] = plan.to_dict()
        if recorded is not None:
            payload["plan_id"] = recorded.plan_id
        if scen is not None:
            payload["scenarios"] = scen.to_dict()["scenarios"]
        if compared is not None:
            payload["calibration"] = json.loads(calibrated_json(compared.to_dict()))
        text = json.dumps(payload, indent=2, allow_nan=False, default=_json_default)
        emit(text, out)
    elif fmt is OutputFormat.csv:
        emit(plan.to_frame().to_csv(index=False) if plan.ok else "", out)
        if not plan.ok:
            typer.echo(plan.status_text, err=True)
    else:
        if out is not None:
            raise typer.BadParameter("--out needs --format json or csv", param_hint="--out")
        _render_table(plan, scen)
        if compared is not None:
            print_plan_comparison(compared, output_console(highlight=False))
    if recorded is not None:
        typer.echo(f"recorded plan {recorded.plan_id} ({recorded.quarter}, data version "
                   f"{recorded.data_version}); track it with `touchpath pacing --plan "
                   f"{recorded.plan_id}`", err=fmt is not OutputFormat.table)
    if plot is not None and plan.ok:
        plan.plot_split(plot, currency=DEFAULTS.currency)
        if scen is not None:
            scen.plot(plot.with_name(f"{plot.stem}_scenarios{plot.suffix or '.png'}"),
                      currency=DEFAULTS.currency)
    if not plan.ok:
        raise typer.Exit(code=1)


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")
