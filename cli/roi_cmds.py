"""CLI commands of the ROI layer: ``roi``, ``lifecycle``, ``channel-status``, ``curves``.

All read the DuckDB warehouse (``--db``, default ``touchpath.duckdb``) and call
one workflow of the service each, with its defaults (model, order, period,
lookback), so they answer what ``GET /v1/roi``, ``GET /v1/lifecycle``,
``POST /v1/channels/{channel}/status`` and the plan endpoints' fitted inputs do:

- ``roi``: :func:`touchpath.service.roi_table`;
- ``lifecycle``: :func:`touchpath.service.lifecycle` (read only), and with
  ``--record`` :func:`touchpath.service.record` of the same verdicts;
- ``channel-status``: :func:`touchpath.service.change_status`;
- ``curves``: :func:`touchpath.service.plan_inputs`, the very inputs ``touchpath
  plan`` fits: its response curves (table, ``--png``) and its curves document
  (``--out``, scaled to the quarter the plan covers, previous spend = last
  quarter's), so ``touchpath plan --curves FILE`` plans what ``touchpath plan``
  plans from the warehouse.

``--from`` / ``--to`` are conversion days, both inclusive. Tables on screen
show rounded figures; CSV, JSON and Parquet carry full precision (undefined
ratios as empty cells / ``null``). Errors print one line and exit with code 2.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.calibration_cmds import print_calibration
from touchpath.cli.common import (
    DEFAULT_PERIOD,
    KIND_DEFAULT,
    PIPE_WIDTH,
    ByOpt,
    CalibrateOpt,
    CensorOpt,
    CliUsageError,
    KindOpt,
    LookbackOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    PeriodChoice,
    StitchOpt,
    clean_errors,
    emit,
    kind_choice,
    model_choice,
    open_warehouse,
    output_console,
)
from touchpath.data.statuses import ChannelStatus
from touchpath.service import DEFAULTS

__all__ = ["channel_status_cmd", "curves_cmd", "lifecycle_cmd", "roi_cmd"]


class RoiFormat(StrEnum):
    """Output formats of ``touchpath roi``."""

    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


class Reading(StrEnum):
    """How the 15% / 30% thresholds are read."""

    multiple = "multiple"
    fraction = "fraction"


class BaselineKind(StrEnum):
    """Which established channels make the lifecycle baseline."""

    paid = "paid"
    all = "all"


PeriodOpt = Annotated[PeriodChoice, typer.Option(
    "--period", help="ROI period (a test cycle for the lifecycle rules).")]
FromOpt = Annotated[datetime | None, typer.Option(
    "--from", formats=["%Y-%m-%d"], help="First conversion day (YYYY-MM-DD, inclusive).")]
ToOpt = Annotated[datetime | None, typer.Option(
    "--to", formats=["%Y-%m-%d"], help="Last conversion day (YYYY-MM-DD, inclusive).")]
FiscalOpt = Annotated[int, typer.Option(
    "--fiscal-start", min=1, max=12, help="First month of the fiscal year (quarters).")]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB warehouse.")]


def _range(start: datetime | None, end: datetime | None) -> tuple[date | None, date | None]:
    lo = start.date() if start is not None else None
    hi = end.date() + timedelta(days=1) if end is not None else None
    if lo is not None and hi is not None and hi <= lo:
        raise CliUsageError(f"--to {end:%Y-%m-%d} is before --from {start:%Y-%m-%d}")
    return lo, hi


def _fmt(x: Any, digits: int = 2, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:.1%}" if pct else f"{x:,.{digits}f}"


def _options(lookback: int, censor: bool, kind: str, stitch: bool = True) -> Any:
    return service.journey_options(lookback_days=lookback, censor=censor,
                                   kind=kind_choice(kind), stitch=stitch)


@contextmanager
def _period_progress(lo: date | None, hi: date | None, period: str,
                     fiscal: int) -> Iterator[Callable[[str], None]]:
    """A transient progress bar on stderr, advanced once per period attributed."""
    from rich.progress import Progress

    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.roi import period_bounds

    with Progress(console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("attributing periods", total=None)
        if lo is not None and hi is not None:
            progress.update(task, total=len(period_bounds(lo, hi, period, fiscal)))
        yield lambda _: progress.advance(task)


def _require_data(wh: Any, table: Any, lo: date | None, hi: date | None) -> None:
    """Stop with exit code 1 and a warning when the range has no conversions and no spend.

    An all-zero table would read as "every channel returned nothing"; instead
    the command says which days the data covers (first and last day with a
    conversion or spend) and exits 1, like ``grep`` finding nothing.
    """
    totals = table.totals
    if len(totals) and (float(totals["conversions"].sum()) > 0
                        or float(totals["spend"].sum()) > 0):
        return
    _no_data(wh, lo, hi)


def _require_overlap(wh: Any, lo: date | None, hi: date | None) -> None:
    """:func:`_require_data` before any work: a range entirely outside the data stops here."""
    first, last = wh.activity_range()
    if first is None or (hi is not None and hi <= first) or (lo is not None and lo > last):
        _no_data(wh, lo, hi)


def _no_data(wh: Any, lo: date | None, hi: date | None) -> None:
    """The warning of :func:`_require_data`, then exit code 1."""
    first, last = wh.activity_range()
    asked = ("in the warehouse" if lo is None and hi is None else
             f"between {lo or 'the start'} and "
             f"{(hi - timedelta(days=1)) if hi is not None else 'the end'}")
    covers = ("the warehouse has none at all" if first is None else
              f"the data covers {first} to {last}")
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold yellow]warning:[/] no conversions or spend {asked}; {covers}")
    raise typer.Exit(code=1)


@app.command("roi")
def roi_cmd(
    period: PeriodOpt = DEFAULT_PERIOD,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fiscal_start: FiscalOpt = DEFAULTS.fiscal_year_start_month,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    fmt: Annotated[RoiFormat, typer.Option("--format", "-f", help="Output format.")] = (
        RoiFormat.table),
    out: OutOpt = None,
    db: DbOpt = Path("touchpath.duckdb"),
    by: ByOpt = None,
    calibrate: CalibrateOpt = False,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Channel ROI per period: spend, attributed conversions and revenue, ROI, CPA, CAC.

    A range with no conversions and no spend (e.g. ``--from 2030-01-01``
    beyond the data) prints no table: a warning naming the days the data
    covers goes to stderr and the exit code is 1. With ``--by ATTRIBUTE`` one
    table per segment, each channel's spend allocated to the segments by their
    share of its touches (column ``spend_basis``).
    """
    with clean_errors():
        if fmt is RoiFormat.parquet and out is None:
            raise CliUsageError("--format parquet needs --out FILE")
        lo, hi = _range(start, end)
        spec = model_choice(model, order)
        if by is not None and calibrate:
            raise CliUsageError("--calibrate with --by: experiments calibrate a channel's "
                                "credit over all its journeys; give --calibrate on its own")
        if by is not None:
            _roi_segments(by, spec, period.value, lo, hi, fiscal_start,
                          _options(lookback, censor, kind, stitch), fmt, out, db)
            return
        with open_warehouse(db) as wh:
            _require_overlap(wh, lo, hi)
            with _period_progress(lo, hi, period.value, fiscal_start) as tick:
                options = _options(lookback, censor, kind, stitch)
                table = service.roi_table(wh, spec, period.value, options, start=lo, end=hi,
                                          fiscal_year_start_month=fiscal_start,
                                          on_period=tick)
            _require_data(wh, table, lo, hi)
            cal = None
            if calibrate:
                table, cal = service.calibrated_roi_table(wh, table, model=spec,
                                                          options=options,
                                                          memo=service.LocalMemo())
        if fmt is RoiFormat.parquet:
            table.to_parquet(out)
        elif fmt is RoiFormat.csv:
            if out is None:
                table.to_csv(sys.stdout)
            else:
                table.to_csv(out)
        elif fmt is RoiFormat.json:
            emit(table.to_json(), out)
        else:
            console = _console(out)
            _print_roi(table, console)
            if cal is not None:
                print_calibration(cal, console)
            if out is not None:
                out.write_text(console.export_text(), encoding="utf-8")
        rec = table.reconcile()
        if not rec["ok"].all():
            bad = ", ".join(rec.loc[~rec["ok"], "period"])
            Console(stderr=True).print(f"[yellow]warning:[/] totals do not reconcile in {bad}")


def _roi_segments(by: str, spec: str, period: str, lo: date | None, hi: date | None,
                  fiscal_start: int, options: Any, fmt: RoiFormat, out: Path | None,
                  db: Path) -> None:
    """``touchpath roi --by ATTRIBUTE``: the ROI table per segment."""
    # Deferred: segment_cmds imports the CLI's command modules.
    from touchpath.cli.segment_cmds import render_segmented_roi, segments_json

    with open_warehouse(db) as wh:
        _require_overlap(wh, lo, hi)
        result = service.roi_segments(wh, by, spec, period, options, start=lo, end=hi,
                                      fiscal_year_start_month=fiscal_start)
    frame = result.to_frame()
    if fmt is RoiFormat.parquet:
        frame.to_parquet(out, index=False)
    elif fmt is RoiFormat.csv:
        emit(frame.to_csv(index=False), out)
    elif fmt is RoiFormat.json:
        emit(segments_json(result), out)
    else:
        console = _console(out)
        render_segmented_roi(result, console)
        if out is not None:
            out.write_text(console.export_text(), encoding="utf-8")
    if not result.reconciles:
        Console(stderr=True).print("[yellow]warning:[/] a segment's totals do not reconcile")


_SHORT_NOTES = (
    ("spend but no attributed conversions", "no conversions"),
    ("conversions but no spend", "no spend"),
    ("no spend and no attributed conversions", "no activity"),
    ("no attributed first purchases", "no first purchases"),
    ("unattributed", "no touch in window"),
    ("calibrated:", "calibrated"),
    ("credit the experiments took", "freed by calibration"),
)


def _short_note(note: str) -> str:
    return ", ".join(short for long, short in _SHORT_NOTES if long in note)


def _console(out: Path | None) -> Console:
    """Stdout's console, or a recording one for ``--out FILE`` (as wide as a pipe's)."""
    return Console(record=True, width=PIPE_WIDTH) if out is not None else output_console()


def _print_roi(table: Any, console: Console) -> None:
    frame = table.to_frame()
    for label in table.periods:
        rows = frame[frame["period"] == label]
        t = Table(title=f"{label} — {table.model}, money in {DEFAULTS.currency}",
                  title_justify="left")
        for col, just in (("channel", "left"), ("spend", "right"), ("conv.", "right"),
                          ("revenue", "right"), ("ROI", "right"), ("net ROI", "right"),
                          ("CPA", "right"), ("CAC", "right"), ("first", "right"),
                          ("conv. rate", "right"), ("spend %", "right"), ("rev. %", "right"),
                          ("note", "left")):
            t.add_column(col, justify=just, no_wrap=col != "note")  # type: ignore[arg-type]
        for r in rows.itertuples(index=False):
            t.add_row(r.channel, _fmt(r.spend), _fmt(r.attributed_conversions, 1),
                      _fmt(r.attributed_revenue), _fmt(r.roi), _fmt(r.net_roi), _fmt(r.cpa),
                      _fmt(r.cac), _fmt(r.first_purchases, 1),
                      _fmt(r.journey_conversion_rate, pct=True),
                      _fmt(r.spend_share, pct=True), _fmt(r.revenue_share, pct=True),
                      _short_note(r.note or ""))
        tot = table.totals[table.totals["period"] == label].iloc[0]
        t.add_section()
        t.add_row("total", _fmt(tot["spend"]), _fmt(tot["conversions"], 1),
                  _fmt(tot["revenue"]), _fmt(tot["revenue"] / tot["spend"])
                  if tot["spend"] > 0 else "–", "", "", "", _fmt(tot["first_purchases"], 1),
                  "", "", "", "")
        console.print(t)
    console.print("[dim]ROI = attributed revenue ÷ spend; – = undefined (see the note column "
                  "of --format csv/json for why).[/]")


@app.command("lifecycle")
def lifecycle_cmd(
    period: PeriodOpt = DEFAULT_PERIOD,
    admit: Annotated[float | None, typer.Option(
        "--admit", help="Admit bar × baseline (default: the rules' 15% uplift, 1.15, or 0.15 "
                        "with --reading fraction).")] = None,
    scale: Annotated[float | None, typer.Option(
        "--scale", help="Scale bar × baseline (default: the rules' 30% uplift, 1.30, or 0.30 "
                        "with --reading fraction).")] = None,
    exit_fraction: Annotated[float | None, typer.Option(
        "--exit-fraction", help="Exit when ROI < this × target (default: the rules').")] = None,
    exit_cycles: Annotated[int | None, typer.Option(
        "--exit-cycles", min=1, help="... in this many consecutive cycles (default: the "
                                     "rules').")] = None,
    exit_target: Annotated[str | None, typer.Option(
        "--exit-target", help="'admit' (the admit bar) or a fixed target ROI (default: the "
                              "rules').")] = None,
    reading: Annotated[Reading | None, typer.Option(
        "--reading", help="multiple (1.15×/1.30×) or fraction (0.15×/0.30×) (default: the "
                          "rules').")] = None,
    min_spend: Annotated[float | None, typer.Option(
        "--min-spend", min=0, help="Spend per cycle below which data is insufficient "
                                   "(default: the rules').")] = None,
    min_conversions: Annotated[float | None, typer.Option(
        "--min-conversions", min=0, help="Admit or scale needs at least this many attributed "
        "conversions in the cycle (default: the rules').")] = None,
    baseline: Annotated[BaselineKind | None, typer.Option(
        "--baseline", help="Baseline ROI over established channels with spend in the cycle "
        "(paid) or over all of them (all) (default: the rules').")] = None,
    level: Annotated[float | None, typer.Option(
        "--level", help="One-sided confidence level of the bounds on the ROI ratio that admit, "
                        "scale and exit need (0.5 to below 1, or 0 for no bound; default: the "
                        "rules').")] = None,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fiscal_start: FiscalOpt = DEFAULTS.fiscal_year_start_month,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    record: Annotated[bool, typer.Option(
        "--record/--no-record", help="Also append the verdicts to the warehouse's "
                                     "channel_verdicts table (default: read only).")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = (
        OutputFormat.table),
    out: OutOpt = None,
    db: DbOpt = Path("touchpath.duckdb"),
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Lifecycle verdicts (exit / test / admit / scale) for channels in test status.

    Read only by default; ``--record`` also appends the verdicts to the
    warehouse's ``channel_verdicts`` table and says so. A range with no
    conversions and no spend is a warning and exit code 1. Rules left unset
    are the lifecycle rules' defaults; the rules in force head the output.
    """
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.lifecycle import LifecycleRules

    with clean_errors():
        target: str | float | None = exit_target
        if exit_target is not None and exit_target != "admit":
            try:
                target = float(exit_target)
            except ValueError:
                raise CliUsageError(f"--exit-target must be 'admit' or a number, got "
                                    f"{exit_target!r}") from None
        given = {"admit": admit, "scale": scale, "exit_fraction": exit_fraction,
                 "exit_cycles": exit_cycles, "exit_target": target,
                 "reading": None if reading is None else reading.value,
                 "min_spend": min_spend, "min_conversions": min_conversions, "level": level,
                 "baseline": None if baseline is None else baseline.value}
        rules = LifecycleRules(**{k: v for k, v in given.items() if v is not None})
        lo, hi = _range(start, end)
        spec = model_choice(model, order)
        with open_warehouse(db, read_only=not record) as wh:
            _require_overlap(wh, lo, hi)
            with _period_progress(lo, hi, period.value, fiscal_start) as tick:
                options = _options(lookback, censor, kind, stitch)
                report = service.lifecycle(wh, rules, spec, period.value, options,
                                           start=lo, end=hi,
                                           fiscal_year_start_month=fiscal_start,
                                           on_period=tick)
            _require_data(wh, report.roi, lo, hi)
            recorded = service.record(wh, report) if record and report.verdicts else 0
        verdicts = report.verdicts
        note = (f"recorded {recorded} verdict{'' if recorded == 1 else 's'} in channel_verdicts "
                f"of {db}" if recorded else "")
        if fmt is OutputFormat.json:
            doc = {"rules": rules.describe(), "model": report.roi.model,
                   "verdicts": [v.to_dict() for v in verdicts]}
            emit(json.dumps(doc, indent=2, default=str), out)
        elif fmt is OutputFormat.csv:
            emit(report.to_frame().to_csv(index=False), out)
        if note and fmt is not OutputFormat.table:
            # Machine-readable output stays clean on stdout; the note goes to stderr.
            Console(stderr=True, highlight=False).print(note)
        if fmt is OutputFormat.table:
            console = _console(out)
            console.print(f"[dim]{rules.describe()}; model {report.roi.model}[/]")
            if not verdicts:
                console.print("no channel in test status")
            for v in verdicts:
                _print_verdict(v, console)
            if note:
                console.print(note, highlight=False)
            if out is not None:
                out.write_text(console.export_text(), encoding="utf-8")


_STYLE = {"exit": "bold red", "test": "yellow", "admit": "green", "scale": "bold green"}


def _print_verdict(v: Any, console: Console) -> None:
    console.print(f"[{_STYLE[v.verdict]}]{v.channel}: {v.verdict.upper()}[/] — {v.reason}")
    t = Table(show_header=True, title_justify="left")
    for col in ("cycle", "spend", "conv.", "revenue", "ROI", "baseline", "ratio", "ratio low",
                "ratio high", "note"):
        t.add_column(col, justify="left" if col in ("cycle", "note") else "right")
    for r in v.cycles.itertuples(index=False):
        t.add_row(str(r.period), _fmt(r.spend), _fmt(r.attributed_conversions, 1),
                  _fmt(r.attributed_revenue), _fmt(r.roi), _fmt(r.baseline), _fmt(r.ratio),
                  _fmt(getattr(r, "ratio_low", None)), _fmt(getattr(r, "ratio_high", None)),
                  r.note)
    console.print(t)
    if v.level:
        needed = ("" if not v.conversions_needed
                  else f"; about {v.conversions_needed:,.0f} more needed")
        console.print(f"latest {v.period}: ratio {_fmt(v.ratio)}, {v.level:.0%} bounds "
                      f"{_fmt(v.ratio_low)} – {_fmt(v.ratio_high)} on "
                      f"{_fmt(v.conversions, 1)} attributed conversions{needed}")


@app.command("channel-status")
def channel_status_cmd(
    channel: Annotated[str, typer.Argument(help="Channel name.")],
    status: Annotated[ChannelStatus, typer.Option("--status", help="New status.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded with the change).")],
    db: DbOpt = Path("touchpath.duckdb"),
) -> None:
    """Move a channel to established / exited (a recorded user action).

    The status the channel already has changes nothing and records nothing.
    """
    with clean_errors(), open_warehouse(db, read_only=False) as wh:
        change = service.change_status(wh, channel, status.value, reason)
    if change.changed:
        Console().print(f"{channel}: {change.previous_status} -> {change.status} "
                        f"(recorded: {reason})")
    else:
        Console().print(f"{channel}: already {change.previous_status}, unchanged "
                        "(nothing recorded)")


@app.command("curves")
def curves_cmd(
    period: PeriodOpt = DEFAULT_PERIOD,
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    segments: Annotated[int, typer.Option("--segments", min=1, help="Segments per curve.")]
    = DEFAULTS.segments,
    horizon: Annotated[float | None, typer.Option(
        "--horizon", hidden=True,
        help="Old option: the curves document is always scaled to the quarter the plan "
             "covers; accepted only as the periods per quarter (3 for months).")] = None,
    fiscal_start: FiscalOpt = DEFAULTS.fiscal_year_start_month,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Curves JSON for `touchpath plan --curves`.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="PNG grid of the curves.")] = None,
    db: DbOpt = Path("touchpath.duckdb"),
    calibrate: CalibrateOpt = False,
    stitch: StitchOpt = DEFAULTS.stitch,
) -> None:
    """Fit response curves (revenue vs period spend) per channel and export segments.

    These are the inputs ``touchpath plan`` fits from the warehouse: the JSON
    (``--out``) is the optimizer's curves document with each curve cut into
    --segments pieces and scaled to a quarter (spend spread over its periods),
    previous_spend the spend of the last quarter's periods, and each channel's
    status, group and lifecycle verdict.
    """
    # Deferred: the numerical stack loads when a command runs, not for --help.
    from touchpath.attribution.curves import curves_frame, plot_curves
    from touchpath.attribution.roi import PERIODS_PER_QUARTER
    from touchpath.optimizer.curves import breakpoints

    with clean_errors():
        per_quarter = PERIODS_PER_QUARTER[period.value]
        if horizon is not None and horizon != per_quarter:
            raise CliUsageError(
                f"--horizon {horizon:g}: the curves document is scaled to the quarter the plan "
                f"covers ({per_quarter:g} {period.value} periods); leave --horizon out")
        lo, hi = _range(start, end)
        settings = service.CurveSettings(model=model_choice(model, order), period=period.value,
                                         segments=segments,
                                         options=_options(lookback, censor, kind, stitch),
                                         fiscal_year_start_month=fiscal_start, start=lo, end=hi,
                                         calibrate=calibrate)
        memo = service.LocalMemo()
        with open_warehouse(db) as wh, _period_progress(lo, hi, period.value,
                                                        fiscal_start) as tick:
            found = service.plan_inputs(wh, settings, on_period=tick, memo=memo)
            cal = (service.calibration(wh, settings.model, settings.options, memo=memo)
                   if calibrate else None)
        if out is not None:
            out.write_text(json.dumps(found.document, indent=2), encoding="utf-8")
        if png is not None:
            plot_curves(found.curves, png, currency=DEFAULTS.currency,
                        breakpoints={c: breakpoints(curve, segments)
                                     for c, curve in found.curves.items()})
        summary = curves_frame(found.curves)
        console = _console(None)
        t = Table(title="Response curves (revenue vs spend per period)", title_justify="left")
        for col in ("channel", "form", "method", "params", "R²", "periods", "spend range"):
            t.add_column(col, no_wrap=True)
        for r in summary.itertuples(index=False):
            t.add_row(r.channel, r.form, r.method, r.params, _fmt(r.r2, 3), str(r.n_periods),
                      f"{_fmt(r.spend_min, 0)} – {_fmt(r.spend_max, 0)}")
        console.print(t)
        for r in summary.itertuples(index=False):
            if r.method == "fallback":
                console.print(f"[yellow]{r.channel}:[/] {r.note}")
        if cal is not None:
            console.print("curves fitted to the calibrated ROI table:")
            print_calibration(cal, console)
        if out is not None:
            console.print(f"curves for `touchpath plan --curves`: {out}")
