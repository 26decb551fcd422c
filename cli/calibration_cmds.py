"""CLI of calibration to experiments: ``touchpath experiments`` and the ``--calibrate`` output.

``touchpath experiments`` lists the stored experiments with their factors under
the chosen model (:func:`touchpath.service.calibration`). The tables here are
what ``attribute``, ``roi``, ``curves`` and ``plan`` print with ``--calibrate``:
attributed vs calibrated credit per channel with the interval, the freed credit,
and which experiments calibrated which channel.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from touchpath import service
from touchpath.cli.app import app
from touchpath.cli.common import (
    KIND_DEFAULT,
    CensorOpt,
    FormatOpt,
    KindOpt,
    LookbackOpt,
    ModelOpt,
    OrderOpt,
    OutOpt,
    OutputFormat,
    clean_errors,
    emit,
    kind_choice,
    model_choice,
    open_warehouse,
    output_console,
)
from touchpath.service import DEFAULTS

__all__ = ["experiments_cmd", "print_calibrated_attribution", "print_calibration",
           "print_plan_comparison"]


def _fmt(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    return f"{x:,.{digits}f}"


def _interval(lo: Any, hi: Any, digits: int = 2) -> str:
    return "–" if lo is None or hi is None else f"[{_fmt(lo, digits)}, {_fmt(hi, digits)}]"


def print_calibration(cal: Any, console: Console) -> None:
    """The experiments, the credit attributed in their windows and the factors."""
    t = Table(title=f"Experiments — factor = incremental ÷ attributed under {cal.model}",
              title_justify="left")
    for col in ("channel", "kind", "window", "metric", "incremental", "interval", "attributed",
                "factor", "factor interval"):
        t.add_column(col, no_wrap=True,
                     justify="left" if col in ("channel", "kind", "window", "metric")
                     else "right")
    for f in cal.fits:
        e = f.experiment
        t.add_row(e.channel, e.kind, f"{e.start.isoformat()} .. {e.end.isoformat()}", e.metric,
                  _fmt(e.incremental), _interval(e.lower, e.upper), _fmt(f.attributed),
                  _fmt(f.factor.estimate, 3), _interval(f.factor.lower, f.factor.upper, 3))
    console.print(t)
    rule = ("nearest experiment in time" if cal.rule == "nearest"
            else "precision-weighted mean of the channel's experiments")
    console.print(f"[dim]outside the windows: {rule}.[/]")
    for text in cal.skipped:
        console.print(f"[bold yellow]warning:[/] {escape(text)}")


def print_calibrated_attribution(out: Any, console: Console) -> None:
    """Attributed vs calibrated credit per channel, with interval, factor and the freed credit."""
    t = Table(title=f"Calibrated attribution — {out.calibration.model}, "
                    f"{out.start.isoformat()} .. {out.end.isoformat()} (end exclusive), money "
                    f"in {DEFAULTS.currency}", title_justify="left")
    for col in ("channel", "attributed conv.", "calibrated conv.", "interval",
                "attributed revenue", "calibrated revenue", "interval ", "factor",
                "calibrated by"):
        t.add_column(col, no_wrap=col != "calibrated by",
                     justify="left" if col in ("channel", "calibrated by") else "right")
    for ch, c in out.channels.items():
        t.add_row(ch, _fmt(c.conversions.attributed), _fmt(c.conversions.calibrated),
                  _interval(c.conversions.lower, c.conversions.upper),
                  _fmt(c.revenue.attributed), _fmt(c.revenue.calibrated),
                  _interval(c.revenue.lower, c.revenue.upper), _fmt(c.factor, 3),
                  c.calibrated_by or "not calibrated (no experiment)")
    console.print(t)
    console.print(f"freed by calibration: {_fmt(out.freed_conversions)} conversions, "
                  f"{_fmt(out.freed_revenue)} revenue — credit the experiments say the "
                  "calibrated channels did not cause; not given to any other channel.")
    for text in out.warnings:
        console.print(f"[bold yellow]warning:[/] {escape(text)}")


def print_plan_comparison(cp: Any, console: Console) -> None:
    """The calibrated and uncalibrated plans side by side, and what calibrated which channel."""
    t = Table(title=f"Calibrated vs uncalibrated plan (money in {DEFAULTS.currency})",
              title_justify="left")
    for col in ("channel", "spend uncalibrated", "spend calibrated",
                "expected revenue uncalibrated", "expected revenue calibrated"):
        t.add_column(col, justify="left" if col == "channel" else "right", no_wrap=True)
    for r in cp.comparison().itertuples(index=False):
        if r.channel == "(total)":
            t.add_section()
        t.add_row(r.channel, _fmt(r.spend_uncalibrated), _fmt(r.spend_calibrated),
                  _fmt(r.expected_revenue_uncalibrated), _fmt(r.expected_revenue_calibrated))
    console.print(t)
    for ch, text in cp.calibrated_by.items():
        console.print(f"calibrated: {escape(ch)} by {escape(text)}")
    for text in cp.calibration.skipped:
        console.print(f"[bold yellow]warning:[/] {escape(text)}")


def _jsonable(doc: Any) -> str:
    def default(obj: Any) -> Any:
        if hasattr(obj, "item"):
            return obj.item()
        if hasattr(obj, "isoformat"):
            return obj.isoformat()
        raise TypeError(f"cannot write {type(obj).__name__} as JSON")

    def clean(x: Any) -> Any:
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {k: clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return x

    return json.dumps(clean(doc), indent=2, default=default, ensure_ascii=False)


def calibrated_json(doc: Any) -> str:
    """A calibration document as JSON text (NaN as null)."""
    return _jsonable(doc)


@app.command("experiments")
def experiments_cmd(
    model: ModelOpt = DEFAULTS.model,
    order: OrderOpt = None,
    lookback: LookbackOpt = DEFAULTS.lookback_days,
    censor: CensorOpt = DEFAULTS.censor,
    kind: KindOpt = KIND_DEFAULT,
    rule: Annotated[str, typer.Option(
        "--rule", help="Factor outside the windows: nearest (the experiment nearest in time) "
                       "or weighted (precision-weighted mean).")] = DEFAULTS.calibration,
    fmt: FormatOpt = OutputFormat.table,
    out: OutOpt = None,
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = Path("touchpath.duckdb"),
) -> None:
    """List the experiments and their calibration factors under the model.

    Load experiments with ``touchpath ingest FILE --table experiments`` (columns
    channel, start, end, incremental_conversions or incremental_revenue, optional
    lower, upper, kind).
    """
    with clean_errors():
        options = service.journey_options(lookback_days=lookback, censor=censor,
                                          kind=kind_choice(kind))
        with open_warehouse(db) as wh:
            cal = service.calibration(wh, model_choice(model, order), options,
                                      rule=rule, memo=service.LocalMemo())  # type: ignore[arg-type]
        if fmt is OutputFormat.json:
            emit(_jsonable(cal.to_dict()), out)
        elif fmt is OutputFormat.csv:
            emit(cal.to_frame().to_csv(index=False), out)
        else:
            console = Console(record=True, width=1000) if out is not None else output_console()
            print_calibration(cal, console)
            if out is not None:
                out.write_text(console.export_text(), encoding="utf-8")
