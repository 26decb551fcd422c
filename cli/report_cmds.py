"""CLI command ``touchpath report``: one self-contained HTML report (:mod:`touchpath.report`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from touchpath.cli.app import app
from touchpath.cli.common import OrderOpt, PeriodChoice, order_value

__all__ = ["report_cmd"]


@app.command("report")
def report_cmd(
    out: Annotated[Path, typer.Option(help="HTML file to write.")] = Path("report.html"),
    db: Annotated[Path, typer.Option(help="DuckDB warehouse file.")] = Path("touchpath.duckdb"),
    period: Annotated[PeriodChoice, typer.Option(help="ROI period / lifecycle cycle.")]
    = PeriodChoice.month,
    model: Annotated[str, typer.Option(help="Attribution model of ROI, lifecycle and plan "
                                            "(markov, markov2, linear, ...).")] = "markov",
    order: OrderOpt = None,
    models: Annotated[str | None, typer.Option(help="Comma-separated models compared in the "
                                                    "Attribution section.")] = None,
    ci: Annotated[int, typer.Option(min=0, max=1000, help="Bootstrap resamples of the "
                                                          "comparison (0: no intervals).")] = 0,
    budget: Annotated[float | None, typer.Option(min=0.01, help="Budget of the plan "
                                                 "(default: last quarter's spend).")] = None,
    quarter: Annotated[str | None, typer.Option(help="Planned quarter, e.g. 2027Q1 "
                                                     "(default: the next one).")] = None,
    exact_budget: Annotated[bool, typer.Option(
        "--exact-budget/--at-most", help="Spend exactly the budget, or at most it "
                                         "(as `touchpath plan --exact-budget`).")] = False,
    spend_all: Annotated[bool, typer.Option(
        "--spend-all", hidden=True, help="Old name of --exact-budget.")] = False,
    lookback: Annotated[int, typer.Option(
        "--lookback", min=1, max=3650, help="Journey lookback window, days.")] = 30,
    lookback_days: Annotated[int | None, typer.Option(
        "--lookback-days", min=1, max=3650, hidden=True, help="Old name of --lookback.")]
    = None,
) -> None:
    """Write one HTML report (charts embedded, works offline) and print its path."""
    from touchpath.attribution.registry import format_spec, split_specs
    from touchpath.report.collect import COMPARE_MODELS, ReportOptions
    from touchpath.report.html import write_report

    try:
        setting = order_value(order)
        if setting == "auto":  # ReportOptions takes a numeric order; "auto" goes in the spec
            model, setting = format_spec(model, {"order": "auto"}), None
        options = ReportOptions(
            period=period.value, model=model, order=setting,
            models=tuple(split_specs(models)) if models else COMPARE_MODELS, ci=ci,
            budget=budget, quarter=quarter, spend_all=exact_budget or spend_all,
            lookback_days=lookback if lookback_days is None else lookback_days,
        )
        path = write_report(db, out, options)
    except (FileNotFoundError, ValueError) as exc:
        typer.secho(f"touchpath report: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from exc
    typer.echo(str(path))
