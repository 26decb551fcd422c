"""CLI commands of the ROI layer: ``roi``, ``lifecycle``, ``channel-status``, ``curves``.

All read the DuckDB warehouse (``--db``, default ``touchpath.duckdb``).
``--from`` / ``--to`` are conversion days, both inclusive. Tables on screen
show rounded figures; CSV, JSON and Parquet carry full precision (undefined
ratios as empty cells / ``null``). Errors print one line and exit with code 2.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from touchpath.cli.app import app
from touchpath.cli.common import (
    CliUsageError,
    LookbackOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    PeriodChoice,
    emit,
    order_value,
)
from touchpath.data.statuses import ChannelStatus

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
ModelOpt = Annotated[str, typer.Option("--model", "-m", help="Attribution model name.")]
FromOpt = Annotated[datetime | None, typer.Option(
    "--from", formats=["%Y-%m-%d"], help="First conversion day (YYYY-MM-DD, inclusive).")]
ToOpt = Annotated[datetime | None, typer.Option(
    "--to", formats=["%Y-%m-%d"], help="Last conversion day (YYYY-MM-DD, inclusive).")]
FiscalOpt = Annotated[int, typer.Option(
    "--fiscal-start", min=1, max=12, help="First month of the fiscal year (quarters).")]
DbOpt = Annotated[Path, typer.Option("--db", help="DuckDB warehouse.")]


def _fail(message: str) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[bold red]error:[/] {message}")
    return typer.Exit(code=2)


@contextmanager
def _clean_errors() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise  # stdout's reader went away: cli.main exits quietly
    except (CliUsageError, ValueError, OSError, KeyError) as exc:
        raise _fail(str(exc)) from None


@contextmanager
def _warehouse(db: Path) -> Iterator[Any]:
    if not db.is_file():
        raise CliUsageError(f"{db}: no such warehouse; load data with `touchpath ingest` or "
                            "`touchpath demo`")
    from touchpath.data.warehouse import Warehouse

    with Warehouse.open(db) as wh:
        yield wh


def _model(name: str, order: str | None) -> Any:
    from touchpath.attribution.registry import make_model

    params = {} if order is None else {"order": order_value(order)}
    return make_model(name, **params)


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


def _build_roi(db: Path, period: PeriodChoice, model: str, order: str | None,
               start: datetime | None, end: datetime | None, fiscal: int,
               lookback: int) -> tuple[Any, Any]:
    from rich.progress import Progress

    from touchpath.attribution.roi import period_bounds
    from touchpath.data.journeys import JourneyOptions
    from touchpath.service.roi import compute_roi_table

    lo, hi = _range(start, end)
    with _warehouse(db) as wh:
        m = _model(model, order)
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("attributing periods", total=None)
            if lo is not None and hi is not None:
                progress.update(task, total=len(period_bounds(lo, hi, period.value, fiscal)))
            table = compute_roi_table(wh, m, period.value, JourneyOptions(lookback_days=lookback),
                                      lo, hi, fiscal_year_start_month=fiscal,
                                      on_period=lambda _: progress.advance(task))
        channels = wh.channels()
        _require_data(wh, table, lo, hi)
    return table, channels


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
    period: PeriodOpt = PeriodChoice.month,
    model: ModelOpt = "markov",
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fiscal_start: FiscalOpt = 1,
    lookback: LookbackOpt = 30,
    fmt: Annotated[RoiFormat, typer.Option("--format", "-f", help="Output format.")] = (
        RoiFormat.table),
    out: OutOpt = None,
    db: DbOpt = Path("touchpath.duckdb"),
) -> None:
    """Channel ROI per period: spend, attributed conversions and revenue, ROI, CPA, CAC.

    A range with no conversions and no spend (e.g. ``--from 2030-01-01``
    beyond the data) prints no table: a warning naming the days the data
    covers goes to stderr and the exit code is 1.
    """
    with _clean_errors():
        if fmt is RoiFormat.parquet and out is None:
            raise CliUsageError("--format parquet needs --out FILE")
        table, _ = _build_roi(db, period, model, order, start, end, fiscal_start, lookback)
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
            if out is not None:
                out.write_text(console.export_text(), encoding="utf-8")
        rec = table.reconcile()
        if not rec["ok"].all():
            bad = ", ".join(rec.loc[~rec["ok"], "period"])
            Console(stderr=True).print(f"[yellow]warning:[/] totals do not reconcile in {bad}")


_SHORT_NOTES = (
    ("spend but no attributed conversions", "no conversions"),
    ("conversions but no spend", "no spend"),
    ("no spend and no attributed conversions", "no activity"),
    ("no attributed first purchases", "no first purchases"),
    ("unattributed", "no touch in window"),
)


def _short_note(note: str) -> str:
    return ", ".join(short for long, short in _SHORT_NOTES if long in note)


def _console(out: Path | None) -> Console:
    wide = out is not None or not sys.stdout.isatty()
    return Console(record=out is not None, width=150 if wide else None)


def _print_roi(table: Any, console: Console) -> None:
    frame = table.to_frame()
    for label in table.periods:
        rows = frame[frame["period"] == label]
        t = Table(title=f"{label} — {table.model}", title_justify="left")
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
    period: PeriodOpt = PeriodChoice.month,
    admit: Annotated[float | None, typer.Option(
        "--admit", help="Admit bar × baseline (default 1.15, or 0.15 with --reading fraction).")
    ] = None,
    scale: Annotated[float | None, typer.Option(
        "--scale", help="Scale bar × baseline (default 1.30, or 0.30 with --reading fraction).")
    ] = None,
    exit_fraction: Annotated[float, typer.Option(
        "--exit-fraction", help="Exit when ROI < this × target.")] = 0.5,
    exit_cycles: Annotated[int, typer.Option(
        "--exit-cycles", min=1, help="... in this many consecutive cycles.")] = 3,
    exit_target: Annotated[str, typer.Option(
        "--exit-target", help="'admit' (the admit bar) or a fixed target ROI.")] = "admit",
    reading: Annotated[Reading, typer.Option(
        "--reading", help="multiple (1.15×/1.30×) or fraction (0.15×/0.30×).")] = (
        Reading.multiple),
    min_spend: Annotated[float, typer.Option(
        "--min-spend", min=0, help="Spend per cycle below which data is insufficient.")] = 0.0,
    min_conversions: Annotated[float, typer.Option(
        "--min-conversions", min=0, help="Attributed conversions per cycle below which data "
        "is insufficient.")] = 1.0,
    baseline: Annotated[BaselineKind, typer.Option(
        "--baseline", help="Baseline ROI over established channels with spend in the cycle "
        "(paid) or over all of them (all).")] = BaselineKind.paid,
    model: ModelOpt = "markov",
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    fiscal_start: FiscalOpt = 1,
    lookback: LookbackOpt = 30,
    record: Annotated[bool, typer.Option(
        "--record/--no-record", help="Also append the verdicts to the warehouse's "
                                     "channel_verdicts table (default: read only).")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = (
        OutputFormat.table),
    out: OutOpt = None,
    db: DbOpt = Path("touchpath.duckdb"),
) -> None:
    """Lifecycle verdicts (exit / test / admit / scale) for channels in test status.

    Read only by default; ``--record`` also appends the verdicts to the
    warehouse's ``channel_verdicts`` table and says so. A range with no
    conversions and no spend is a warning and exit code 1.
    """
    from touchpath.attribution.lifecycle import LifecycleRules, evaluate, verdicts_to_frame
    from touchpath.service.lifecycle import LifecycleReport
    from touchpath.service.lifecycle import record as record_report

    with _clean_errors():
        try:
            target: str | float = "admit" if exit_target == "admit" else float(exit_target)
        except ValueError:
            raise CliUsageError(
                f"--exit-target must be 'admit' or a number, got {exit_target!r}") from None
        rules = LifecycleRules(admit=admit, scale=scale, reading=reading.value,
                               exit_fraction=exit_fraction, exit_cycles=exit_cycles,
                               exit_target=target, min_spend=min_spend,  # type: ignore[arg-type]
                               min_conversions=min_conversions, baseline=baseline.value)
        table, channels = _build_roi(db, period, model, order, start, end, fiscal_start,
                                     lookback)
        verdicts = evaluate(table, channels, rules)
        recorded = 0
        if record and verdicts:
            with _warehouse(db) as wh:
                recorded = record_report(wh, LifecycleReport(verdicts, table, rules))
        note = (f"recorded {recorded} verdict{'' if recorded == 1 else 's'} in channel_verdicts "
                f"of {db}" if recorded else "")
        if fmt is OutputFormat.json:
            doc = {"rules": rules.describe(), "model": table.model,
                   "verdicts": [v.to_dict() for v in verdicts]}
            emit(json.dumps(doc, indent=2, default=str), out)
        elif fmt is OutputFormat.csv:
            emit(verdicts_to_frame(verdicts).to_csv(index=False), out)
        if note and fmt is not OutputFormat.table:
            # Machine-readable output stays clean on stdout; the note goes to stderr.
            Console(stderr=True, highlight=False).print(note)
        if fmt is OutputFormat.table:
            console = _console(out)
            console.print(f"[dim]{rules.describe()}; model {table.model}[/]")
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
    for col in ("cycle", "spend", "conv.", "revenue", "ROI", "baseline", "ratio", "note"):
        t.add_column(col, justify="left" if col in ("cycle", "note") else "right")
    for r in v.cycles.itertuples(index=False):
        t.add_row(str(r.period), _fmt(r.spend), _fmt(r.attributed_conversions, 1),
                  _fmt(r.attributed_revenue), _fmt(r.roi), _fmt(r.baseline), _fmt(r.ratio),
                  r.note)
    console.print(t)


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
    from touchpath.service.lifecycle import change_status

    with _clean_errors(), _warehouse(db) as wh:
        change = change_status(wh, channel, status.value, reason)
        if not change.changed:
            Console().print(f"{channel}: already {change.previous_status}, unchanged "
                            "(nothing recorded)")
        else:
            Console().print(f"{channel}: {change.previous_status} -> {status.value} "
                            f"(recorded: {reason})")


@app.command("curves")
def curves_cmd(
    period: PeriodOpt = PeriodChoice.month,
    model: ModelOpt = "markov",
    order: OrderOpt = None,
    start: FromOpt = None,
    end: ToOpt = None,
    segments: Annotated[int, typer.Option("--segments", min=1, help="Segments per curve.")] = 8,
    min_periods: Annotated[int, typer.Option(
        "--min-periods", min=1, help="Fewer periods → constant-ROI fallback.")] = 4,
    cap: Annotated[float | None, typer.Option(
        "--cap", min=0, help="Max spend per period of the fallback curves.")] = None,
    horizon: Annotated[float, typer.Option(
        "--horizon", help="Curve periods per planning period (3: monthly curves, quarter "
        "plan).")] = 1.0,
    lookback: LookbackOpt = 30,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Curves JSON for `touchpath plan --curves`.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="PNG grid of the curves.")] = None,
    db: DbOpt = Path("touchpath.duckdb"),
) -> None:
    """Fit response curves (revenue vs period spend) per channel and export segments.

    The JSON is the optimizer's curves document: segment widths are multiplied
    by --horizon, and previous_spend is the spend of the last --horizon periods.
    """
    from touchpath.attribution.curves import curves_frame, fit_curves, plot_curves
    from touchpath.attribution.lifecycle import evaluate
    from touchpath.optimizer.curves import breakpoints
    from touchpath.optimizer.io import curves_document

    with _clean_errors():
        table, channels = _build_roi(db, period, model, order, start, end, 1, lookback)
        curves = fit_curves(table, min_periods=min_periods, fallback_cap=cap)
        if not curves:
            raise CliUsageError("no channel has spend in the range; no curve to fit")
        frame = table.to_frame(include_direct=False)
        last = table.periods[-max(1, int(round(horizon))):]
        prev = frame[frame["period"].isin(last)].groupby("channel")["spend"].sum()
        chans = channels.set_index("channel")
        verdicts = {v.channel: v.verdict for v in evaluate(table, channels)}
        doc = curves_document(
            curves, n=segments, periods=horizon,
            previous_spend={c: float(prev.get(c, 0.0)) for c in curves},
            groups={c: g for c, g in chans.get("group_name", pd.Series(dtype=str)).items()
                    if isinstance(g, str)},
            statuses={c: s for c, s in chans["status"].items()}, verdicts=verdicts)
        if out is not None:
            out.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        if png is not None:
            plot_curves(curves, png, breakpoints={c: breakpoints(curve, segments)
                                                  for c, curve in curves.items()})
        summary = curves_frame(curves)
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
        if out is not None:
            console.print(f"curves for `touchpath plan --curves`: {out}")
